"""A signed record of the demo student (hocsinh, child of phuhuynh) in the gvcn's class."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from hocba.people.models import Student
from hocba.records import archive
from hocba.records.services import record_compose
from hocba.verification import services
from tests.records.conftest import archive_dir, homeroom_class, staff  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    settings.HOCBA_VERIFY_RATE = "10000/60"
    settings.HOCBA_VERIFY_UPLOAD_RATE = "10000/60"
    cache.clear()
    services._memo.clear()
    services._verdicts.clear()
    yield
    cache.clear()
    services._memo.clear()
    services._verdicts.clear()


@pytest.fixture
def student(homeroom_class):
    return Student.objects.get(user__username="hocsinh")


@pytest.fixture
def composed(student, homeroom_class, staff):
    return record_compose(student=student, class_group=homeroom_class, by=staff["gvcn"]).version


@pytest.fixture
def signed(composed):
    from hocba.signing.workflow import sign_sample

    return sign_sample(composed)


@pytest.fixture
def signed_pdf(signed) -> bytes:
    return archive.archive_get(signed.signed_pdf_sha256)

"""Django-side fixtures and helpers of the signing workflow tests (imported by the test modules)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hocba.records.models import RecordVersion, YearRecord
from hocba.records.services import compose_class
from hocba.signing import pki
from hocba.signing.core.pki import DEMO_PASSPHRASE, PersonSpec
from hocba.signing.models import BackendKind, Certificate
from hocba.signing.services import certificate_register
from hocba.signing.workflow import confirm_as_assigned_teachers
from tests.records.conftest import archive_dir, homeroom_class  # noqa: F401  (fixtures)

SECRET = DEMO_PASSPHRASE


def users(*names):
    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return [found[n] for n in names]


def current_versions(class_group) -> list[RecordVersion]:
    return [r.current_version for r in YearRecord.objects.filter(class_group=class_group)
            .select_related("current_version__year_record__student").order_by("student__sort_name", "pk")]


@pytest.fixture
def composed(homeroom_class):
    """The homeroom class with every student's year record composed (unsigned, fields prepared)."""
    report = compose_class(class_group=homeroom_class)
    assert not report.failed, report.failed
    return homeroom_class


def confirm_all(class_group) -> None:
    for version in current_versions(class_group):
        confirm_as_assigned_teachers(version=version, source="test")


def register_certificate(teacher, *, key: str, not_before=None, not_after=None, revoke=False) -> Certificate:
    """Issue a certificate for ``teacher`` with the demo PKI (optionally expired / future / revoked),
    register it, and make it the teacher's only usable one."""
    demo = pki.demo_pki()
    issued = demo.issue(PersonSpec(key, teacher.full_name, teacher.personal_id or ""),
                        not_before=not_before, not_after=not_after)
    if revoke:
        demo.revoke(issued.serial)
    Certificate.objects.filter(teacher=teacher).update(revoked=True)
    return certificate_register(data=issued.cert_path.read_bytes(), school=teacher.school, teacher=teacher,
                                backend=BackendKind.PKCS12, backend_ref={"pki_key": key})


def days(n: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)

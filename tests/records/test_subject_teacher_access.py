"""A subject teacher sees the class's record status, not the records: they carry the whole profile
(ethnicity, policy category, address, parents), which only the school board, the homeroom teacher and
the family see (SECURITY.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from hocba.records.models import YearRecord
from hocba.records.services import compose_class

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_subject_teacher_sees_the_status_but_not_the_records(homeroom_class, staff):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    record = YearRecord.objects.filter(class_group=homeroom_class).select_related("current_version", "student").first()
    version = record.current_version
    teacher, homeroom = _client(staff["gvbm"]), _client(staff["gvcn"])

    status = teacher.get(f"/hoc-ba/lop/{homeroom_class.pk}/")
    assert status.status_code == 200
    page = status.content.decode()
    assert record.student.full_name in page and f"/hoc-ba/hoc-sinh/{record.student_id}/" not in page
    for url in (f"/hoc-ba/phien-ban/{version.pk}/pdf/", f"/hoc-ba/phien-ban/{version.pk}/json/"):
        assert teacher.get(url).status_code == 403, url
        assert homeroom.get(url).status_code == 200, url
    book = f"/hoc-ba/hoc-sinh/{record.student_id}/"
    teacher_book = teacher.get(book)  # refused, or (a teacher who is a homeroom teacher elsewhere) an empty book
    assert teacher_book.status_code == 403 or version.code_shown not in teacher_book.content.decode()
    assert version.code_shown in homeroom.get(book).content.decode()
    assert book in homeroom.get(f"/hoc-ba/lop/{homeroom_class.pk}/").content.decode()

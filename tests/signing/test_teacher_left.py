"""A teacher who left the school (nghỉ việc, chuyển công tác) needs no signing certificate and signs nothing new:
the Department's certificate progress (every staff member by 16/12) counts the working staff only, and a teacher
who left is not offered as approval signer nor as a certificate's owner, nor printed as the approving principal of
records composed from now on."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.urls import reverse

from hocba.core.errors import DomainError
from hocba.org.models import ClassGroup, School
from hocba.people.models import Position, Teacher, TeacherStatus
from hocba.people.services import teacher_create
from hocba.records.compose import approval_signer
from hocba.signing.models import Certificate
from hocba.signing.services import approval_signer_set, approval_signers
from tests.signing.djangofix import register_certificate, users

pytestmark = pytest.mark.django_db


def mark_left(teacher: Teacher) -> None:
    """The state ``people.services.teacher_leave`` leaves (its refusals, audit: tests/people/test_teacher_leave.py)."""
    Teacher.objects.filter(pk=teacher.pk).update(status=TeacherStatus.LEFT, left_on=dt.date(2026, 1, 5),
                                                 left_reason="Chuyển công tác")
    teacher.refresh_from_db()


def demo_school() -> School:
    return ClassGroup.objects.select_related("school").get(homeroom_teacher__user__username="gvcn").school


def test_a_teacher_who_left_is_no_longer_missing_a_certificate(city, login):
    school = demo_school()
    teacher = Teacher.objects.filter(school=school, user__isnull=True).order_by("pk").first()
    Certificate.objects.filter(teacher=teacher).delete()
    client = login("hieutruong")
    url = reverse("signing:certificates")
    page = html_lib.unescape(client.get(url).content.decode())
    total = Teacher.objects.filter(school=school).count()
    assert f"{total - 1}/{total}" in page and f"<li>{teacher.full_name}</li>" in page
    assert f'<option value="{teacher.pk}">' in page  # a certificate may still be registered for them

    mark_left(teacher)
    page = html_lib.unescape(client.get(url).content.decode())
    assert f"{total - 1}/{total - 1}" in page and f"<li>{teacher.full_name}</li>" not in page
    assert "chưa có chứng thư số" not in page.split("<table", 1)[0]  # the deadline line: nobody missing
    assert f'<option value="{teacher.pk}">' not in page  # nor offered as a certificate's owner


def test_no_certificate_is_registered_for_a_teacher_who_left(city):
    teacher = Teacher.objects.filter(school=demo_school(), user__isnull=True).order_by("pk").first()
    mark_left(teacher)
    with pytest.raises(DomainError) as refused:
        register_certificate(teacher, key=f"left-{teacher.pk}")
    assert refused.value.errors == {"Chủ chứng thư": [f"{teacher.full_name} đã nghỉ việc từ ngày 05/01/2026."]}


def test_a_deputy_who_left_cannot_be_chosen_to_sign_the_approval(city, login):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    school = demo_school()
    deputy = Teacher.objects.get(user=deputy_user)
    assert deputy in approval_signers(school)
    mark_left(deputy)
    assert deputy not in approval_signers(school)
    with pytest.raises(DomainError, match="không phải Hiệu trưởng hay Phó hiệu trưởng được ủy quyền"):
        approval_signer_set(school=school, teacher=deputy, by=principal_user)
    page = login("hieutruong").get(reverse("signing:school", args=[school.pk])).content.decode()
    assert f'<option value="{deputy.pk}"' not in page


def test_records_composed_after_the_principal_left_do_not_print_them(city):
    school = demo_school()
    principal = Teacher.objects.get(school=school, position=Position.PRINCIPAL)
    assert approval_signer(school) == principal
    mark_left(principal)
    assert approval_signer(school) is None  # "Hiệu trưởng", no name, until the new principal is entered
    newcomer = teacher_create(data={"full_name": "Hoàng Văn Minh", "birth_date": "04/05/1975", "sex": "M",
                                    "staff_code": "HT-MOI", "position": Position.PRINCIPAL}, school=school, by=None)
    assert approval_signer(school) == newcomer

"""After a transfer, the former school no longer sees or changes the profile the new school keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hocba.core.permissions import can
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db


def _user(name):
    return get_user_model().objects.get(username=name)


def test_a_transferred_student_belongs_to_the_new_school_only(city):
    home = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn", school_year__is_current=True)
    enrolment = (Enrolment.objects.filter(class_group=home, status__in=ACTIVE_STATUSES)
                 .select_related("student").order_by("student__sort_name").first())
    student = enrolment.student
    other = (ClassGroup.objects.filter(school_year=home.school_year).exclude(school=home.school)
             .order_by("pk").first())
    bgh, gvcn, so = _user("bgh"), _user("gvcn"), _user("so")
    assert can(bgh, "people:student:view", student) and can(bgh, "people:student:change", student)

    # Transferred out, not yet enrolled elsewhere: the school still answers for the student.
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.TRANSFERRED_OUT)
    assert can(bgh, "people:student:view", student)

    # The new school enrols the student: the former school's board and teachers lose the profile.
    Enrolment.objects.create(student=student, class_group=other, school_year=other.school_year,
                             status=EnrolmentStatus.TRANSFERRED_IN, status_date=dt.date(2025, 11, 20))
    for former in (bgh, gvcn):
        assert not can(former, "people:student:view", student)
    assert not can(bgh, "people:student:change", student)
    assert can(so, "people:student:view", student)  # the Department: through the new enrolment
    client = Client()
    client.force_login(bgh)
    assert client.get(f"/hoc-sinh/{student.pk}/").status_code in (403, 404)
    response = client.patch(f"/api/students/{student.pk}", content_type="application/json",
                            data={"policy_category": "Hộ nghèo", "version": student.version})
    assert response.status_code in (403, 404)
    student.refresh_from_db()
    assert student.policy_category != "Hộ nghèo"


def test_a_student_moved_to_another_class_of_the_same_school_stays_visible(city):
    home = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn", school_year__is_current=True)
    enrolment = Enrolment.objects.filter(class_group=home, status__in=ACTIVE_STATUSES).order_by("pk").first()
    sibling = ClassGroup.objects.filter(school=home.school, school_year=home.school_year).exclude(pk=home.pk).first()
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.TRANSFERRED_OUT)
    Enrolment.objects.create(student_id=enrolment.student_id, class_group=sibling,
                             school_year=sibling.school_year, status=EnrolmentStatus.TRANSFERRED_IN,
                             status_date=dt.date(2025, 11, 20))
    assert can(_user("bgh"), "people:student:view", enrolment.student)

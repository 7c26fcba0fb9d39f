"""Tổng hợp sổ điểm: the Department, the communes and the school board read the gradebook in numbers per school."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hocba.gradebook import aggregates, services
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import StudentResult, SubjectTermScore
from hocba.org.models import ClassGroup, School
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student
from tests.gradebook import gb_world
from tests.gradebook.gb_world import fill_class, finalise_all, user

pytestmark = pytest.mark.django_db

clock = gb_world.clock
world = gb_world.world
URL = "/so-diem/tong-hop/"


def _page(username: str, query: str = "") -> str:
    client = Client()
    client.force_login(user(username))
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def test_each_school_in_numbers_as_entry_locks_and_closing_go(world):
    cls = world.cls
    fill_class(cls)
    finalise_all(cls, 1)
    services.class_term_close(class_group=cls, term=1, by=world.gvcn)
    close_classes(class_ids=[cls.pk], period="year")
    school = School.objects.get(pk=cls.school_id)
    year = cls.school_year

    rows, total = aggregates.school_summaries(schools=[school], year=year, period="year")
    row = rows[0]
    classes = ClassGroup.objects.filter(school=school, school_year=year)
    assert row.classes == classes.count()
    assert row.students == Enrolment.objects.filter(class_group__in=classes, status__in=ACTIVE_STATUSES).count()
    subjects = cls.assignments.count()
    assert row.finalised == {1: subjects, 2: 0} and row.closed == {1: 1, 2: 0} and row.locked == {1: 0, 2: 0}
    results = StudentResult.objects.filter(class_group=cls, period="year")
    assert row.results.students == results.count() == len(world.students)
    assert row.results.learning == Counter(results.values_list("learning", flat=True))
    # a final grade (9, 12) completes the programme rather than moving up: counted apart ("Lên lớp" read 130 for a
    # city whose grade-9 students were leaving school)
    promoted = results.filter(outcome="promoted").count()
    assert promoted and cls.grade in (9, 12)
    assert row.results.outcome["completed"] == promoted and row.results.outcome["promoted"] == 0
    assert total.students == row.students and total.results.students == row.results.students

    # The page says the same, per school, with no student's name and no score on it.
    page = _page("so")
    assert f'id="truong-{school.pk}"' in page
    assert f"{subjects}/{row.sheets}" in page  # term I: the class's subjects finalised, of the school's sheets
    assert f"{row.results.students}/{row.students}" in page
    for student in Student.objects.filter(pk__in=world.students[:3]):
        assert student.full_name not in page
    assert "Kết quả tổng kết — Cả năm" in page
    assert 'Hoàn thành chương trình <span class="muted">(lớp 9, 12)</span>' in page
    assert "Kết quả tổng kết — Học kì I" in _page("so", "?ky=hk1")  # term I not closed: "chưa tổng kết"


def test_each_officer_reads_the_schools_of_their_scope_only(world):
    everything = {s.pk for s in School.objects.all()}
    assert {s.pk for s in aggregates.visible_schools(user=user("so"))} == everything
    principal = {s.pk for s in aggregates.visible_schools(user=user("hieutruong"))}
    assert principal == {world.cls.school_id}
    commune = aggregates.visible_schools(user=user("xa"))
    assert commune and all(s.level in ("THCS", "MULTI") for s in commune)
    assert len({s.commune_id for s in commune}) == 1
    outside = School.objects.exclude(pk__in=[s.pk for s in commune]).first()
    assert f'id="truong-{outside.pk}"' not in _page("xa")


def test_the_numbers_cost_the_same_queries_for_one_school_or_the_city(world):
    year = world.cls.school_year

    def queries(schools) -> int:
        with CaptureQueriesContext(connection) as captured:
            aggregates.school_summaries(schools=schools, year=year, period="year", today=dt.date(2026, 6, 1))
        return len(captured)

    schools = list(School.objects.all())
    assert len(schools) > 1
    assert queries(schools) == queries(schools[:1]) == 8


def test_the_school_page_links_to_its_row(world):
    client = Client()
    client.force_login(user("xa"))
    school = aggregates.visible_schools(user=user("xa"))[0]
    page = client.get(f"/truong/{school.pk}/").content.decode()
    assert f'{URL}#truong-{school.pk}' in page


def test_closing_again_replaces_the_counts_and_refused_students_are_counted(world):
    cls = world.cls
    fill_class(cls)
    SubjectTermScore.objects.filter(class_group=cls, student_id=world.students[0], term=2).update(ck=None)
    close_classes(class_ids=[cls.pk], period="year")
    close_classes(class_ids=[cls.pk], period="year")  # the same closing again: counted once
    school = School.objects.get(pk=cls.school_id)
    (row,), _total = aggregates.school_summaries(schools=[school], year=cls.school_year, period="year")
    assert row.results.students == len(world.students)
    assert row.results.errors == 1  # the student with a missing mark: the engine's refusal, counted
    assert sum(row.results.learning.values()) == len(world.students) - 1


@pytest.mark.parametrize("username", ["so", "xa", "bgh", "hieutruong", "phohieutruong", "gvcn", "phuhuynh"])
def test_the_link_check_without_a_query_agrees_with_the_page_scope(city, username):
    """The school page decides its link from the user's scope alone; the page lists schools by a query."""
    from hocba.gradebook.permissions import may_view_aggregates

    listed = {s.pk for s in aggregates.visible_schools(user=user(username))}
    assert {s.pk for s in School.objects.all() if may_view_aggregates(user(username), s)} == listed

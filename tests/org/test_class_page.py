"""The class page costs the same number of queries for a class of 10 and of 45 students."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hocba.org import services as org_services
from hocba.org.models import Subject
from hocba.people import services
from tests.people.world import build_world

#: Session, user, the user's scope, the class, its roster, its assignments, the menu: pinned so that
#: an N+1 (a query per student or per subject) or a new query on every page is noticed.
CLASS_PAGE_QUERIES = 9

STUDENT_LINK = re.compile(r'href="/hoc-sinh/\d+/"')

GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nga", "Phúc", "Quỳnh", "Sơn",
         "Thảo", "Uyên"]
MIDDLE = ["Văn", "Thị", "Minh"]


@pytest.fixture
def classes(empty_db):
    world = build_world()
    org_services.catalogue_load()
    small = org_services.class_create(school=world.school, school_year=world.year, grade=7, name="7A1")
    large = org_services.class_create(school=world.school, school_year=world.year, grade=7, name="7A2")
    for size, cls in ((10, small), (45, large)):
        for i in range(size):
            world.add_student(f"Nguyễn {MIDDLE[i // len(GIVEN)]} {GIVEN[i % len(GIVEN)]}", class_group=cls)
    subjects = list(Subject.objects.filter(curriculum__grade=7).distinct()[:6])
    for n, subject in enumerate(subjects):
        teacher = services.teacher_create(data={"full_name": f"Trần Thị {GIVEN[n]}",
                                                "birth_date": "01/01/1985",
                                                "sex": "F", "staff_code": f"GVQ{n:03d}"},
                                          school=world.school, by=None)
        for cls in (small, large):
            org_services.assignment_set(class_group=cls, subject=subject, teacher=teacher)
    small.homeroom_teacher = large.homeroom_teacher = teacher
    small.save()
    large.save()
    return world, small, large, subjects


def page(world, cls):
    client = world.client()
    url = reverse("org:class_detail", args=[cls.pk])
    client.get(url)  # warm caches that are not per request (content types, templates)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_query_count_does_not_grow_with_class_size(classes):
    world, small, large, _ = classes
    small_page, small_count = page(world, small)
    large_page, large_count = page(world, large)
    assert len(STUDENT_LINK.findall(small_page.content.decode())) == 10
    assert len(STUDENT_LINK.findall(large_page.content.decode())) == 45
    assert small_count == large_count == CLASS_PAGE_QUERIES


def test_class_page_shows_roster_assignments_and_homeroom_teacher(classes, django_assert_num_queries):
    world, _, large, subjects = classes
    client = world.client()
    client.get(reverse("org:class_detail", args=[large.pk]))
    with django_assert_num_queries(CLASS_PAGE_QUERIES):
        html = client.get(reverse("org:class_detail", args=[large.pk])).content.decode()
    assert "Lớp 7A2" in html
    assert "Giáo viên chủ nhiệm: <b>Trần Thị" in html
    for subject in subjects:
        assert subject.name in html
    assert html.count("<td>Đang học</td>") == 45

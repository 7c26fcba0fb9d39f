"""A student's class of the current school year: the list's "Lớp" column and class filter (``?lop=``), the
school filter of a user of several schools (``?truong=``), and the class under the name on the student's page —
masking and paging as before, in a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hocba.core.permissions import restrict
from hocba.org import services as org_services
from hocba.org.models import ClassGroup, School
from hocba.people import services
from hocba.people.models import Enrolment, Student
from tests.people.test_pages_create import page
from tests.people.world import build_world

LIST = "people:student_list"
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang",
         "Đặng Văn Hải", "Bùi Thị Hoa", "Đỗ Văn Khoa", "Hồ Thị Lan", "Ngô Văn Minh", "Dương Thị Ngọc"]


def rows(html: str) -> list[list[str]]:
    """The list's rows as the text of their cells."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the ``<select name=…>``'s options."""
    select = html.split(f'<select name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


# --- the list: the class column and filter ----------------------------------------------------

def test_each_row_names_the_students_class_and_the_filter_shows_one_class(world):
    world.add_student("Nguyễn Văn An", class_group=world.class_a)
    world.add_student("Trần Thị Bình", class_group=world.class_b)
    client = world.client()
    html = page(client.get(reverse(LIST)))
    assert "<th>Lớp</th>" in html and "<th>Trường</th>" not in html  # one school: no school column
    assert [r[0::3] for r in rows(html)] == [["Nguyễn Văn An", "6A1"], ["Trần Thị Bình", "6A2"]]
    assert options(html, "lop") == [("", "Tất cả các lớp"), (str(world.class_a.pk), "Lớp 6A1"),
                                    (str(world.class_b.pk), "Lớp 6A2")]

    html = page(client.get(reverse(LIST), {"lop": world.class_b.pk}))
    assert [r[0] for r in rows(html)] == ["Trần Thị Bình"]
    assert f'<option value="{world.class_b.pk}" selected>Lớp 6A2</option>' in html
    assert "<small>lớp 6A2</small>" in html
    # the admit button keeps the class; the search within the class keeps the filter
    assert f'href="{reverse("people:student_admit")}?lop={world.class_b.pk}"' in html
    found = [r[0] for r in rows(page(client.get(reverse(LIST), {"lop": world.class_a.pk, "q": "binh"})))]
    assert found == ["Không tìm thấy học sinh nào của lớp 6A1."]
    assert [r[0] for r in rows(page(client.get(reverse(LIST), {"lop": world.class_b.pk, "q": "binh"})))] == [
        "Trần Thị Bình"]


def test_classes_are_offered_in_grade_and_name_order(world):
    late = org_services.class_create(school=world.school, school_year=world.year, grade=7, name="7A1")
    early = org_services.class_create(school=world.school, school_year=world.year, grade=6, name="6A10")
    html = page(world.client().get(reverse(LIST)))
    assert [text for _value, text in options(html, "lop")] == [
        "Tất cả các lớp", "Lớp 6A1", "Lớp 6A10", "Lớp 6A2", "Lớp 7A1"]
    assert {early.pk, late.pk} <= {int(v) for v, _text in options(html, "lop") if v}


def test_a_student_who_left_the_class_shows_it_and_is_not_in_the_class_filter(world):
    student = world.add_student("Nguyễn Văn An", class_group=world.class_a)
    enrolment = Enrolment.objects.get(student=student)
    services.enrolment_set_status(enrolment=enrolment, status="transferred_out", by=world.admin,
                                  status_date=dt.date(2025, 10, 1))
    client = world.client()
    assert rows(page(client.get(reverse(LIST))))[0][3] == "6A1 (chuyển đi)"
    assert rows(page(client.get(reverse(LIST), {"lop": world.class_a.pk}))) == [
        ["Không tìm thấy học sinh nào của lớp 6A1."]]


@pytest.mark.parametrize("lop", ["other", "abc", "0"])
def test_a_class_the_user_may_not_see_is_refused(world, lop):
    other = build_world(code="U")
    value = other.class_a.pk if lop == "other" else lop
    response = world.client().get(reverse(LIST), {"lop": value})
    assert response.status_code == 403


def test_the_list_pays_the_same_queries_for_one_row_as_for_a_page_of_them(world):
    """The class of every row comes with the page (one prefetch), never a query per student."""
    world.add_student(NAMES[0], class_group=world.class_a)
    client = world.client()
    client.get(reverse(LIST))  # the session's first reads

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            html = page(client.get(reverse(LIST), params))
        return len(ctx.captured_queries), len(rows(html))

    one, one_filtered = queries(), queries(lop=world.class_a.pk)
    for i, name in enumerate(NAMES[1:]):
        world.add_student(name, class_group=world.class_a if i % 2 else world.class_b)
    many, many_filtered = queries(), queries(lop=world.class_a.pk)
    assert (one[1], many[1]) == (1, len(NAMES))
    assert many[0] == one[0] and many_filtered[0] == one_filtered[0]


# --- masking and scope are as before ----------------------------------------------------------

@pytest.fixture
def pupil(city):
    """hocsinh: a student of gvcn's (homeroom) and gvbm's class 9A1, with a personal ID."""
    return Student.objects.filter(user__username="hocsinh").exclude(personal_id=None).get()


def _class_of(student) -> ClassGroup:
    return Enrolment.objects.get(student=student, school_year__is_current=True).class_group


@pytest.mark.parametrize("username", ["so", "xa", "gvbm"])
def test_a_masked_reader_filtering_by_class_still_finds_nobody_by_personal_id(pupil, login, username):
    client = login(username)
    klass = _class_of(pupil)
    html = page(client.get(reverse(LIST), {"lop": klass.pk, "truong": klass.school_id}))
    assert pupil.full_name in html and "9A1" in html
    assert pupil.full_name not in page(client.get(reverse(LIST), {"lop": klass.pk, "truong": klass.school_id,
                                                                  "q": pupil.personal_id}))


def test_the_homeroom_teacher_sees_their_class_and_finds_by_id_within_it(pupil, login):
    client = login("gvcn")
    klass = _class_of(pupil)
    html = page(client.get(reverse(LIST), {"lop": klass.pk, "q": pupil.personal_id}))
    assert [r[0::3] for r in rows(html)] == [[pupil.full_name, "9A1"]]
    offered = {int(v) for v, _t in options(html, "lop") if v}
    assert klass.pk in offered
    assert offered <= set(ClassGroup.objects.filter(school_id=klass.school_id, school_year__is_current=True)
                          .values_list("pk", flat=True))


def test_an_officer_of_several_schools_sees_the_school_column_and_filters_by_school(pupil, login):
    client = login("so")
    user = client.get(reverse("core:home")).wsgi_request.user
    schools = list(restrict(School.objects.all(), user, "org:school:view").order_by("sort_name", "pk"))
    assert len(schools) > 1
    klass = _class_of(pupil)
    html = page(client.get(reverse(LIST), {"q": pupil.full_name}))
    assert "<th>Trường</th>" in html and 'name="lop"' not in html  # no class list across every school
    assert [pupil.full_name, "9A1", klass.school.name] in [r[0:1] + r[3:5] for r in rows(html)]
    assert [v for v, _t in options(html, "truong")] == ["", *(str(s.pk) for s in schools)]

    html = page(client.get(reverse(LIST), {"truong": klass.school_id}))
    assert "<th>Trường</th>" not in html
    assert [t for _v, t in options(html, "lop")][1:] == [
        f"Lớp {c.name}" for c in ClassGroup.objects.filter(school_id=klass.school_id, school_year__is_current=True)
        .order_by("grade", "name", "pk")]
    other = next(s for s in schools if s.pk != klass.school_id)
    html = page(client.get(reverse(LIST), {"truong": other.pk, "q": pupil.full_name}))
    assert pupil.full_name not in html.split("<tbody>", 1)[1]
    # a class of another school than the one now chosen is dropped, not mixed in
    html = page(client.get(reverse(LIST), {"truong": other.pk, "lop": klass.pk}))
    assert f'value="{klass.pk}" selected' not in html


def test_a_school_outside_the_officers_scope_is_refused(login):
    client = login("xa")  # the commune's THCS schools only
    user = client.get(reverse("core:home")).wsgi_request.user
    outside = School.objects.exclude(pk__in=restrict(School.objects.all(), user, "org:school:view")).first()
    if outside is None:
        pytest.skip("the test city has no school outside the commune officer's scope")
    visible = list(restrict(School.objects.all(), user, "org:school:view")[:2])
    if len(visible) < 2:
        pytest.skip("the commune officer has a single school: no school filter")
    assert client.get(reverse(LIST), {"truong": outside.pk}).status_code == 403


# --- the student's page -----------------------------------------------------------------------

def test_the_students_page_names_the_current_class_under_the_name(world):
    student = world.add_student("Nguyễn Văn An", class_group=world.class_b)
    html = page(world.client().get(reverse("people:student_detail", args=[student.pk])))
    head = html.split("<h1>", 1)[1].split("<dl", 1)[0]
    assert "Lớp 6A2 — Trường THCS Thử nghiệm — năm học 2025-2026" in head


def test_a_student_who_moved_out_shows_the_class_they_left(world):
    student = world.add_student("Nguyễn Văn An", class_group=world.class_b)
    services.enrolment_set_status(enrolment=Enrolment.objects.get(student=student), status="transferred_out",
                                  by=world.admin, status_date=dt.date(2025, 10, 1))
    html = page(world.client().get(reverse("people:student_detail", args=[student.pk])))
    head = html.split("<h1>", 1)[1].split("<dl", 1)[0]
    assert "Lớp 6A2 — Trường THCS Thử nghiệm — năm học 2025-2026" in head
    assert "(chuyển đi từ 01/10/2025)" in head


def test_a_student_without_a_class_this_year_is_told_so(pupil, login):
    """A new school year has begun and the student has no class in it yet: their own page says so."""
    org_services.school_year_create(name="2026-2027")
    client = login("hocsinh")
    html = page(client.get(reverse("people:student_detail", args=[pupil.pk])))
    assert "Chưa xếp lớp năm học hiện tại" in html.split("<h1>", 1)[1].split("<dl", 1)[0]
    assert rows(page(client.get(reverse(LIST))))[0][0::3] == [pupil.full_name, "Chưa xếp lớp"]

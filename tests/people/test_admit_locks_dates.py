"""Thêm học sinh into a class whose sổ điểm is locked, and the date of entry.

The page says, for the chosen class, each term whose gradebook is locked (the school's lock, the class's, or some
subjects'): on the page opened from the class, on a refused form and in the success message. The date of entry
lies within the class's school year; it is today by default only when today is within that year."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from hocba.gradebook.models import GradebookLock, LockLevel
from hocba.org.models import Subject
from hocba.people.models import Enrolment, Student
from tests.people.conftest import SCHOOL_DAY
from tests.people.test_pages_create import ADMIT, admit, error_of, nothing_saved, page, value_of

LOCKED_II = ("Sổ điểm lớp 6A2 đã khoá học kì II: điểm của học sinh mới chỉ nhập được sau khi Hiệu trưởng "
             "mở khoá.")
AFTER_YEAR = SCHOOL_DAY.replace(year=2026, month=7, day=15)


def lock(world, *, term: int, level: str, class_group=None, subject=None) -> GradebookLock:
    """A lock as the gradebook writes it (the homeroom teacher's, the principal's or a subject teacher's)."""
    school_id = world.school.pk
    return GradebookLock.objects.create(
        school_year=world.year, term=term, level=level, school_id=school_id, class_group=class_group,
        subject=subject, locked_at=timezone.now(),
        key=GradebookLock.make_key(year_id=world.year.pk, term=term, school_id=school_id,
                                   class_id=class_group.pk if class_group else None,
                                   subject_id=subject.pk if subject else None))


def text(html: str) -> str:
    return html_lib.unescape(html)


# --- locks ------------------------------------------------------------------------------------

def test_the_page_opened_for_a_locked_class_says_which_terms_are_locked(world, school_day):
    lock(world, term=2, level=LockLevel.CLASS, class_group=world.class_b)
    client = world.client()
    html = text(page(client.get(f"{reverse(ADMIT)}?lop={world.class_b.pk}")))
    assert LOCKED_II in html and "học kì I:" not in html
    assert f'href="{reverse("gradebook:school_locks", args=[world.school.pk, 2])}">Xem khoá sổ</a>' in html
    # the other class of the school is not locked: nothing to say
    assert "đã khoá" not in text(page(client.get(f"{reverse(ADMIT)}?lop={world.class_a.pk}")))


def test_the_schools_lock_holds_every_class_and_each_term_is_named(world, school_day):
    lock(world, term=1, level=LockLevel.SCHOOL)
    lock(world, term=2, level=LockLevel.SCHOOL)
    html = text(page(world.client().get(f"{reverse(ADMIT)}?lop={world.class_a.pk}")))
    assert "Sổ điểm lớp 6A1 đã khoá học kì I: điểm của học sinh mới" in html
    assert "Sổ điểm lớp 6A1 đã khoá học kì II: điểm của học sinh mới" in html
    assert html.index("học kì I:") < html.index("học kì II:")


def test_finalised_subjects_alone_are_named(world, school_day):
    subjects = [Subject.objects.create(code="VAN", name="Ngữ văn", mode="score", display_order=1),
                Subject.objects.create(code="TOAN", name="Toán", mode="score", display_order=2)]
    for subject in reversed(subjects):
        lock(world, term=1, level=LockLevel.SUBJECT, class_group=world.class_b, subject=subject)
    html = text(page(world.client().get(f"{reverse(ADMIT)}?lop={world.class_b.pk}")))
    assert (f"Lớp 6A2 đã chốt điểm học kì I các môn {subjects[0].name}, {subjects[1].name}: điểm các môn này của "
            "học sinh mới chỉ nhập được sau khi Hiệu trưởng mở khoá.") in html


def test_a_refused_form_still_says_the_chosen_class_is_locked(world, school_day):
    lock(world, term=2, level=LockLevel.CLASS, class_group=world.class_b)
    with nothing_saved():
        html = text(page(admit(world, full_name="")))
    assert error_of(html, "full_name") == "Bắt buộc nhập."
    assert LOCKED_II in html


def test_the_success_message_says_the_class_is_locked(world, school_day):
    lock(world, term=2, level=LockLevel.CLASS, class_group=world.class_b)
    client = world.client()
    response = admit(world, client)
    assert response.status_code == 302
    html = text(page(client.get(response["Location"])))
    assert f"Đã thêm học sinh Trần Thị Bích vào lớp 6A2. {LOCKED_II}" in html


def test_no_lock_no_notice(world, school_day):
    lock(world, term=2, level=LockLevel.CLASS, class_group=world.class_a)  # another class's lock
    client = world.client()
    response = admit(world, client)
    html = text(page(client.get(response["Location"])))
    assert "Đã thêm học sinh Trần Thị Bích vào lớp 6A2.</div>" in html


# --- the date of entry ------------------------------------------------------------------------

def test_within_the_year_the_date_is_today_by_default(world, school_day):
    html = text(page(world.client().get(reverse(ADMIT))))
    assert value_of(html, "status_date") == "10/03/2026"
    assert "Cho năm học 2025-2026: từ 08/05/2025 (sau khi năm học trước kết thúc) đến 31/05/2026" in html
    admit(world)
    assert Enrolment.objects.get(student__personal_id="031314000777").status_date == school_day


def test_after_the_year_the_date_is_left_empty_and_must_be_given(world, today_is):
    today_is(AFTER_YEAR)
    client = world.client()
    html = text(page(client.get(reverse(ADMIT))))
    assert value_of(html, "status_date") == ""
    assert "Cho năm học 2025-2026: từ 08/05/2025 (sau khi năm học trước kết thúc) đến 31/05/2026" in html
    with nothing_saved():
        html = text(page(admit(world, client)))
    assert error_of(html, "status_date") == (
        "Hôm nay (15/07/2026) không thuộc năm học 2025-2026 (nhận học sinh từ 08/05/2025 đến 31/05/2026) của lớp "
        "6A2: hãy ghi ngày nhập học / chuyển đến trong năm học đó.")
    assert admit(world, client, status_date="20/05/2026").status_code == 302
    assert Enrolment.objects.get(student__personal_id="031314000777").status_date == dt.date(2026, 5, 20)


@pytest.mark.parametrize("given", ["07/05/2025", "01/06/2026"])
def test_a_date_outside_the_classs_year_is_refused_naming_the_years_dates(world, today_is, given):
    today_is(AFTER_YEAR)
    with nothing_saved():
        html = text(page(admit(world, status_date=given)))
    assert error_of(html, "status_date") == (
        f"Ngày {given} không thuộc năm học 2025-2026 (nhận học sinh từ 08/05/2025 đến 31/05/2026) của lớp 6A2: ghi "
        "ngày nhập học / chuyển đến trong năm học đó.")
    assert value_of(html, "status_date") == given
    assert not Student.objects.filter(personal_id="031314000777").exists()


def test_a_future_date_is_refused_as_before(world, school_day):
    with nothing_saved():
        html = text(page(admit(world, status_date="20/05/2026")))
    assert "20/05/2026 ở tương lai" in error_of(html, "status_date")


def test_in_the_summer_before_the_year_students_are_admitted_for_it(world, today_is):
    """Tuyển sinh, nhập học: in July and August the new year's classes take their students before 5 September;
    the window opens the day after the previous school year ended."""
    from hocba.org.models import SchoolYear

    SchoolYear.objects.create(name="2024-2025", start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 5, 31))
    today_is(SCHOOL_DAY.replace(year=2025, month=8, day=15))
    client = world.client()
    html = text(page(client.get(reverse(ADMIT))))
    assert value_of(html, "status_date") == "15/08/2025"
    assert "Cho năm học 2025-2026: từ 01/06/2025 (sau khi năm học trước kết thúc) đến 31/05/2026" in html
    with nothing_saved():
        html = text(page(admit(world, client, status_date="31/05/2025")))
    assert error_of(html, "status_date").startswith(
        "Ngày 31/05/2025 không thuộc năm học 2025-2026 (nhận học sinh từ 01/06/2025 đến 31/05/2026)")
    assert admit(world, client).status_code == 302
    assert Enrolment.objects.get(student__personal_id="031314000777").status_date == dt.date(2025, 8, 15)

"""Tổng hợp sổ điểm as the Department and the commune read it against the year's plan: which schools missed the
data-entry deadline (20/5) and the signing deadlines (21/5 for grades 9 and 12, 31/5 for the others), how many
records are signed in full, and the schools that are late alone."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from hocba.gradebook import aggregates
from hocba.gradebook.aggregates import Results
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import GradebookLock, LockLevel
from hocba.org.models import ClassGroup, School
from hocba.records.models import RecordStatus, RecordVersion
from hocba.records.services import compose_class
from tests.gradebook import gb_world
from tests.gradebook.gb_world import HANOI, fill_class, user
from tests.gradebook.test_aggregates import _page

clock, world = gb_world.clock, gb_world.world  # fixtures
pytestmark = pytest.mark.django_db



def _row(page: str, school: School) -> str:
    match = re.search(rf'<tr id="truong-{school.pk}">.*?</tr>', page, flags=re.S)
    assert match, f"no row for {school}"
    return match.group(0)


def _close_term_two(school: School) -> None:
    """Every class of the school closed for term II by its homeroom teacher (test setup)."""
    for c in ClassGroup.objects.filter(school=school, school_year__is_current=True):
        GradebookLock.objects.create(
            school_year=c.school_year, term=2, level=LockLevel.CLASS, school=school, class_group=c,
            key=GradebookLock.make_key(year_id=c.school_year_id, term=2, school_id=school.pk, class_id=c.pk,
                                       subject_id=None),
            locked_at=dt.datetime(2026, 5, 15, 9, 0, tzinfo=HANOI))


def _sign_in_full(class_group: ClassGroup, by) -> int:
    """The class's year closed, its records composed and signed in full (status only: test setup)."""
    fill_class(class_group)
    close_classes(class_ids=[class_group.pk], period="year")
    compose_class(class_group=class_group, by=by)
    return RecordVersion.objects.filter(year_record__class_group=class_group).update(status=RecordStatus.SEALED)


def test_the_plans_deadlines_say_which_schools_are_late_and_the_filter_keeps_them(world, clock):
    school = School.objects.get(pk=world.cls.school_id)
    others = list(School.objects.exclude(pk=school.pk))
    _close_term_two(school)
    signed = _sign_in_full(world.cls, world.gvcn)
    assert signed == len(world.students)
    students = {row.school.pk: row.students for row in
                aggregates.school_summaries(schools=[school], year=world.cls.school_year)[0]}

    # March: nothing is due yet; the deadlines are listed with their dates, nobody is late.
    page = _page("so")
    assert "Hoàn thành nhập dữ liệu: hạn 20/05/2026" in page
    assert "21/05/2026 (khối 9, 12)" in page and "31/05/2026" in page
    assert page.count("không trường nào quá hạn") == 2 and "Quá hạn" not in page
    assert f"{signed}/{students[school.pk]}" in _row(page, school)  # records signed in full, of the students

    # 1 June: the school that closed every class is not late for data entry; the others are. Only the grade-9
    # class is signed, so every school is late for signing (31/5 for grades 6 to 8, 10 and 11).
    clock.move_to(dt.datetime(2026, 6, 1, 9, 0, tzinfo=HANOI))
    page = _page("so")
    assert "Quá hạn nhập" not in _row(page, school) and "Quá hạn ký" in _row(page, school)
    for other in others:
        assert "Quá hạn nhập" in _row(page, other) and "Quá hạn ký" in _row(page, other)
    assert f"{len(others)} trường quá hạn" in page and f"{len(others) + 1} trường quá hạn" in page

    # 22 May: grade 9's signing deadline has passed, the others' not yet. The school whose grade-9 class signed
    # in full and whose classes all closed is on time: the late schools' list leaves it out.
    clock.move_to(dt.datetime(2026, 5, 22, 9, 0, tzinfo=HANOI))
    late = _page("so", "?cham=1")
    assert f'id="truong-{school.pk}"' not in late
    assert all(f'id="truong-{other.pk}"' in late for other in others)
    assert f"Cộng {len(others)} trường" in late or len(others) == 1
    assert f'id="truong-{school.pk}"' in _page("so")  # the whole list still has it


def test_a_commune_officer_counts_the_late_schools_of_their_commune_only(world, clock):
    clock.move_to(dt.datetime(2026, 6, 1, 9, 0, tzinfo=HANOI))
    commune = aggregates.visible_schools(user=user("xa"))
    page = _page("xa", "?cham=1")
    assert f"{len(commune)} trường quá hạn" in page
    for other in School.objects.exclude(pk__in=[s.pk for s in commune]):
        assert f'id="truong-{other.pk}"' not in page


def test_a_late_list_with_no_school_says_so(world, clock):
    page = _page("so", "?cham=1&ky=hk1")  # March: nothing is due yet
    assert "Không có trường nào quá hạn." in page
    assert '<input type="hidden" name="cham" value="1">' in page  # changing the period keeps the filter


def test_the_department_reaches_the_certificates_progress_and_a_deputy_is_not_sent_to_a_refusal(world):
    assert 'href="/ky-so/chung-thu/"' in _page("so")
    assert 'href="/ky-so/chung-thu/"' not in _page("phohieutruong")  # the deputy may not open it


def test_percentages_round_half_up_as_a_report_does():
    results = Results(students=8, learning=Counter({"Tốt": 1, "Khá": 7}), conduct=Counter({"Tốt": 8}))
    assert results.learning_levels[:2] == [("Tốt", 1, 13), ("Khá", 7, 88)]  # 12,5 % → 13 %, 87,5 % → 88 %
    assert Results(students=400, learning=Counter({"Chưa đạt": 10})).learning_levels[3] == ("Chưa đạt", 10, 3)


def test_counts_are_grouped_the_vietnamese_way():
    """A city's totals read 12.000, not 12000 (Django's Vietnamese formats have the separator, not the grouping)."""
    from django.template.loader import render_to_string

    assert render_to_string("gradebook/partials/fraction.html", {"done": 1234, "of": 12000}).strip() == "1.234/12.000"

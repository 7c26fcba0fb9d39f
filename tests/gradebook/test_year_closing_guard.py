"""A re-test saved while the school's year closing runs would be overwritten by it: the save waits for the end."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hocba.core.errors import DomainError
from hocba.gradebook import services
from hocba.gradebook.models import ClosingRun, YearEntry
from tests.gradebook import gb_world
from tests.gradebook.test_year_page import closed_year, outcome

clock, world = gb_world.clock, gb_world.world  # fixtures
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scope", ["school", "city"])
def test_a_retest_is_not_saved_while_a_year_closing_of_the_school_or_the_city_runs(world, scope):
    student = world.students[3]
    closed_year(world, failing=[student])
    run = ClosingRun.objects.create(school_year=world.cls.school_year, period="year",
                                    school=world.cls.school if scope == "school" else None,
                                    status=ClosingRun.Status.RUNNING, progress_at=timezone.now(),
                                    created_at=timezone.now())
    retests = {"retests": {"TOAN": "6,5", "VAN": "6,5"}}
    with pytest.raises(DomainError, match="Đang tổng kết cả năm"):
        services.year_entry_update(class_group=world.cls, student_id=student, changes=retests, by=world.gvcn)
    assert not YearEntry.objects.filter(class_group=world.cls, student_id=student).exclude(retests={}).exists()
    # The year comment does not touch the results: it is saved meanwhile.
    services.year_entry_update(class_group=world.cls, student_id=student,
                               changes={"homeroom_comment": "Cố gắng ôn tập trong hè."}, by=world.gvcn)
    ClosingRun.objects.filter(pk=run.pk).update(status=ClosingRun.Status.DONE, finished_at=timezone.now())
    services.year_entry_update(class_group=world.cls, student_id=student, changes=retests, by=world.gvcn)
    assert outcome(world, student) == "promoted"


def test_a_term_closing_does_not_hold_the_retests(world):
    student = world.students[3]
    closed_year(world, failing=[student])
    ClosingRun.objects.create(school_year=world.cls.school_year, period="hk2", school=world.cls.school,
                              status=ClosingRun.Status.RUNNING, progress_at=timezone.now(), created_at=timezone.now())
    services.year_entry_update(class_group=world.cls, student_id=student,
                               changes={"retests": {"TOAN": "6,5", "VAN": "6,5"}}, by=world.gvcn)
    assert outcome(world, student) == "promoted"


def test_a_stale_retest_names_the_newer_result_by_subject_name(world):
    from hocba.core.errors import StaleWriteError

    student = world.students[3]
    closed_year(world, failing=[student])
    services.year_entry_update(class_group=world.cls, student_id=student, changes={"retests": {"TOAN": "6,5"}},
                               by=world.gvcn, expected_version=0)
    with pytest.raises(StaleWriteError) as exc:
        services.year_entry_update(class_group=world.cls, student_id=student, changes={"retests": {"TOAN": "4,0"}},
                                   by=world.gvcn, expected_version=0)
    assert exc.value.errors == {"Kiểm tra lại": ["Toán 6,5"]}

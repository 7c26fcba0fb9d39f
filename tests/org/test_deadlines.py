"""The year's plan as it applies to a grade (org.deadlines.due_date): data entry by 20/5 for every grade, signing
by 21/5 for the last grades of a level (9 and 12) and by 31/5 for the others."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba.org.deadlines import due_date
from hocba.org.models import ClassGroup, Deadline, DeadlineKind

pytestmark = pytest.mark.django_db


def test_the_last_grades_of_a_level_sign_by_21_may_the_others_by_31_may(city):
    year = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn").school_year
    deadlines = list(Deadline.objects.filter(school_year=year))
    second = int(year.name.split("-")[1])
    signing = DeadlineKind.SIGNING
    assert due_date(deadlines, signing, 9) == due_date(deadlines, signing, 12) == dt.date(second, 5, 21)
    assert due_date(deadlines, signing, 6) == due_date(deadlines, signing, 11) == dt.date(second, 5, 31)
    assert due_date(deadlines, DeadlineKind.DATA_ENTRY, 9) == dt.date(second, 5, 20)
    assert due_date([], signing, 9) is None

"""Shared setup for the gradebook service tests: the demo city's class, its teachers, a school-time clock.

The demo school year is 2025-2026; its data-entry deadline is 20/5/2026. Tests run "during the
school year" on a frozen clock (10/3/2026, Hanoi time) that ticks one second per reading, so
history entries keep their order and the deadline only bites when a test moves the clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from hocba.gradebook.models import HomeroomTermEntry, SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import ClassGroup, Subject, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SCHOOL_DAY = dt.datetime(2026, 3, 10, 9, 0, tzinfo=HANOI)


class Clock:
    """``timezone.now`` replacement: starts at ``start`` and ticks one second per call (thread-safe)."""

    def __init__(self, start: dt.datetime):
        self.start = start
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return (self.start + dt.timedelta(seconds=next(self._ticks))).astimezone(dt.UTC)

    def move_to(self, when: dt.datetime) -> None:
        with self._lock:
            self.start = when
            self._ticks = itertools.count()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze "now" at a school day of the demo year (see the module docstring)."""
    c = Clock(SCHOOL_DAY)
    monkeypatch.setattr("django.utils.timezone.now", c)
    return c


def user(username: str):
    return get_user_model().objects.get(username=username)


def teacher_user(class_group: ClassGroup, code: str, username: str | None = None):
    """The login of whoever teaches ``code`` in the class (created if the demo gave them none)."""
    ta = TeachingAssignment.objects.select_related("teacher__user").get(
        class_group=class_group, subject__code=code
    )
    if ta.teacher.user is not None:
        return ta.teacher.user
    u = get_user_model().objects.create_user(
        username=username or f"gv_{code.lower()}_{class_group.pk}", password="x-test-pass"
    )
    ta.teacher.user = u
    ta.teacher.save(update_fields=["user"])
    return u


def active_students(class_group: ClassGroup) -> list[int]:
    return list(
        Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
        .order_by("student__sort_name", "student_id")
        .values_list("student_id", flat=True)
    )


def circular22_average(tx: list[str], gk: str, ck: str) -> str:
    """ĐTBmhk = (ΣTX + 2·GK + 3·CK) / (nTX + 5), half up to one decimal — the test's own oracle."""
    total = sum((Decimal(v) for v in tx), Decimal(0)) + 2 * Decimal(gk) + 3 * Decimal(ck)
    return str((total / Decimal(len(tx) + 5)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def score_for(student_id: int, subject_id: int, term: int, k: int) -> str:
    """A deterministic plausible score 5.0–9.9 (no randomness: failures reproduce), as the gradebook
    stores it ("7.0", not "7")."""
    n = (student_id * 7 + subject_id * 13 + term * 5 + k * 3) % 50
    return str((Decimal(50 + n) / 10).quantize(Decimal("0.1")))


def fill_sheet(
    class_group: ClassGroup, subject: Subject, term: int, *, skip: set[tuple[int, str]] = frozenset()
):
    """Store a complete sheet directly (test setup, not the behaviour under test)."""
    shape = sheet_shape(class_group=class_group, subject=subject)
    rows = []
    for sid in active_students(class_group):
        if shape.mode == "score":
            tx = [score_for(sid, subject.pk, term, k) for k in range(shape.tx_count)]
            gk, ck = score_for(sid, subject.pk, term, 10), score_for(sid, subject.pk, term, 11)
        else:
            tx, gk, ck = ["Đ"] * shape.tx_count, "Đ", "Đ"
        for field in [f for s, f in skip if s == sid]:
            if field.startswith("tx"):
                tx[int(field[2:]) - 1] = None
            elif field == "gk":
                gk = None
            elif field == "ck":
                ck = None
        rows.append(
            SubjectTermScore(
                class_group=class_group, subject=subject, student_id=sid, term=term, tx=tx, gk=gk, ck=ck
            )
        )
    SubjectTermScore.objects.bulk_create(rows)


def fill_class(class_group: ClassGroup, terms=(1, 2), conduct: str = "Tốt") -> None:
    """Every subject of the class complete for the terms, and every conduct entered."""
    for ta in TeachingAssignment.objects.filter(class_group=class_group).select_related("subject"):
        for term in terms:
            fill_sheet(class_group, ta.subject, term)
    HomeroomTermEntry.objects.bulk_create(
        [
            HomeroomTermEntry(class_group=class_group, student_id=sid, term=term, conduct=conduct)
            for sid in active_students(class_group)
            for term in terms
        ]
    )


def finalise_all(class_group: ClassGroup, term: int) -> None:
    """Every subject teacher of the class finalises their subject for the term."""
    from hocba.gradebook import services

    for ta in TeachingAssignment.objects.filter(class_group=class_group).select_related("subject"):
        services.subject_finalise(class_group=class_group, subject=ta.subject, term=term,
                                  by=teacher_user(class_group, ta.subject.code))


@dataclass
class World:
    """The demo THCS grade-9 class of ``gvcn``, where ``gvbm`` teaches Toán."""

    cls: ClassGroup
    toan: Subject
    van: Subject
    gdtc: Subject  # comment-assessed (Đ/CĐ)
    students: list[int]
    gvbm: object
    gvcn: object
    hieutruong: object

    def other_class_without_gvbm_math(self) -> ClassGroup:
        """A class (of this school if the demo has one, else of another) where gvbm does not teach Toán."""
        taught = TeachingAssignment.objects.filter(teacher__user=self.gvbm, subject=self.toan).values(
            "class_group"
        )
        candidates = (
            ClassGroup.objects.filter(school_year=self.cls.school_year, assignments__subject=self.toan)
            .exclude(pk__in=taught)
            .order_by("school_id", "pk")
        )
        return candidates.filter(school=self.cls.school).first() or candidates.first()


@pytest.fixture
def world(city, clock) -> World:
    gvcn = user("gvcn")
    cls = ClassGroup.objects.get(homeroom_teacher__user=gvcn, school_year=city.year)
    return World(
        cls=cls,
        toan=Subject.objects.get(code="TOAN"),
        van=Subject.objects.get(code="VAN"),
        gdtc=Subject.objects.get(code="GDTC"),
        students=active_students(cls),
        gvbm=user("gvbm"),
        gvcn=gvcn,
        hieutruong=user("hieutruong"),
    )

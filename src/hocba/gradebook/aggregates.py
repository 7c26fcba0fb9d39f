"""Tổng hợp sổ điểm: the gradebook in numbers, per school, for the Department, the communes and the school board.

What an officer may read of the gradebook (issue 4: "the Department and communes read aggregates,
not individual scores"): per school of their scope, how far entry and locking have come in each
term (sheets finalised by their subject teacher, classes closed by their homeroom teacher, the
school's lock) and, once a term or the year is closed, how many students reached each level of
learning and conduct and the promotion outcomes (from the counts the closing stores with its
snapshots, :class:`~hocba.gradebook.models.ResultCount`). No name, no score. Five queries whatever
the number of schools.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from hocba.core.permissions import restrict
from hocba.gradebook.models import GradebookLock, LockLevel, Period, ResultCount
from hocba.org.models import ClassGroup, School, SchoolYear, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

TERMS = (1, 2)
LEVELS = ("Tốt", "Khá", "Đạt", "Chưa đạt")
#: Promotion outcomes as counted: lên lớp, chờ đánh giá lại (kiểm tra lại / rèn luyện hè), ở lại lớp.
OUTCOME_GROUPS = {"promoted": "promoted", "retained": "retained", "pending_retest": "pending",
                  "pending_summer": "pending", "pending_retest_and_summer": "pending"}


@dataclass
class Results:
    """A closing's results counted: students with a result, per level, per outcome, and those the engine refused."""

    students: int = 0
    learning: Counter = field(default_factory=Counter)
    conduct: Counter = field(default_factory=Counter)
    outcome: Counter = field(default_factory=Counter)
    errors: int = 0

    def add(self, other: Results) -> None:
        self.students += other.students
        self.learning.update(other.learning)
        self.conduct.update(other.conduct)
        self.outcome.update(other.outcome)
        self.errors += other.errors

    @property
    def learning_levels(self) -> list[tuple[str, int, int]]:
        return _levels(self.learning, self.students)

    @property
    def conduct_levels(self) -> list[tuple[str, int, int]]:
        return _levels(self.conduct, self.students)


def _levels(counts: Counter, students: int) -> list[tuple[str, int, int]]:
    """(level, count, per cent of the students with a result) in the order Tốt … Chưa đạt."""
    return [(level, counts[level], round(100 * counts[level] / students) if students else 0) for level in LEVELS]


@dataclass
class SchoolSummary:
    """One school's gradebook in numbers (or the total of several, with ``school`` None)."""

    school: School | None
    classes: int = 0
    students: int = 0
    sheets: int = 0  # class × subject sheets of the year
    finalised: dict[int, int] = field(default_factory=lambda: dict.fromkeys(TERMS, 0))  # sheets, per term
    closed: dict[int, int] = field(default_factory=lambda: dict.fromkeys(TERMS, 0))  # classes, per term
    locked: dict[int, int] = field(default_factory=lambda: dict.fromkeys(TERMS, 0))  # schools, per term
    results: Results = field(default_factory=Results)

    @property
    def per_term(self) -> list[tuple[int, int, int, int]]:
        """(term, sheets finalised, classes closed, schools locked) for term I and term II."""
        return [(term, self.finalised[term], self.closed[term], self.locked[term]) for term in TERMS]

    def add(self, other: SchoolSummary) -> None:
        self.classes += other.classes
        self.students += other.students
        self.sheets += other.sheets
        for term in TERMS:
            self.finalised[term] += other.finalised[term]
            self.closed[term] += other.closed[term]
            self.locked[term] += other.locked[term]
        self.results.add(other.results)


def visible_schools(*, user) -> list[School]:
    """The schools whose aggregates ``user`` may read (the Department's, a commune's, the school board's own)."""
    return list(restrict(School.objects.select_related("commune"), user, "gradebook:aggregate:view")
                .order_by("sort_name"))


def class_and_lock_counts(*, year: SchoolYear | None, school_ids: list[int] | None) -> tuple[Counter, Counter]:
    """The year's classes per school, and its locks per (school, term, level): of these schools, or of the
    whole city when ``school_ids`` is None. Two queries (the closing page's readiness reads them too)."""
    where = {"school_year": year} if school_ids is None else {"school_year": year, "school_id__in": school_ids}
    classes = Counter(dict(ClassGroup.objects.filter(**where).order_by().values_list("school_id")
                           .annotate(n=Count("id"))))
    locks = Counter({(school_id, term, level): n for school_id, term, level, n in (
        GradebookLock.objects.filter(**where).order_by().values_list("school_id", "term", "level")
        .annotate(n=Count("id")))})
    return classes, locks


def school_summaries(*, schools: list[School], year: SchoolYear | None,
                     period: str = Period.YEAR) -> tuple[list[SchoolSummary], SchoolSummary]:
    """Each school's summary for the year and the closing ``period`` (hk1, hk2, year), and their total."""
    ids = [s.pk for s in schools]
    rows = {s.pk: SchoolSummary(s) for s in schools}
    counted_classes, locks = class_and_lock_counts(year=year, school_ids=ids)
    for school_id, n in counted_classes.items():
        rows[school_id].classes = n
    levels = {LockLevel.SUBJECT: "finalised", LockLevel.CLASS: "closed", LockLevel.SCHOOL: "locked"}
    for (school_id, term, level), n in locks.items():
        getattr(rows[school_id], levels[level])[term] = n
    classes = ClassGroup.objects.filter(school_year=year, school_id__in=ids)
    for school_id, n in (Enrolment.objects.filter(class_group__in=classes, status__in=ACTIVE_STATUSES).order_by()
                         .values_list("class_group__school_id").annotate(n=Count("id"))):
        rows[school_id].students = n
    for school_id, n in (TeachingAssignment.objects.filter(class_group__in=classes).order_by()
                         .values_list("class_group__school_id").annotate(n=Count("id"))):
        rows[school_id].sheets = n
    for school_id, learning, conduct, outcome, failed, n in (
            ResultCount.objects.filter(class_group__in=classes, period=period).order_by()
            .values_list("class_group__school_id", "learning", "conduct", "outcome", "failed")
            .annotate(n=Sum("students"))):
        results = rows[school_id].results
        results.students += n
        if failed:
            results.errors += n
        if learning:
            results.learning[learning] += n
        if conduct:
            results.conduct[conduct] += n
        if outcome:
            results.outcome[OUTCOME_GROUPS.get(outcome, "pending")] += n
    total = SchoolSummary(None)
    for row in rows.values():
        total.add(row)
    return [rows[s.pk] for s in schools], total


__all__ = ["LEVELS", "Results", "SchoolSummary", "class_and_lock_counts", "school_summaries", "visible_schools"]

"""Tổng hợp sổ điểm: the gradebook in numbers, per school, for the Department, the communes and the school board.

What an officer may read of the gradebook (issue 4: "the Department and communes read aggregates,
not individual scores"): per school of their scope, how far entry and locking have come in each
term (sheets finalised by their subject teacher, classes closed by their homeroom teacher, the
school's lock) and, once a term or the year is closed, how many students reached each level of
learning and conduct and the promotion outcomes (from the counts the closing stores with its
snapshots, :class:`~hocba.gradebook.models.ResultCount`). No name, no score. Against the year's plan
(:class:`~hocba.org.models.Deadline`: data entry by 20/5, signing by 31/5 and by 21/5 for grades 9 and 12) it
says which schools are late: a grade whose deadline has passed with a class not closed for term II (data
entry) or an active student's record not signed in full (signing). Eight queries whatever the number of
schools.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Sum

from hocba.core.permissions import restrict
from hocba.gradebook.models import GradebookLock, LockLevel, Period, ResultCount
from hocba.gradebook.year_selectors import FINAL_GRADES
from hocba.org.deadlines import due_date
from hocba.org.models import ClassGroup, Deadline, DeadlineKind, School, SchoolYear, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment
from hocba.records.models import RecordStatus, YearRecord

TERMS = (1, 2)
LEVELS = ("Tốt", "Khá", "Đạt", "Chưa đạt")
#: Promotion outcomes as counted: lên lớp, chờ đánh giá lại (kiểm tra lại / rèn luyện hè), ở lại lớp; in a final
#: grade (9, 12) a promoted student completes the programme (hoàn thành chương trình): "completed", counted apart.
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
    """(level, count, per cent of the students with a result, half up: 12,5 % reads 13 %) in the order Tốt …
    Chưa đạt."""
    return [(level, counts[level], (200 * counts[level] + students) // (2 * students) if students else 0)
            for level in LEVELS]


@dataclass(frozen=True)
class PlanDeadline:
    """One kind of deadline of the year's plan as an officer reads it: its dates (per grade), and how many of
    the schools shown have missed it."""

    kind: str
    label: str
    dates: list[tuple[dt.date, list[int]]]  # (due date, grades it narrows to; [] = every grade)
    late: int = 0


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
    sealed: int = 0  # active students whose record of the year is signed in full (Đã ký đủ)
    entry_late: int = 0  # schools past the data-entry deadline with a class not closed for term II
    signing_late: int = 0  # schools past the signing deadline with a record not signed in full

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
        self.sealed += other.sealed
        self.entry_late += other.entry_late
        self.signing_late += other.signing_late

    @property
    def late(self) -> bool:
        return bool(self.entry_late or self.signing_late)


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


def school_summaries(*, schools: list[School], year: SchoolYear | None, period: str = Period.YEAR,
                     today: dt.date | None = None,
                     late_only: bool = False) -> tuple[list[SchoolSummary], SchoolSummary]:
    """Each school's summary for the year and the closing ``period`` (hk1, hk2, year), and their total; a school
    is late on ``today`` (no lateness when None) as the module says; ``late_only`` keeps the late schools."""
    ids = [s.pk for s in schools]
    rows = {s.pk: SchoolSummary(s) for s in schools}
    counted_classes, locks = class_and_lock_counts(year=year, school_ids=ids)
    for school_id, n in counted_classes.items():
        rows[school_id].classes = n
    levels = {LockLevel.SUBJECT: "finalised", LockLevel.CLASS: "closed", LockLevel.SCHOOL: "locked"}
    for (school_id, term, level), n in locks.items():
        getattr(rows[school_id], levels[level])[term] = n
    classes = ClassGroup.objects.filter(school_year=year, school_id__in=ids)
    students: Counter = Counter()  # (school, grade) → active students
    for school_id, grade, n in (Enrolment.objects.filter(class_group__in=classes, status__in=ACTIVE_STATUSES)
                                .order_by().values_list("class_group__school_id", "class_group__grade")
                                .annotate(n=Count("id"))):
        rows[school_id].students += n
        students[(school_id, grade)] = n
    active = Enrolment.objects.filter(class_group=OuterRef("class_group"), student=OuterRef("student"),
                                      status__in=ACTIVE_STATUSES)
    sealed = Counter({(school_id, grade): n for school_id, grade, n in (
        YearRecord.objects.filter(Exists(active), class_group__in=classes,
                                  current_version__status=RecordStatus.SEALED).order_by()
        .values_list("class_group__school_id", "class_group__grade").annotate(n=Count("id")))})
    closed = GradebookLock.objects.filter(class_group=OuterRef("pk"), level=LockLevel.CLASS, term=2)
    open_classes = Counter({(school_id, grade): n for school_id, grade, n in (
        classes.filter(~Exists(closed)).order_by()
        .values_list("school_id", "grade").annotate(n=Count("id")))})
    for school_id, n in (TeachingAssignment.objects.filter(class_group__in=classes).order_by()
                         .values_list("class_group__school_id").annotate(n=Count("id"))):
        rows[school_id].sheets = n
    for school_id, grade, learning, conduct, outcome, failed, n in (
            ResultCount.objects.filter(class_group__in=classes, period=period).order_by()
            .values_list("class_group__school_id", "class_group__grade", "learning", "conduct", "outcome", "failed")
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
            group = OUTCOME_GROUPS.get(outcome, "pending")
            results.outcome["completed" if group == "promoted" and grade in FINAL_GRADES else group] += n
    deadlines = list(Deadline.objects.filter(school_year=year)) if year is not None else []
    for (school_id, grade), n in students.items():
        rows[school_id].sealed += sealed[(school_id, grade)]
        if today is None:
            continue
        entry_due = due_date(deadlines, DeadlineKind.DATA_ENTRY, grade)
        if entry_due and today > entry_due and open_classes[(school_id, grade)]:
            rows[school_id].entry_late = 1
        signing_due = due_date(deadlines, DeadlineKind.SIGNING, grade)
        if signing_due and today > signing_due and sealed[(school_id, grade)] < n:
            rows[school_id].signing_late = 1
    shown = [rows[s.pk] for s in schools if not late_only or rows[s.pk].late]
    total = SchoolSummary(None)
    for row in shown:
        total.add(row)
    return shown, total


def plan_deadlines(*, year: SchoolYear | None, total: SchoolSummary) -> list[PlanDeadline]:
    """The year's data-entry and signing deadlines, each with its dates and the number of late schools."""
    deadlines = list(Deadline.objects.filter(school_year=year, kind__in=[DeadlineKind.DATA_ENTRY,
                                                                          DeadlineKind.SIGNING])
                     .order_by("due_date")) if year is not None else []
    late = {DeadlineKind.DATA_ENTRY: total.entry_late, DeadlineKind.SIGNING: total.signing_late}
    return [PlanDeadline(kind=kind, label=DeadlineKind(kind).label, late=late[kind],
                         dates=[(d.due_date, sorted(d.grades)) for d in deadlines if d.kind == kind])
            for kind in (DeadlineKind.DATA_ENTRY, DeadlineKind.SIGNING)
            if any(d.kind == kind for d in deadlines)]


__all__ = ["LEVELS", "PlanDeadline", "Results", "SchoolSummary", "class_and_lock_counts", "plan_deadlines",
           "school_summaries", "visible_schools"]

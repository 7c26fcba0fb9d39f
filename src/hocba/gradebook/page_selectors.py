"""Reads for the gradebook pages (lists of sheets, lock status, closing runs), each in a few queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, Q, Sum

from hocba.core.models import Role
from hocba.core.permissions import roles_for, scope_of
from hocba.gradebook import aggregates
from hocba.gradebook.locks import sheet_states
from hocba.gradebook.models import ClosingRun, GradebookLock, LockLevel, Period, ResultCount, SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import ClassGroup, School, SchoolYear, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

#: Short column labels for the homeroom page (the full name is in the header's title).
SHORT_NAMES = {"TOAN": "Toán", "VAN": "Văn", "NN1": "Anh", "GDCD": "GDCD", "LSDL": "LS&ĐL", "LS": "Sử",
               "KHTN": "KHTN", "CN": "CN", "TIN": "Tin", "DIA": "Địa", "KTPL": "KT&PL", "LY": "Lí",
               "HOA": "Hoá",
               "SINH": "Sinh", "GDQP": "QP-AN", "GDTC": "GDTC", "NT": "NT", "AN": "Nhạc", "MT": "Mĩ thuật",
               "HDTN": "HĐTN", "GDDP": "GDĐP", "NN2": "NN2"}


def short_name(subject) -> str:
    return SHORT_NAMES.get(subject.code, subject.code)


@dataclass
class SheetLink:
    """One class × subject sheet with its progress in each term."""

    class_group: ClassGroup
    subject: object
    teacher_name: str
    terms: list[dict]  # [{"term": 1, "filled": 80, "expected": 180, "finalised": False}, …]


def _students_per_class(class_ids) -> dict[int, int]:
    return dict(Enrolment.objects.filter(class_group_id__in=class_ids, status__in=ACTIVE_STATUSES)
                .values_list("class_group_id").annotate(n=Count("id")).values_list("class_group_id", "n"))


def sheet_links(assignments: list[TeachingAssignment]) -> list[SheetLink]:
    """Progress of each assignment's sheet in HK I and HK II (filled / expected cells, finalised)."""
    class_ids = {a.class_group_id for a in assignments}
    subject_ids = {a.subject_id for a in assignments}
    students = _students_per_class(class_ids)
    filled: Counter = Counter()
    for r in SubjectTermScore.objects.filter(class_group_id__in=class_ids, subject_id__in=subject_ids).values(
            "class_group_id", "subject_id", "term", "tx", "gk", "ck"):
        filled[(r["class_group_id"], r["subject_id"], r["term"])] += (
            sum(1 for v in r["tx"] if v is not None) + (r["gk"] is not None) + (r["ck"] is not None))
    finalised = set(GradebookLock.objects.filter(class_group_id__in=class_ids, level=LockLevel.SUBJECT)
                    .values_list("class_group_id", "subject_id", "term"))
    states = sheet_states([(a.class_group, a.subject_id) for a in assignments])
    out = []
    for a in assignments:
        shape = sheet_shape(class_group=a.class_group, subject=a.subject)
        expected = students.get(a.class_group_id, 0) * (shape.tx_count + 2)
        terms = [{"term": t, "filled": min(filled[(a.class_group_id, a.subject_id, t)], expected),
                  "expected": expected, "finalised": (a.class_group_id, a.subject_id, t) in finalised,
                  "state": states[(a.class_group_id, a.subject_id, t)]}
                 for t in (1, 2)]
        out.append(SheetLink(class_group=a.class_group, subject=a.subject, teacher_name=a.teacher.full_name,
                             terms=terms))
    return out


def my_sheets(*, user) -> dict:
    """What the signed-in user works on: taught sheets, homeroom classes, the schools they manage."""
    scope = scope_of(user)
    roles = roles_for(user, "gradebook:sheet:view")
    taught = []
    if Role.SUBJECT_TEACHER in roles and scope.taught:
        q = Q(pk__in=[])
        for class_id, subject_id in scope.taught:
            q |= Q(class_group_id=class_id, subject_id=subject_id)
        taught = sheet_links(list(TeachingAssignment.objects.filter(q).select_related(
            "class_group", "subject", "teacher").order_by("class_group__grade", "class_group__name",
                                                          "subject__display_order")))
    homeroom = []
    if Role.HOMEROOM_TEACHER in roles and scope.homeroom_class_ids:
        homeroom = list(ClassGroup.objects.filter(pk__in=scope.homeroom_class_ids).select_related("school"))
    schools = []
    school_ids = scope.schools_for(roles)
    if school_ids:
        classes = defaultdict(list)
        for c in (ClassGroup.objects.filter(school_id__in=school_ids, school_year__is_current=True)
                  .select_related("homeroom_teacher").order_by("grade", "name")):
            classes[c.school_id].append(c)
        schools = [{"school": s, "classes": classes[s.pk]} for s in School.objects.filter(pk__in=school_ids)]
    return {"taught": taught, "homeroom": homeroom, "schools": schools}


def school_lock_status(*, school: School, year: SchoolYear, term: int) -> list[dict]:
    """Per class of the school: homeroom teacher, subjects finalised / total, class closed."""
    classes = list(ClassGroup.objects.filter(school=school, school_year=year)
                   .select_related("homeroom_teacher").order_by("grade", "name"))
    ids = [c.pk for c in classes]
    subjects = dict(TeachingAssignment.objects.filter(class_group_id__in=ids).values_list("class_group_id")
                    .annotate(n=Count("id")).values_list("class_group_id", "n"))
    finalised: Counter = Counter(GradebookLock.objects.filter(
        class_group_id__in=ids, term=term, level=LockLevel.SUBJECT).values_list("class_group_id", flat=True))
    closed = set(GradebookLock.objects.filter(class_group_id__in=ids, term=term, level=LockLevel.CLASS)
                 .values_list("class_group_id", flat=True))
    return [{"class_group": c, "subjects": subjects.get(c.pk, 0), "finalised": finalised[c.pk],
             "closed": c.pk in closed} for c in classes]


def closing_scope(*, user) -> tuple[list[School], bool]:
    """Schools whose closing the user may start, and whether they may close the whole city."""
    scope = scope_of(user)
    roles = roles_for(user, "gradebook:closing:run")
    city = Role.DEPARTMENT_OFFICER in roles and bool(scope.department_ids)
    school_ids = scope.schools_for(roles)
    return list(School.objects.filter(pk__in=school_ids)), city


def closing_readiness(*, schools: list[School], year: SchoolYear | None, city: bool = False) -> dict[int | None, dict]:
    """How far the classes are before a closing: per school, and for the whole city (key None) when ``city``,
    the number of classes and of classes whose homeroom teacher closed term I and term II, and the students who
    already have results of each period (``results``: [(period label, students)], whoever computed them: a
    closing from this page, the command line, the demo) — in three queries."""
    school_ids = None if city else [s.pk for s in schools]
    classes, locks = aggregates.class_and_lock_counts(year=year, school_ids=school_ids)
    closed = Counter({(school_id, term): n for (school_id, term, level), n in locks.items()
                      if level == LockLevel.CLASS})
    results = _result_counts(year=year, school_ids=school_ids)
    out: dict[int | None, dict] = {
        s.pk: {"classes": classes[s.pk], "closed": {t: closed[(s.pk, t)] for t in (1, 2)},
               "results": _by_period(results, lambda school_id, s=s: school_id == s.pk)} for s in schools}
    if city:
        out[None] = {"classes": sum(classes.values()),
                     "closed": {t: sum(n for (_, term), n in closed.items() if term == t) for t in (1, 2)},
                     "results": _by_period(results, lambda school_id: True)}
    return out


def _result_counts(*, year: SchoolYear | None, school_ids: list[int] | None) -> dict[tuple[int, str], int]:
    """(school, period) → students with results, from the closings' small per-class counts (``ResultCount``)."""
    qs = ResultCount.objects.filter(class_group__school_year=year)
    if school_ids is not None:
        qs = qs.filter(class_group__school_id__in=school_ids)
    return {(row["class_group__school_id"], row["period"]): row["n"]
            for row in qs.values("class_group__school_id", "period").annotate(n=Sum("students")).order_by()}


def _by_period(results: dict[tuple[int, str], int], keep) -> list[tuple[str, int]]:
    totals = Counter()
    for (school_id, period), n in results.items():
        if keep(school_id):
            totals[period] += n
    return [(label, totals[value]) for value, label in Period.choices if totals[value]]


def closing_runs(*, user, year: SchoolYear | None, limit: int = 10,
                 run_id: int | None = None) -> list[ClosingRun]:
    """The most recent closing runs the user may follow (their schools; the city for the Department)."""
    schools, city = closing_scope(user=user)
    qs = ClosingRun.objects.select_related("school", "started_by")
    if year is not None:
        qs = qs.filter(school_year=year)
    if not city:
        qs = qs.filter(school_id__in=[s.pk for s in schools])
    if run_id is not None:
        qs = qs.filter(pk=run_id)
    return list(qs.order_by("-created_at", "-id")[:limit])


def lock_groups(locks: list) -> list[dict]:
    """A term's locks (school first, then class by class, as the locks page reads them) grouped by class: the
    school's lock alone, then each class with its own lock and its subjects' (the page folds each class: a school
    of 40 classes has hundreds of subject locks)."""
    groups = []
    for class_group, items in groupby(locks, key=lambda lock: lock.class_group):
        items = list(items)
        groups.append({"class_group": class_group, "locks": items,
                       "class_locked": any(lock.level == LockLevel.CLASS for lock in items),
                       "subjects": sum(lock.level == LockLevel.SUBJECT for lock in items)})
    return groups

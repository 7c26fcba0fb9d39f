"""Closing a term or the year: every student's results by the assessment engine, stored as a snapshot.

Work goes class batch by class batch (one query per table per batch, whatever the class
sizes), so the same code closes one class, a school of 1,500 or a whole city. A big closing on
PostgreSQL (the city) runs its batches in forked worker processes, one per core by default.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from hocba import assessment
from hocba.core.audit import audit_record
from hocba.gradebook.fields import dumps as _dumps
from hocba.gradebook.fields import loads as _loads
from hocba.gradebook.models import (
    Exemption,
    HomeroomTermEntry,
    Period,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import ClassGroup, CurriculumEntry, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

ENGINE = "tt22"
BATCH_CLASSES = 60

#: Stored canonical strings → the JSON numbers of the engine's contract ("8.5" → 8.5; Đ/CĐ stay).
_NUMBERS: dict[str | None, object] = {None: None, "Đ": "Đ", "CĐ": "CĐ",
                                      **{f"{n / 10:.1f}": n / 10 for n in range(101)}}


@dataclass
class CloseReport:
    students: int = 0
    failed: int = 0
    errors: list[str] | None = None


def _number(v: str | None):
    try:
        return _NUMBERS[v]
    except KeyError:  # a value stored outside the canonical form: let the engine judge it
        return float(v) if v not in ("Đ", "CĐ") else v


def _term_input(row: tuple | None, tx_count: int) -> dict | None:
    """(tx, gk, ck) as stored → the engine's term input; None when the row does not exist."""
    if row is None:
        return None
    tx, gk, ck = row
    numbers = _NUMBERS
    try:
        return {"tx": [numbers[v] for v in tx[:tx_count]], "gk": numbers[gk], "ck": numbers[ck]}
    except (KeyError, TypeError):  # not canonical (or not a list): the slow path, the engine judges
        return {"tx": [_number(v) for v in list(tx)[:tx_count]], "gk": _number(gk), "ck": _number(ck)}


def _term_inputs(class_groups: list[ClassGroup],
                 catalogue: _Catalogue) -> dict[tuple[int, int, int, int], dict]:
    """(class, student, subject, term) → the engine's term input, straight from one plain SQL read.

    The biggest read of a closing: rows become term inputs in one pass (no model instances, no
    per-field converters).
    """
    ids = [c.pk for c in class_groups]
    if not ids:
        return {}
    grade_of = {c.pk: c.grade for c in class_groups}
    tx_counts = {key: count for key, (_periods, count) in catalogue.curriculum.items()}
    table = SubjectTermScore._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    numbers, loads = _NUMBERS, _loads
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT class_group_id, student_id, subject_id, term, tx, gk, ck FROM {table} "  # noqa: S608
                       f"WHERE class_group_id IN ({marks})", ids)  # (only placeholders are interpolated)
        while chunk := cursor.fetchmany(10_000):
            for class_id, student_id, subject_id, term, tx, gk, ck in chunk:
                if tx.__class__ is str:
                    tx = loads(tx)
                n = tx_counts.get((subject_id, grade_of[class_id]), 3)
                try:
                    item = {"tx": [numbers[v] for v in tx[:n]], "gk": numbers[gk], "ck": numbers[ck]}
                except (KeyError, TypeError):  # not canonical: the slow path, and the engine judges it
                    item = _term_input((tx, gk, ck), n)
                out[(class_id, student_id, subject_id, term)] = item
    return out


@dataclass
class _Catalogue:
    """What every batch needs and does not change during a closing: periods and ĐĐGtx counts."""

    curriculum: dict[tuple[int, int], tuple[int, int]]  # (subject id, grade) → (periods/year, tx count)

    @classmethod
    def load(cls) -> _Catalogue:
        return cls({(c.subject_id, c.grade): (c.periods_per_year, c.tx_count)
                    for c in CurriculumEntry.objects.filter(school_year=None)})


def build_inputs(class_groups: list[ClassGroup], catalogue: _Catalogue | None = None,
                 ) -> dict[int, list[tuple[int, dict]]]:
    """class id → [(student id, engine input dict)] in the engine's JSON contract.

    One query per table for the whole batch, reading plain tuples (no model instances): at city
    scale this loop, not the engine, is where the time goes.
    """
    catalogue = catalogue or _Catalogue.load()
    ids = [c.pk for c in class_groups]
    enrolled: dict[int, list[int]] = defaultdict(list)
    for class_id, student_id in (Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
                                 .order_by("student__sort_name", "student_id")
                                 .values_list("class_group_id", "student_id")):
        enrolled[class_id].append(student_id)
    subjects: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    for class_id, subject_id, code, name, mode in (
            TeachingAssignment.objects.filter(class_group_id__in=ids)
            .order_by("subject__display_order", "subject__code")
            .values_list("class_group_id", "subject_id", "subject__code", "subject__name", "subject__mode")):
        subjects[class_id].append((subject_id, code, name, mode))
    terms = _term_inputs(class_groups, catalogue)
    homeroom: dict[tuple[int, int, int], tuple[str, int]] = {}
    for class_id, student_id, term, conduct, excused, unexcused in (
            HomeroomTermEntry.objects.filter(class_group_id__in=ids).order_by()
            .values_list("class_group_id", "student_id", "term", "conduct", "absent_excused",
                         "absent_unexcused")):
        homeroom[(class_id, student_id, term)] = (conduct, excused + unexcused)
    years = {(class_id, student_id): (summer, retests) for class_id, student_id, summer, retests in (
        YearEntry.objects.filter(class_group_id__in=ids).order_by()
        .values_list("class_group_id", "student_id", "summer_conduct", "retests"))}
    year_ids = {c.school_year_id for c in class_groups}
    exempt = set(Exemption.objects.filter(school_year_id__in=year_ids,
                                          student__enrolments__class_group_id__in=ids)
                 .order_by().values_list("student_id", "subject_id"))
    out: dict[int, list[tuple[int, dict]]] = {}
    term_of = terms.get
    for cg in class_groups:
        class_id, grade = cg.pk, cg.grade
        items = []
        plan = []
        for subject_id, code, name, mode in subjects[class_id]:
            periods, _tx_count = catalogue.curriculum.get((subject_id, grade), (70, 3))
            plan.append((subject_id, code, name, mode, periods))
        for student_id in enrolled[class_id]:
            summer, retests = years.get((class_id, student_id), ("", None))
            subject_inputs = []
            for subject_id, code, name, mode, periods in plan:
                if exempt and (student_id, subject_id) in exempt:
                    item = {"name": name, "mode": mode, "periods_per_year": periods, "exempt": True}
                else:
                    item = {"name": name, "mode": mode, "periods_per_year": periods,
                            "hk1": term_of((class_id, student_id, subject_id, 1)),
                            "hk2": term_of((class_id, student_id, subject_id, 2))}
                    if retests and code in retests:
                        item["retest"] = _number(retests[code])
                subject_inputs.append(item)
            h1, h2 = homeroom.get((class_id, student_id, 1)), homeroom.get((class_id, student_id, 2))
            conduct = {"hk1": h1[0] if h1 else None, "hk2": h2[0] if h2 else None}
            if summer:
                conduct["summer"] = summer
            absences = (h1[1] if h1 else 0) + (h2[1] if h2 else 0)
            items.append((student_id, {"grade": grade, "subjects": subject_inputs, "conduct": conduct,
                                       "absences": absences}))
        out[class_id] = items
    return out


def _for_period(student: dict, period: str) -> dict:
    """Term I alone is assessed by giving the engine term I as both terms and reading only term I back."""
    if period != Period.HK1:
        return student
    copy = {**student, "subjects": [], "conduct": {"hk1": student["conduct"]["hk1"],
                                                    "hk2": student["conduct"]["hk1"]}}
    for s in student["subjects"]:
        s2 = {k: v for k, v in s.items() if k not in ("retest",)}
        if "hk1" in s2:
            s2["hk2"] = s2["hk1"]
        copy["subjects"].append(s2)
    return copy


def _pick(result: dict, period: str) -> tuple[str, str, str]:
    if "error" in result:
        return "", "", ""
    key = {"hk1": "hk1", "hk2": "hk2", "year": "cn"}[period]
    learning = result["learning"].get("after_retest") if period == "year" and result["learning"].get(
        "after_retest") else result["learning"][key]
    conduct = result["conduct"].get("after_summer") if period == "year" and result["conduct"].get(
        "after_summer") else result["conduct"][key]
    return learning or "", conduct or "", result.get("outcome", "") if period == "year" else ""


def close_classes(*, class_ids: Iterable[int], period: str, by=None,
                  progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> CloseReport:
    """Compute and store results for the classes; returns counts and the students that failed (with why).

    The classes are cut into units (consecutive classes, so a unit stays within a school); a big closing
    on PostgreSQL runs its units in ``workers`` processes (default ``HOCBA_CLOSING_WORKERS``, else one per
    core), each reading, assessing and storing its units on its own connection. ``progress(done, failed)``
    is called in this process after every unit.
    """
    class_ids = list(class_ids)
    report = CloseReport(errors=[])
    now = timezone.now()
    catalogue = _Catalogue.load()
    n = _workers(len(class_ids), workers)
    size = BATCH_CLASSES if n == 1 else max(1, min(BATCH_CLASSES, -(-len(class_ids) // (4 * n))))
    units = [class_ids[i:i + size] for i in range(0, len(class_ids), size)]
    if n > 1:
        done = _in_processes(units, n, period=period, now=now, catalogue=catalogue)
    else:
        done = (_close_unit(unit, period, now, catalogue) for unit in units)
    for students, failed, errors in done:
        report.students += students
        report.failed += failed
        report.errors.extend(errors)
        if progress:
            progress(report.students, report.failed)
    if class_ids:
        audit_record(actor=by, action=f"gradebook:close:{period}", object_type="classes",
                     object_id=class_ids[0] if len(class_ids) == 1 else f"{len(class_ids)} lớp",
                     after={"students": report.students, "failed": report.failed})
    return report


def _workers(n_classes: int, workers: int | None = None) -> int:
    """How many processes close these classes: several only on PostgreSQL, for more than one batch of classes
    (a school of 1,000 closes in ~0.4 s in this process; starting processes and their connections costs
    more than it saves), and not inside the caller's transaction (other connections would not see its
    uncommitted rows)."""
    if connection.vendor != "postgresql" or n_classes <= BATCH_CLASSES or connection.in_atomic_block:
        return 1
    if workers is None:
        workers = getattr(settings, "HOCBA_CLOSING_WORKERS", None) or os.cpu_count() or 1
    return max(1, min(workers, n_classes))


def _in_processes(units: list[list[int]], n: int, *, period: str, now, catalogue: _Catalogue):
    """Run the units in ``n`` forked processes; yields each unit's counts as it finishes.

    The parent's connections are closed before forking so that no child shares a socket with it; each
    child opens its own on first use. A unit that raises stops the closing: the waiting units are
    cancelled and the error is raised here.
    """
    connections.close_all()
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_close_unit, unit, period, now, catalogue) for unit in units]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _close_unit(class_ids: list[int], period: str, now, catalogue: _Catalogue) -> tuple[int, int, list[str]]:
    """Read, assess and store one unit of classes (one query per table); (students, failed, errors).

    The unit builds hundreds of thousands of small, acyclic dicts and lists (term inputs, snapshots): the
    cyclic garbage collector would scan them again and again for nothing (a third of the CPU time), so it
    is paused for the unit; reference counting still frees everything.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _close_unit_now(class_ids, period, now, catalogue)
    finally:
        if collecting:
            gc.enable()


def _close_unit_now(class_ids: list[int], period: str, now, catalogue: _Catalogue) -> tuple[int, int, list[str]]:
    batch = list(ClassGroup.objects.filter(pk__in=class_ids).order_by()
                 .only("pk", "name", "grade", "school_year_id"))
    inputs = build_inputs(batch, catalogue)
    assess_json = assessment.assess_json
    rows = []
    errors = []
    for cg in batch:
        class_id = cg.pk
        for student_id, student in inputs[class_id]:
            result = assess_json(_for_period(student, period))
            learning, conduct, outcome = _pick(result, period)
            error = result.get("error", "")
            if error:
                errors.append(f"{cg.name}, học sinh #{student_id}: {error}")
            rows.append((class_id, student_id, student, result, learning, conduct, outcome, error))
    _store([c.pk for c in batch], rows, period=period, now=now)
    return len(rows), len(errors), errors


def _store(batch_ids: list[int], rows: list[tuple], *, period: str, now) -> None:
    """Replace the batch's snapshots for the period, in one transaction."""
    with transaction.atomic():
        StudentResult.objects.filter(class_group_id__in=batch_ids, period=period).delete()
        _insert_results(rows, period=period, now=now)


_RESULT_COLUMNS = ("class_group_id", "student_id", "period", "inputs", "outputs", "learning", "conduct",
                   "outcome", "error", "engine", "computed_at")


def _insert_results(rows: list[tuple], *, period: str, now) -> None:
    """Store the snapshots: PostgreSQL's COPY (the bulk path of the city closing), else ``bulk_create``."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = StudentResult._meta.db_table
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(_RESULT_COLUMNS)}) FROM STDIN") as copy:
            for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows:
                copy.write_row((class_id, student_id, period, _dumps(inputs), _dumps(outputs), learning,
                                conduct, outcome, error, ENGINE, now))
        return
    StudentResult.objects.bulk_create(
        [StudentResult(class_group_id=class_id, student_id=student_id, period=period, inputs=inputs,
                       outputs=outputs, learning=learning, conduct=conduct, outcome=outcome, error=error,
                       engine=ENGINE, computed_at=now)
         for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows],
        batch_size=1000)


__all__ = ["build_inputs", "close_classes", "sheet_shape"]

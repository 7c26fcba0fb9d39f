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

from hocba.core.audit import audit_record
from hocba.gradebook import engine
from hocba.gradebook.fields import dumps_bytes as _dumps_bytes
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
                                      **{f"{n / 10:.1f}": n / 10 for n in range(101)},
                                      **{str(n): float(n) for n in range(11)}}


@dataclass
class CloseReport:
    students: int = 0
    failed: int = 0
    errors: list[str] | None = None


def _number(v: str | None):
    try:
        return _NUMBERS[v]
    except KeyError:  # a value stored outside the canonical form: let the engine judge it
        if v in ("Đ", "CĐ"):
            return v
        try:
            return float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):  # "8,5", "Đạt" …: the engine refuses it for this student only
            return v


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


#: Stored canonical strings → what the engine computes on: tenths for scores, Đạt? for comments.
_TENTHS: dict[str, int] = {**{f"{n / 10:.1f}": n for n in range(101)}, **{str(n): 10 * n for n in range(11)}}
_PASSED: dict[str, bool] = {"Đ": True, "CĐ": False}
_LEVELS: dict[str, int] = dict(engine.LEVELS)

TermPart = tuple[tuple[int, ...], int, int] | tuple[bool, str | None]


def _term_inputs(class_groups: list[ClassGroup], catalogue: _Catalogue, modes: dict[int, str],
                 ) -> dict[tuple[int, int, int, int], tuple[dict, TermPart | None]]:
    """(class, student, subject, term) → (the engine's term input, the same in the engine's own form),
    straight from one plain SQL read.

    The biggest read of a closing: rows become term inputs in one pass (no model instances, no
    per-field converters). The engine's form — (tx, gk, ck) in tenths for a score subject, (Đạt?,
    why not) for a comment subject — is None when the row is not complete and canonical: the engine
    then reads the JSON term input and judges it (with its Vietnamese message).
    """
    ids = [c.pk for c in class_groups]
    if not ids:
        return {}
    # class id → subject id → (ĐĐGtx kept, ĐĐGtx required, score subject?): two int lookups a row.
    by_grade: dict[int, dict[int, tuple[int, int, bool]]] = defaultdict(dict)
    for (subject_id, grade), (periods, count) in catalogue.curriculum.items():
        by_grade[grade][subject_id] = (count, engine.tx_count(periods), modes.get(subject_id) == "score")
    shapes = {cg.pk: by_grade[cg.grade] for cg in class_groups}
    table = SubjectTermScore._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    number, tenth, passed, loads, comment_term = _NUMBERS.__getitem__, _TENTHS.__getitem__, \
        _PASSED.__getitem__, _loads, engine.comment_term
    unknown = (3, 3, None)
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT class_group_id, student_id, subject_id, term, tx, gk, ck FROM {table} "  # noqa: S608
                       f"WHERE class_group_id IN ({marks})", ids)  # (only placeholders are interpolated)
        while chunk := cursor.fetchmany(10_000):
            for class_id, student_id, subject_id, term, tx, gk, ck in chunk:
                if tx.__class__ is str:
                    tx = loads(tx)
                n, required, scored = shapes[class_id].get(subject_id, unknown)
                if scored is None:
                    scored = modes.get(subject_id) == "score"
                try:
                    tx = tx[:n]
                    item = {"tx": list(map(number, tx)), "gk": number(gk), "ck": number(ck)}
                except (KeyError, TypeError):  # not canonical: the slow path, and the engine judges it
                    out[(class_id, student_id, subject_id, term)] = (_term_input((tx, gk, ck), n), None)
                    continue
                try:
                    if scored:
                        part = (tuple(map(tenth, tx)), tenth(gk), tenth(ck)) if len(tx) == required else None
                    else:
                        part = comment_term(list(map(passed, tx)), passed(gk), passed(ck), required) \
                            if len(tx) <= required else None
                except (KeyError, TypeError):  # e.g. a missing mark (None), Đ in a score subject
                    part = None
                out[(class_id, student_id, subject_id, term)] = (item, part)
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
    """class id → [(student id, engine input dict)] in the engine's JSON contract."""
    return {class_id: [(student_id, student) for student_id, student, _prepared in items]
            for class_id, items in _build(class_groups, catalogue or _Catalogue.load(), "year").items()}


def _build(class_groups: list[ClassGroup], catalogue: _Catalogue, period: str,
           ) -> dict[int, list[tuple[int, dict, engine.Prepared | None]]]:
    """class id → [(student id, engine input dict, the same for ``period`` in the engine's own form)].

    The input dict (the engine's JSON contract) is what the snapshot keeps; the engine's own form
    (:class:`engine.Prepared`, the student's input as :func:`_for_period` gives it for the period) is
    built from the same stored cells, so the engine does not parse and check again what the gradebook
    validated when it stored them. It is None for a student with anything incomplete or unusual:
    that student goes through the engine's checked JSON path (and gets its Vietnamese message).

    One query per table for the whole batch, reading plain tuples (no model instances): at city
    scale this loop, not the engine, is where the time goes.
    """
    ids = [c.pk for c in class_groups]
    enrolled: dict[int, list[int]] = defaultdict(list)
    for class_id, student_id in (Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
                                 .order_by("student__sort_name", "student_id")
                                 .values_list("class_group_id", "student_id")):
        enrolled[class_id].append(student_id)
    subjects: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    modes: dict[int, str] = {}
    for class_id, subject_id, code, name, mode in (
            TeachingAssignment.objects.filter(class_group_id__in=ids)
            .order_by("subject__display_order", "subject__code")
            .values_list("class_group_id", "subject_id", "subject__code", "subject__name", "subject__mode")):
        subjects[class_id].append((subject_id, code, name, mode))
        modes[subject_id] = mode
    terms = _term_inputs(class_groups, catalogue, modes)
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
    out: dict[int, list[tuple[int, dict, engine.Prepared | None]]] = {}
    term_of = terms.get
    first_term = period == Period.HK1
    levels, tenths, passed = _LEVELS, _TENTHS, _PASSED
    Scored, Comment, Prepared = engine.PreparedScored, engine.PreparedComment, engine.Prepared
    for cg in class_groups:
        class_id, grade = cg.pk, cg.grade
        items = []
        plan = []
        for subject_id, code, name, mode in subjects[class_id]:
            periods, _tx_count = catalogue.curriculum.get((subject_id, grade), (70, 3))
            plan.append((subject_id, code, name, mode, periods, mode == "score"))
        names = [entry[2] for entry in plan]
        # What the engine would question for every student of the class: those go the checked way.
        trusted_class = (6 <= grade <= 12 and len(set(names)) == len(names) and all(name.strip() for name in names)
                         and all(entry[3] in ("score", "comment") and entry[4] > 0 for entry in plan))
        for student_id in enrolled[class_id]:
            summer, retests = years.get((class_id, student_id), ("", None))
            subject_inputs = []
            prepared = []
            exempted = []
            trusted = trusted_class
            for subject_id, code, name, mode, periods, scored in plan:
                if exempt and (student_id, subject_id) in exempt:
                    item = {"name": name, "mode": mode, "periods_per_year": periods, "exempt": True}
                    exempted.append(name)
                else:
                    t1 = term_of((class_id, student_id, subject_id, 1))
                    t2 = term_of((class_id, student_id, subject_id, 2))
                    item = {"name": name, "mode": mode, "periods_per_year": periods,
                            "hk1": t1[0] if t1 else None, "hk2": t2[0] if t2 else None}
                    retest = None
                    if retests and code in retests:
                        item["retest"] = _number(retests[code])
                        retest = retests[code]
                    if trusted:
                        p1 = t1[1] if t1 else None
                        p2 = p1 if first_term else (t2[1] if t2 else None)
                        if p1 is None or p2 is None:
                            trusted = False
                        else:
                            if first_term or retest is None:
                                retest = None
                            else:
                                retest = (tenths if scored else passed).get(retest)
                                if retest is None:
                                    trusted = False
                            if scored:
                                prepared.append(Scored(name, *p1, *p2, retest))
                            else:
                                prepared.append(Comment(name, p1[0], p2[0], retest, p1[1], p2[1]))
                subject_inputs.append(item)
            h1, h2 = homeroom.get((class_id, student_id, 1)), homeroom.get((class_id, student_id, 2))
            conduct = {"hk1": h1[0] if h1 else None, "hk2": h2[0] if h2 else None}
            if summer:
                conduct["summer"] = summer
            absences = (h1[1] if h1 else 0) + (h2[1] if h2 else 0)
            student = {"grade": grade, "subjects": subject_inputs, "conduct": conduct, "absences": absences}
            engine_input = None
            if trusted and h1 is not None and (first_term or h2 is not None):
                c1 = levels.get(h1[0])
                c2 = c1 if first_term else levels.get(h2[0])
                level_summer = None if first_term or not summer else levels.get(summer, -1)
                if c1 is not None and c2 is not None and level_summer != -1 and absences >= 0:
                    engine_input = Prepared(tuple(prepared), c1, c2, level_summer, absences, tuple(exempted))
            items.append((student_id, student, engine_input))
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


def _assess(student: dict, prepared: engine.Prepared | None, period: str) -> dict:
    """The engine's result for the period: from its own form when the closing built it (the same
    result, see :func:`engine.assess_prepared`), else from the JSON input, checked."""
    if prepared is not None:
        return engine.assess_prepared(prepared)
    return engine.assess_json(_for_period(student, period))


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
    inputs = _build(batch, catalogue, period)
    rows = []
    errors = []
    for cg in batch:
        class_id = cg.pk
        for student_id, student, prepared in inputs[class_id]:
            result = _assess(student, prepared, period)
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


#: The columns of the COPY, in the order of its lines.
_RESULT_COLUMNS = ("class_group_id", "student_id", "inputs", "outputs", "learning", "conduct", "outcome", "error",
                   "period", "engine", "computed_at")


def _insert_results(rows: list[tuple], *, period: str, now) -> None:
    """Store the snapshots: PostgreSQL's COPY (the bulk path of the city closing), else ``bulk_create``."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy_results(rows, period=period, now=now)
        return
    StudentResult.objects.bulk_create(
        [StudentResult(class_group_id=class_id, student_id=student_id, period=period, inputs=inputs,
                       outputs=outputs, learning=learning, conduct=conduct, outcome=outcome, error=error,
                       engine=ENGINE, computed_at=now)
         for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows],
        batch_size=1000)


def _copy_results(rows: list[tuple], *, period: str, now) -> None:
    """COPY the snapshots as lines of COPY's text format, built here in one pass (psycopg's
    ``write_row`` adapts and escapes every field of every row one by one: at city scale that costs
    more than the encoding of the JSON). The JSON text (orjson's bytes) holds no tab, newline or
    carriage return (JSON escapes them), so only its backslashes need doubling; the short text
    columns are escaped in full."""
    table = StudentResult._meta.db_table
    tail = b"\t".join(_copy_field(value.encode()) for value in (period, ENGINE, now.isoformat()))
    encode = _dumps_bytes
    lines = []
    for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows:
        lines.append(b"%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" % (
            class_id, student_id, encode(inputs).replace(b"\\", b"\\\\"),
            encode(outputs).replace(b"\\", b"\\\\"), _copy_field(learning.encode()),
            _copy_field(conduct.encode()), _copy_field(outcome.encode()), _copy_field(error.encode()), tail))
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(_RESULT_COLUMNS)}) FROM STDIN") as copy:
        for i in range(0, len(lines), 1000):
            copy.write(b"".join(lines[i:i + 1000]))


def _copy_field(value: bytes) -> bytes:
    """A text value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    if b"\\" in value or b"\t" in value or b"\n" in value or b"\r" in value:
        value = (value.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
                 .replace(b"\r", b"\\r"))
    return value


__all__ = ["build_inputs", "close_classes", "sheet_shape"]

"""Closing a term or the year: every student's results by the assessment engine, stored as a snapshot.

Work goes class batch by class batch (one query per table per batch, whatever the class
sizes), so the same code closes one class, a school of 1,500 or a whole city.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from hocba import assessment
from hocba.core.audit import audit_record
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

try:  # orjson: the city closing writes ~1 GB of snapshot JSON; the standard library is the fallback
    import orjson

    _loads = orjson.loads

    def _dumps(value) -> str:
        return orjson.dumps(value).decode()
except ImportError:  # pragma: no cover — orjson is a dependency; this keeps a bare checkout working
    _loads = json.loads
    _dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

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
    for cg in class_groups:
        items = []
        plan = []
        for subject_id, code, name, mode in subjects[cg.pk]:
            periods, _tx_count = catalogue.curriculum.get((subject_id, cg.grade), (70, 3))
            plan.append((subject_id, code, {"name": name, "mode": mode, "periods_per_year": periods}))
        for student_id in enrolled[cg.pk]:
            summer, retests = years.get((cg.pk, student_id), ("", None))
            subject_inputs = []
            for subject_id, code, head in plan:
                item = dict(head)
                if exempt and (student_id, subject_id) in exempt:
                    item["exempt"] = True
                else:
                    item["hk1"] = terms.get((cg.pk, student_id, subject_id, 1))
                    item["hk2"] = terms.get((cg.pk, student_id, subject_id, 2))
                    if retests and code in retests:
                        item["retest"] = _number(retests[code])
                subject_inputs.append(item)
            h1, h2 = homeroom.get((cg.pk, student_id, 1)), homeroom.get((cg.pk, student_id, 2))
            conduct = {"hk1": h1[0] if h1 else None, "hk2": h2[0] if h2 else None}
            if summer:
                conduct["summer"] = summer
            absences = (h1[1] if h1 else 0) + (h2[1] if h2 else 0)
            items.append((student_id, {"grade": cg.grade, "subjects": subject_inputs, "conduct": conduct,
                                       "absences": absences}))
        out[cg.pk] = items
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
                  progress: Callable[[int, int], None] | None = None) -> CloseReport:
    """Compute and store results for the classes; returns counts and the students that failed (with why)."""
    class_ids = list(class_ids)
    report = CloseReport(errors=[])
    now = timezone.now()
    catalogue = _Catalogue.load()
    writer = _Writer(period=period, now=now, progress=progress) if _pipelined(len(class_ids)) else None
    try:
        for start in range(0, len(class_ids), BATCH_CLASSES):
            batch = list(ClassGroup.objects.filter(pk__in=class_ids[start:start + BATCH_CLASSES]).order_by()
                         .only("pk", "name", "grade", "school_year_id"))
            inputs = build_inputs(batch, catalogue)
            rows = []
            for cg in batch:
                for student_id, student in inputs[cg.pk]:
                    result = assessment.assess_json(_for_period(student, period))
                    learning, conduct, outcome = _pick(result, period)
                    error = result.get("error", "")
                    if error:
                        report.failed += 1
                        report.errors.append(f"{cg.name}, học sinh #{student_id}: {error}")
                    rows.append((cg.pk, student_id, student, result, learning, conduct, outcome, error))
                    report.students += 1
            batch_ids = [c.pk for c in batch]
            if writer:
                writer.put(batch_ids, rows, report.students, report.failed)
            else:
                _store(batch_ids, rows, period=period, now=now)
                if progress:
                    progress(report.students, report.failed)
    finally:
        if writer:
            writer.close()
    if writer and writer.error:
        raise writer.error
    if class_ids:
        audit_record(actor=by, action=f"gradebook:close:{period}", object_type="classes",
                     object_id=class_ids[0] if len(class_ids) == 1 else f"{len(class_ids)} lớp",
                     after={"students": report.students, "failed": report.failed})
    return report


def _pipelined(n_classes: int) -> bool:
    """Store on a second connection while the next batch is computed: PostgreSQL, several batches, and not
    inside the caller's transaction (a second connection would not see its uncommitted rows)."""
    return (connection.vendor == "postgresql" and n_classes > BATCH_CLASSES
            and not connection.in_atomic_block)


def _store(batch_ids: list[int], rows: list[tuple], *, period: str, now) -> None:
    """Replace the batch's snapshots for the period, in one transaction."""
    with transaction.atomic():
        StudentResult.objects.filter(class_group_id__in=batch_ids, period=period).delete()
        _insert_results(rows, period=period, now=now)


class _Writer:
    """A thread with its own database connection storing batches while the caller computes the next one.

    PostgreSQL spends about as long turning the snapshots into ``jsonb`` as Python spends computing
    them; doing both at once nearly halves a city closing on two cores. At most two batches wait.
    """

    def __init__(self, *, period: str, now, progress: Callable[[int, int], None] | None):
        self.period, self.now, self.progress = period, now, progress
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="closing-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                batch_ids, rows, done, failed = item
                _store(batch_ids, rows, period=self.period, now=self.now)
                if self.progress:
                    self.progress(done, failed)
        except BaseException as exc:  # handed to the caller, which raises it
            self.error = exc
            while self.queue.get() is not None:  # keep the producer from blocking until it stops
                pass
        finally:
            connection.close()  # this thread's own connection

    def put(self, batch_ids: list[int], rows: list[tuple], done: int, failed: int) -> None:
        if self.error:
            raise self.error
        self.queue.put((batch_ids, rows, done, failed))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


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

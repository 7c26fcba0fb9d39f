"""Closing a term or the year: every student's results by the assessment engine, stored as a snapshot.

Work goes class batch by class batch (one query per table per batch, whatever the class
sizes), so the same code closes one class, a school of 1,500 or a whole city. A big closing on
PostgreSQL (the city) runs its batches in forked worker processes, one per core by default.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.gradebook import engine
from hocba.gradebook.closing_inputs import Catalogue, StudentInput, build, for_period
from hocba.gradebook.fields import dumps_bytes as _dumps_bytes
from hocba.gradebook.models import ResultCount, StudentResult
from hocba.org.models import ClassGroup

ENGINE = "tt22"
BATCH_CLASSES = 60


@dataclass
class CloseReport:
    students: int = 0
    failed: int = 0
    errors: list[str] | None = None


def _assess(student: StudentInput, prepared: engine.Prepared | None, period: str) -> dict:
    """The engine's result for the period: from its own form when the closing built it (the same
    result, see :func:`engine.assess_prepared`), else from the JSON input, checked."""
    if prepared is not None:
        return engine.assess_prepared(prepared)
    return engine.assess_json(for_period(student, period))


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
    catalogue = Catalogue.load()
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


def _in_processes(units: list[list[int]], n: int, *, period: str, now, catalogue: Catalogue):
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


def _close_unit(class_ids: list[int], period: str, now, catalogue: Catalogue) -> tuple[int, int, list[str]]:
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


def _close_unit_now(class_ids: list[int], period: str, now, catalogue: Catalogue) -> tuple[int, int, list[str]]:
    batch = list(ClassGroup.objects.filter(pk__in=class_ids).order_by()
                 .only("pk", "name", "grade", "school_year_id"))
    inputs = build(batch, catalogue, period)
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
    """Replace the batch's snapshots for the period, and their counts per class, in one transaction."""
    with transaction.atomic():
        StudentResult.objects.filter(class_group_id__in=batch_ids, period=period).delete()
        _insert_results(rows, period=period, now=now)
        ResultCount.objects.filter(class_group_id__in=batch_ids, period=period).delete()
        ResultCount.objects.bulk_create(result_counts(rows, period=period))


def result_counts(rows: list[tuple], *, period: str) -> list[ResultCount]:
    """The snapshots' rows counted per class and combination of results (see :class:`ResultCount`)."""
    counts = Counter((class_id, learning, conduct, outcome, bool(error))
                     for class_id, _student, _inputs, _outputs, learning, conduct, outcome, error in rows)
    return [ResultCount(class_group_id=class_id, period=period, learning=learning, conduct=conduct,
                        outcome=outcome, failed=failed, students=n)
            for (class_id, learning, conduct, outcome, failed), n in counts.items()]


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
    more than the encoding of the JSON). The JSON text (orjson's, or written from the stored cells by
    ``closing_inputs``, on one line) holds no tab, newline or carriage return (JSON escapes them), so
    only its backslashes need doubling; the short text columns are escaped in full."""
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


__all__ = ["close_classes"]

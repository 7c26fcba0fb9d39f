"""Closing a term or the year: every student's results by the assessment engine, stored as a snapshot.

Work goes class batch by class batch (one query per table per batch, whatever the class
sizes), so the same code closes one class, a school of 1,500 or a whole city.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from hocba import assessment
from hocba.core.audit import audit_record
from hocba.gradebook.models import Exemption, HomeroomTermEntry, Period, StudentResult, SubjectTermScore, YearEntry
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
    return {"tx": [_number(v) for v in tx[:tx_count]], "gk": _number(gk), "ck": _number(ck)}


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
    scores: dict[tuple[int, int, int], tuple] = {}
    for class_id, student_id, subject_id, term, tx, gk, ck in (
            SubjectTermScore.objects.filter(class_group_id__in=ids).order_by()
            .values_list("class_group_id", "student_id", "subject_id", "term", "tx", "gk", "ck")):
        scores[(student_id, subject_id, term)] = (tx, gk, ck)
        del class_id  # a student is in one class of the batch; the key needs no class
    homeroom: dict[tuple[int, int], tuple[str, int]] = {}
    for student_id, term, conduct, excused, unexcused in (
            HomeroomTermEntry.objects.filter(class_group_id__in=ids).order_by()
            .values_list("student_id", "term", "conduct", "absent_excused", "absent_unexcused")):
        homeroom[(student_id, term)] = (conduct, excused + unexcused)
    years = {student_id: (summer, retests) for student_id, summer, retests in (
        YearEntry.objects.filter(class_group_id__in=ids).order_by()
        .values_list("student_id", "summer_conduct", "retests"))}
    year_ids = {c.school_year_id for c in class_groups}
    exempt = set(Exemption.objects.filter(school_year_id__in=year_ids, student__enrolments__class_group_id__in=ids)
                 .order_by().values_list("student_id", "subject_id"))
    out: dict[int, list[tuple[int, dict]]] = {}
    for cg in class_groups:
        items = []
        plan = []
        for subject_id, code, name, mode in subjects[cg.pk]:
            periods, tx_count = catalogue.curriculum.get((subject_id, cg.grade), (70, 3))
            plan.append((subject_id, code, {"name": name, "mode": mode, "periods_per_year": periods}, tx_count))
        for student_id in enrolled[cg.pk]:
            summer, retests = years.get(student_id, ("", None))
            subject_inputs = []
            for subject_id, code, head, tx_count in plan:
                item = dict(head)
                if exempt and (student_id, subject_id) in exempt:
                    item["exempt"] = True
                else:
                    item["hk1"] = _term_input(scores.get((student_id, subject_id, 1)), tx_count)
                    item["hk2"] = _term_input(scores.get((student_id, subject_id, 2)), tx_count)
                    if retests and code in retests:
                        item["retest"] = _number(retests[code])
                subject_inputs.append(item)
            h1, h2 = homeroom.get((student_id, 1)), homeroom.get((student_id, 2))
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
        with transaction.atomic():
            StudentResult.objects.filter(class_group_id__in=[c.pk for c in batch], period=period).delete()
            _insert_results(rows, period=period, now=now)
        if progress:
            progress(report.students, report.failed)
    if class_ids:
        audit_record(actor=by, action=f"gradebook:close:{period}", object_type="classes",
                     object_id=class_ids[0] if len(class_ids) == 1 else f"{len(class_ids)} lớp",
                     after={"students": report.students, "failed": report.failed})
    return report


_RESULT_COLUMNS = ("class_group_id", "student_id", "period", "inputs", "outputs", "learning", "conduct", "outcome",
                   "error", "engine", "computed_at")


def _insert_results(rows: list[tuple], *, period: str, now) -> None:
    """Store the snapshots: PostgreSQL's COPY (the bulk path of the city closing), else ``bulk_create``."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        table = StudentResult._meta.db_table
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(_RESULT_COLUMNS)}) FROM STDIN") as copy:
            for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows:
                copy.write_row((class_id, student_id, period, dumps(inputs), dumps(outputs), learning, conduct,
                                outcome, error, ENGINE, now))
        return
    StudentResult.objects.bulk_create(
        [StudentResult(class_group_id=class_id, student_id=student_id, period=period, inputs=inputs,
                       outputs=outputs, learning=learning, conduct=conduct, outcome=outcome, error=error,
                       engine=ENGINE, computed_at=now)
         for class_id, student_id, inputs, outputs, learning, conduct, outcome, error in rows], batch_size=1000)


__all__ = ["close_classes", "build_inputs", "sheet_shape"]

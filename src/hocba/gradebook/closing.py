"""Closing a term or the year: every student's results by the assessment engine, stored as a snapshot.

Work goes class batch by class batch (one query per table per batch, whatever the class
sizes), so the same code closes one class, a school of 1,500 or a whole city.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from hocba import assessment
from hocba.core.audit import audit_record
from hocba.gradebook.models import Exemption, HomeroomTermEntry, Period, StudentResult, SubjectTermScore, YearEntry
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import ClassGroup, CurriculumEntry, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

ENGINE = "tt22"
BATCH_CLASSES = 40


@dataclass
class CloseReport:
    students: int = 0
    failed: int = 0
    errors: list[str] | None = None


def _number(v: str | None):
    if v is None:
        return None
    return float(v) if v not in ("Đ", "CĐ") else v


def _term_input(row: SubjectTermScore | None, tx_count: int) -> dict | None:
    if row is None:
        return None
    tx = list(row.tx)[:tx_count]
    return {"tx": [_number(v) for v in tx], "gk": _number(row.gk), "ck": _number(row.ck)}


def build_inputs(class_groups: list[ClassGroup]) -> dict[int, list[tuple[int, dict]]]:
    """class id → [(student id, engine input dict)] in the engine's JSON contract."""
    ids = [c.pk for c in class_groups]
    enrolled = defaultdict(list)
    for e in (Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
              .order_by("student__sort_name").values("class_group_id", "student_id")):
        enrolled[e["class_group_id"]].append(e["student_id"])
    subjects = defaultdict(list)
    for ta in TeachingAssignment.objects.filter(class_group_id__in=ids).select_related("subject"):
        subjects[ta.class_group_id].append(ta.subject)
    curriculum = {(c.subject_id, c.grade): c for c in CurriculumEntry.objects.filter(school_year=None)}
    scores = {}
    for r in SubjectTermScore.objects.filter(class_group_id__in=ids).only(
            "class_group_id", "student_id", "subject_id", "term", "tx", "gk", "ck"):
        scores[(r.class_group_id, r.student_id, r.subject_id, r.term)] = r
    homeroom = {(h.class_group_id, h.student_id, h.term): h
                for h in HomeroomTermEntry.objects.filter(class_group_id__in=ids)}
    years = {(y.class_group_id, y.student_id): y for y in YearEntry.objects.filter(class_group_id__in=ids)}
    year_ids = {c.school_year_id for c in class_groups}
    exempt = {(x.student_id, x.subject_id) for x in Exemption.objects.filter(school_year_id__in=year_ids)}
    out: dict[int, list[tuple[int, dict]]] = {}
    for cg in class_groups:
        items = []
        for student_id in enrolled[cg.pk]:
            year = years.get((cg.pk, student_id))
            subject_inputs = []
            for subject in subjects[cg.pk]:
                entry = curriculum.get((subject.pk, cg.grade))
                periods = entry.periods_per_year if entry else 70
                tx_count = entry.tx_count if entry else 3
                item = {"name": subject.name, "mode": subject.mode, "periods_per_year": periods}
                if (student_id, subject.pk) in exempt:
                    item["exempt"] = True
                else:
                    item["hk1"] = _term_input(scores.get((cg.pk, student_id, subject.pk, 1)), tx_count)
                    item["hk2"] = _term_input(scores.get((cg.pk, student_id, subject.pk, 2)), tx_count)
                    if year and subject.code in year.retests:
                        item["retest"] = _number(year.retests[subject.code])
                subject_inputs.append(item)
            h1, h2 = homeroom.get((cg.pk, student_id, 1)), homeroom.get((cg.pk, student_id, 2))
            conduct = {"hk1": h1.conduct if h1 else None, "hk2": h2.conduct if h2 else None}
            if year and year.summer_conduct:
                conduct["summer"] = year.summer_conduct
            absences = sum((h.absent_excused + h.absent_unexcused) for h in (h1, h2) if h)
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
    for start in range(0, len(class_ids), BATCH_CLASSES):
        batch = list(ClassGroup.objects.filter(pk__in=class_ids[start:start + BATCH_CLASSES]))
        inputs = build_inputs(batch)
        rows = []
        for cg in batch:
            for student_id, student in inputs[cg.pk]:
                given = _for_period(student, period)
                result = assessment.assess_json(given)
                learning, conduct, outcome = _pick(result, period)
                error = result.get("error", "")
                if error:
                    report.failed += 1
                    report.errors.append(f"{cg.name}, học sinh #{student_id}: {error}")
                rows.append(StudentResult(class_group=cg, student_id=student_id, period=period, inputs=student,
                                          outputs=result, learning=learning, conduct=conduct, outcome=outcome,
                                          error=error, engine=ENGINE, computed_at=now))
                report.students += 1
        with transaction.atomic():
            StudentResult.objects.filter(class_group_id__in=[c.pk for c in batch], period=period).delete()
            StudentResult.objects.bulk_create(rows, batch_size=1000)
        if progress:
            progress(report.students, report.failed)
    if class_ids:
        audit_record(actor=by, action=f"gradebook:close:{period}", object_type="classes",
                     object_id=class_ids[0] if len(class_ids) == 1 else f"{len(class_ids)} lớp",
                     after={"students": report.students, "failed": report.failed})
    return report


__all__ = ["close_classes", "build_inputs", "sheet_shape"]

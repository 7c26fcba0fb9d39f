"""Reads of the gradebook: a sheet in a fixed number of queries, what is missing, a cell's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hocba.gradebook.engine import term_missing, term_result
from hocba.gradebook.locks import edit_status
from hocba.gradebook.models import HomeroomTermEntry, ScoreChange, StudentResult, SubjectTermScore
from hocba.gradebook.sheet import SheetShape, sheet_shape
from hocba.gradebook.values import display
from hocba.org.models import ClassGroup, Subject, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student


@dataclass
class SheetRow:
    number: int
    student_id: int
    full_name: str
    birth_date: object
    cells: dict[str, str | None]  # canonical values
    comment: str
    average: str | None  # canonical, None while incomplete
    average_missing: str = ""  # why ``average`` is None, in Vietnamese ("Chưa đủ điểm: thiếu TX4 …")

    def shown(self, name: str) -> str:
        return display(self.cells.get(name))


@dataclass
class Sheet:
    class_group: ClassGroup
    subject: Subject
    term: int
    shape: SheetShape
    rows: list[SheetRow]
    blocked: str | None = None
    open_until: str = ""  # after the deadline, under the principal's permission: until when and why
    teacher_name: str = ""
    missing: dict[str, list[str]] = field(default_factory=dict)


def _enrolled(class_group: ClassGroup):
    return list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                .select_related("student").order_by("student__sort_name", "student_id"))


def sheet_get(*, class_group: ClassGroup, subject: Subject, term: int) -> Sheet:
    shape = sheet_shape(class_group=class_group, subject=subject)
    stored = {r.student_id: r for r in SubjectTermScore.objects.filter(class_group=class_group, subject=subject,
                                                                        term=term)}
    rows = []
    for n, enrolment in enumerate(_enrolled(class_group), start=1):
        r = stored.get(enrolment.student_id)
        tx = list(r.tx) if r else []
        cells = {f"tx{i}": (tx[i - 1] if i <= len(tx) else None) for i in range(1, shape.tx_count + 1)}
        cells["gk"] = r.gk if r else None
        cells["ck"] = r.ck if r else None
        tx_cells = [cells[f"tx{i}"] for i in range(1, shape.tx_count + 1)]
        average = term_result(shape.mode, tx_cells, cells["gk"], cells["ck"], shape.tx_count)
        missing = shape.missing_text(term_missing(tx_cells, cells["gk"], cells["ck"], shape.tx_count))
        rows.append(SheetRow(number=n, student_id=enrolment.student_id, full_name=enrolment.student.full_name,
                             birth_date=enrolment.student.birth_date, cells=cells,
                             comment=r.comment if r else "", average=average, average_missing=missing))
    ta = TeachingAssignment.objects.filter(class_group=class_group, subject=subject).select_related("teacher").first()
    blocked, open_until = edit_status(class_group=class_group, term=term, subject_id=subject.pk)
    return Sheet(class_group=class_group, subject=subject, term=term, shape=shape, rows=rows, blocked=blocked,
                 open_until=open_until, teacher_name=ta.teacher.full_name if ta else "")


def sheet_missing(*, class_group: ClassGroup, subject: Subject, term: int) -> dict[str, list[str]]:
    """Students whose cells are not all entered: {"Nguyễn Văn An": ["TX2", "CK"]}."""
    sheet = sheet_get(class_group=class_group, subject=subject, term=term)
    out: dict[str, list[str]] = {}
    for row in sheet.rows:
        empty = [h for f, h in zip(sheet.shape.fields, sheet.shape.headers, strict=True) if row.cells.get(f) is None]
        if empty:
            out[f"{row.number}. {row.full_name}"] = empty
    return out


def class_subjects(*, class_group: ClassGroup) -> list[TeachingAssignment]:
    return list(TeachingAssignment.objects.filter(class_group=class_group).select_related("subject", "teacher")
                .order_by("subject__display_order"))


def class_progress(*, class_group: ClassGroup, term: int) -> list[dict]:
    """Per subject: teacher, cells entered / expected, finalised — who has not finished entering yet."""
    from hocba.gradebook.models import GradebookLock, LockLevel

    n_students = Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES).count()
    finalised = set(GradebookLock.objects.filter(class_group=class_group, term=term, level=LockLevel.SUBJECT)
                    .values_list("subject_id", flat=True))
    rows = {}
    for r in SubjectTermScore.objects.filter(class_group=class_group, term=term).values("subject_id", "tx", "gk",
                                                                                          "ck"):
        filled = sum(1 for v in r["tx"] if v is not None) + (r["gk"] is not None) + (r["ck"] is not None)
        rows[r["subject_id"]] = rows.get(r["subject_id"], 0) + filled
    out = []
    for ta in class_subjects(class_group=class_group):
        shape = sheet_shape(class_group=class_group, subject=ta.subject)
        expected = n_students * (shape.tx_count + 2)
        out.append({"subject": ta.subject, "teacher": ta.teacher, "filled": min(rows.get(ta.subject_id, 0), expected),
                    "expected": expected, "finalised": ta.subject_id in finalised})
    return out


def class_term_missing(*, class_group: ClassGroup, term: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in class_progress(class_group=class_group, term=term):
        if not p["finalised"]:
            out.setdefault("Môn chưa chốt điểm", []).append(f"{p['subject'].name} ({p['teacher'].full_name})")
    entered = set(HomeroomTermEntry.objects.filter(class_group=class_group, term=term).exclude(conduct="")
                  .values_list("student_id", flat=True))
    for e in _enrolled(class_group):
        if e.student_id not in entered:
            out.setdefault("Chưa có kết quả rèn luyện", []).append(e.student.full_name)
    return out


def homeroom_sheet(*, class_group: ClassGroup, term: int) -> dict:
    """The homeroom page: per student conduct/comment/absences, each subject's term result, learning result."""
    enrolled = _enrolled(class_group)
    entries = {e.student_id: e for e in HomeroomTermEntry.objects.filter(class_group=class_group, term=term)}
    subjects = class_subjects(class_group=class_group)
    shapes = {ta.subject_id: sheet_shape(class_group=class_group, subject=ta.subject) for ta in subjects}
    results: dict[tuple[int, int], str | None] = {}
    for r in SubjectTermScore.objects.filter(class_group=class_group, term=term):
        shape = shapes.get(r.subject_id)
        if shape:
            results[(r.student_id, r.subject_id)] = term_result(shape.mode, r.tx[: shape.tx_count], r.gk, r.ck,
                                                                shape.tx_count)
    period = "hk1" if term == 1 else "hk2"
    learning = {s: lv for s, lv in StudentResult.objects.filter(class_group=class_group, period=period)
                .values_list("student_id", "learning")}
    rows = []
    for n, e in enumerate(enrolled, start=1):
        entry = entries.get(e.student_id)
        rows.append({
            "number": n, "student": e.student, "entry": entry,
            "conduct": entry.conduct if entry else "", "comment": entry.comment if entry else "",
            "absent_excused": entry.absent_excused if entry else 0,
            "absent_unexcused": entry.absent_unexcused if entry else 0,
            "subjects": [display(results.get((e.student_id, ta.subject_id))) for ta in subjects],
            "learning": learning.get(e.student_id, ""),
        })
    return {"rows": rows, "subjects": subjects, "progress": class_progress(class_group=class_group, term=term)}


@dataclass(frozen=True)
class Staleness:
    """How a class's stored results for a period stand against its scores: when the last closing ran, each
    student's result time, and the students with a score changed since their own result was computed (a
    correction after closing)."""

    changed: list[Student]
    computed: dict[int, dt.datetime] = field(default_factory=dict)  # student id → when their result was computed

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the last closing of the period ran (None: never)."""
        return max(self.computed.values(), default=None)


def results_staleness(*, class_group: ClassGroup, period: str) -> Staleness:
    """The snapshots of ``period`` (hk1, hk2, year) against the score rows they were computed from."""
    computed = dict(StudentResult.objects.filter(class_group=class_group, period=period)
                    .values_list("student_id", "computed_at"))
    if not computed:
        return Staleness([])
    terms = {"hk1": (1,), "hk2": (2,), "year": (1, 2)}[period]
    changed_ids = {student_id for student_id, at in SubjectTermScore.objects.filter(
        class_group=class_group, term__in=terms, updated_at__isnull=False).values_list("student_id", "updated_at")
        if student_id in computed and at > computed[student_id]}
    changed = sorted(Student.objects.filter(pk__in=changed_ids), key=lambda s: (s.sort_name, s.pk))
    return Staleness(changed, computed)


def cell_history(*, class_group: ClassGroup, subject: Subject, term: int, student_id: int, field: str) -> list:
    return list(ScoreChange.objects.filter(row__class_group=class_group, row__subject=subject, row__term=term,
                                           row__student_id=student_id, field=field).order_by("-at", "-id"))

"""Reads of the homeroom teacher's year page (trang chủ nhiệm cả năm), in a fixed number of queries.

Cả năm: the whole school year. After the year's closing each student has a result snapshot
(``StudentResult``, period ``year``); a student whose year conduct is Chưa đạt does summer training
(rèn luyện trong kì nghỉ hè) and is re-evaluated by the GVCN (giáo viên chủ nhiệm, the homeroom
teacher); a student whose year learning is Chưa đạt is re-tested (kiểm tra lại) in the subjects with
ĐTBmcn (the subject's year average) below 5,0 or a comment subject Chưa đạt (Điều 12–14 of Circular
22, see ``hocba.assessment.tt22``). The page reads from that snapshot, as the engine wrote it, the year
results, the outcome and whether the student is re-evaluated at all (learning or conduct Chưa đạt, absences
within ``tt22.MAX_ABSENCES``). The snapshot does not list the re-test subjects (its ``subjects`` give each
subject's values, not whether it is a candidate), so the page derives them from those year values with the
engine's own threshold (``tt22.RETEST_BELOW``, compared in tenths as the engine does): see ``_is_candidate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hocba.assessment import tt22
from hocba.assessment.engine import COMMENT_TEXT
from hocba.gradebook.models import Period, StudentResult, YearEntry
from hocba.gradebook.selectors import class_subjects
from hocba.gradebook.values import display
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student

#: The engine's promotion outcomes (``tt22``) as the page shows them.
OUTCOME_LABELS = {
    tt22.PROMOTED: "Lên lớp",
    tt22.RETAINED: "Ở lại lớp",
    tt22.PENDING_RETEST: "Chờ kiểm tra lại",
    tt22.PENDING_SUMMER: "Chờ rèn luyện hè",
    tt22.PENDING_BOTH: "Chờ kiểm tra lại và rèn luyện hè",
}
#: The last grade of a level (THCS, THPT): there the học bạ records completing the programme, not promotion.
FINAL_GRADES = (9, 12)
CHUA_DAT = "Chưa đạt"


def outcome_label(outcome: str, *, grade: int, reassessed: bool = False) -> str:
    """"Lên lớp", "Ở lại lớp", "Chờ kiểm tra lại" …; in a final grade "Hoàn thành chương trình" for a
    student who would be promoted; "(sau đánh giá lại)" when a re-test or the summer re-evaluation decided."""
    if outcome == tt22.PROMOTED and grade in FINAL_GRADES:
        label = "Hoàn thành chương trình"
    else:
        label = OUTCOME_LABELS.get(outcome, outcome)
    if reassessed and outcome in (tt22.PROMOTED, tt22.RETAINED):
        label += " (sau đánh giá lại)"
    return label


@dataclass(frozen=True)
class RetestSlot:
    """One subject a student may be re-tested in: its year value and the re-test result entered so far."""

    code: str
    name: str
    mode: str  # "score" or "comment"
    year_value: str  # shown ("4,3", "CĐ")
    value: str  # shown ("6,5", "Đ") or ""


@dataclass
class YearRow:
    number: int
    student: Student
    version: int
    comment: str
    certificates: str
    competitions: str
    other_awards: str
    summer_conduct: str
    retests: list[RetestSlot] = field(default_factory=list)
    has_result: bool = False
    learning_year: str = ""  # year learning, before any re-evaluation
    conduct_year: str = ""
    learning_after: str = ""  # after the re-test ("" until one is entered)
    conduct_after: str = ""  # after the summer re-evaluation
    outcome: str = ""
    outcome_label: str = ""
    error: str = ""
    explanation: list[str] = field(default_factory=list)
    needs_summer: bool = False
    signed: bool = False  # the student's học bạ of the year is being signed or signed

    @property
    def needs_retest(self) -> bool:
        return bool(self.retests)

    @property
    def pending(self) -> bool:
        return self.outcome.startswith("pending")


@dataclass
class YearSheet:
    class_group: ClassGroup
    rows: list[YearRow]
    closed_at: dt.datetime | None  # when the year was last closed (None: not yet)

    @property
    def pending_count(self) -> int:
        return sum(1 for r in self.rows if r.pending)


def signed_student_ids(*, class_group: ClassGroup, student_ids: list[int] | None = None) -> set[int]:
    """Students of the class whose current học bạ version of the year is being signed or is signed: their
    year facts are in a signed document and stay as they are (a correction is a new version)."""
    from hocba.records.models import RecordStatus, YearRecord

    records = YearRecord.objects.filter(class_group=class_group,
                                        current_version__status__in=[RecordStatus.SIGNING, RecordStatus.SEALED])
    if student_ids is not None:
        records = records.filter(student_id__in=student_ids)
    return set(records.values_list("student_id", flat=True))


def _is_candidate(mode: str, year_value) -> bool:
    """Điều 13/14, as ``tt22._retest`` decides it: a scored subject whose ĐTBmcn in tenths is below
    ``tt22.RETEST_BELOW``, a comment subject Chưa đạt (``COMMENT_TEXT[False]`` in the snapshot)."""
    if mode == "score":
        return isinstance(year_value, int | float) and round(year_value * 10) < tt22.RETEST_BELOW
    return year_value == COMMENT_TEXT[False]


def _shown(value) -> str:
    if isinstance(value, int | float):
        return display(f"{value:.1f}")
    return str(value or "")


def year_sheet(*, class_group: ClassGroup) -> YearSheet:
    """Every active student (Vietnamese order) with their year result, their year entry and, where their
    result calls for it, the summer re-evaluation and the re-test subjects."""
    enrolled = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                    .select_related("student").order_by("student__sort_name", "student_id"))
    results = {r.student_id: r for r in StudentResult.objects.filter(class_group=class_group, period=Period.YEAR)}
    entries = {e.student_id: e for e in YearEntry.objects.filter(class_group=class_group)}
    subjects = {ta.subject.name: ta.subject for ta in class_subjects(class_group=class_group)}
    signed = signed_student_ids(class_group=class_group)
    rows = []
    for n, enrolment in enumerate(enrolled, start=1):
        sid = enrolment.student_id
        entry = entries.get(sid)
        row = YearRow(number=n, student=enrolment.student, version=entry.version if entry else 0,
                      comment=entry.homeroom_comment if entry else "",
                      certificates=entry.certificates if entry else "",
                      competitions=entry.competitions if entry else "",
                      other_awards=entry.other_awards if entry else "",
                      summer_conduct=entry.summer_conduct if entry else "", signed=sid in signed)
        result = results.get(sid)
        if result is not None:
            _read_result(row, result, subjects, entry.retests if entry else {}, class_group.grade)
        rows.append(row)
    closed_at = max((r.computed_at for r in results.values()), default=None)
    return YearSheet(class_group=class_group, rows=rows, closed_at=closed_at)


def _read_result(row: YearRow, result: StudentResult, subjects: dict, retests: dict, grade: int) -> None:
    row.has_result = True
    row.error = result.error
    if result.error:
        return
    outputs = result.outputs or {}
    learning, conduct = outputs.get("learning", {}), outputs.get("conduct", {})
    row.learning_year, row.conduct_year = learning.get("cn", ""), conduct.get("cn", "")
    row.learning_after, row.conduct_after = learning.get("after_retest", ""), conduct.get("after_summer", "")
    row.outcome = result.outcome
    row.outcome_label = outcome_label(result.outcome, grade=grade,
                                      reassessed=bool(row.learning_after or row.conduct_after))
    row.explanation = list(outputs.get("explanation", []))
    over_absent = (result.inputs or {}).get("absences", 0) > tt22.MAX_ABSENCES  # retained whatever else
    if over_absent:
        return
    row.needs_summer = row.conduct_year == CHUA_DAT
    if row.learning_year == CHUA_DAT:
        for name, values in outputs.get("subjects", {}).items():
            subject = subjects.get(name)
            if subject is not None and _is_candidate(subject.mode, values.get("cn")):
                row.retests.append(RetestSlot(code=subject.code, name=name, mode=subject.mode,
                                              year_value=_shown(values.get("cn")),
                                              value=display(retests.get(subject.code))))


def row_with_typed(row: YearRow, changes: dict) -> None:
    """Show in a refused row what its author typed (as typed), so that they correct it rather than retype it."""
    row.comment = changes.get("homeroom_comment", row.comment)
    row.certificates = changes.get("certificates", row.certificates)
    row.competitions = changes.get("competitions", row.competitions)
    row.other_awards = changes.get("other_awards", row.other_awards)
    row.summer_conduct = changes.get("summer_conduct", row.summer_conduct)
    typed = changes.get("retests")
    if typed is not None:
        row.retests = [RetestSlot(code=s.code, name=s.name, mode=s.mode, year_value=s.year_value,
                                  value=str(typed.get(s.code, ""))) for s in row.retests]

"""Chuyển lớp trong trường: what moves with a student to another class of the school, and what refuses it.

A student's gradebook rows are keyed by class (:class:`SubjectTermScore`, :class:`HomeroomTermEntry`,
:class:`YearEntry`): moving the enrolment alone would leave the marks, conduct and absences in the old class, and
the new class's closing would find no term-I marks. :func:`hocba.gradebook.services.student_class_move` carries
them along; this module holds the rules it shares with its page (:func:`student_move_plan`): what would move, and
why a move is refused, in Vietnamese. Exemptions (miễn học) are per student and year, with no class: they stay.

A move is refused, naming what blocks, when

* the student already has results of the year (:class:`StudentResult`) or a học bạ of the year (``records``'
  YearRecord, reached through its relation name ``year_records``: the gradebook does not import ``records``) —
  both are tied to the class they were made in;
* a closing of the school (or the city) is running: it has read the old class already;
* a term the student has rows in is locked in either class, the way the grid decides a cell is locked
  (:func:`hocba.gradebook.locks.status_of`: the school's or the class's lock of the term, the subject's, the
  data-entry deadline without the principal's permission);
* the student has marks in a subject the new class does not teach (the homeroom teacher decides first);
* the new class already holds rows of the student (left there by an earlier enrolment: never overwritten).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from hocba.core.dates import format_vn_date
from hocba.gradebook.locks import entry_deadline, grant_for
from hocba.gradebook.models import (
    ClosingRun,
    EditGrant,
    GradebookLock,
    HomeroomTermEntry,
    LockLevel,
    Period,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.org.models import ClassGroup, Subject, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student

TERM_NAMES = {1: "Học kì I", 2: "Học kì II"}
HOMEROOM = "rèn luyện, chuyên cần"
Blockers = dict[str, list[str]]


def has_marks(row: SubjectTermScore) -> bool:
    """Does the row hold anything a teacher entered (a score, a level, a comment)?"""
    return (any(v not in (None, "") for v in row.tx) or row.gk not in (None, "") or row.ck not in (None, "")
            or bool(row.comment))


def filled_cells(row: SubjectTermScore) -> dict[str, str]:
    """The row's cells that hold a value, by name (``tx1``…, ``gk``, ``ck``, ``comment``)."""
    cells = {f"tx{i}": v for i, v in enumerate(row.tx, start=1) if v not in (None, "")}
    cells.update({name: value for name, value in (("gk", row.gk), ("ck", row.ck), ("comment", row.comment))
                  if value not in (None, "")})
    return cells


@dataclass
class StudentRows:
    """A student's gradebook rows in one class: what a move carries to the new class."""

    scores: list[SubjectTermScore]
    homeroom: list[HomeroomTermEntry]
    years: list[YearEntry]

    @classmethod
    def read(cls, *, class_group: ClassGroup, student_id: int, lock: bool = False) -> StudentRows:
        """The rows, locked (``SELECT … FOR UPDATE``, in id order) when ``lock``. ``order_by("pk")`` replaces the
        models' default ordering, whose joins would lock the class, subject and student rows too."""
        def rows(model):
            qs = model.objects.filter(class_group=class_group, student_id=student_id).order_by("pk")
            return list(qs.select_for_update() if lock else qs)

        return cls(rows(SubjectTermScore), rows(HomeroomTermEntry), rows(YearEntry))

    def needs(self) -> dict[int, set[int | None]]:
        """term → the subjects whose rows move that term (None: the homeroom entry), for the lock rules."""
        out: dict[int, set[int | None]] = {}
        for row in self.scores:
            out.setdefault(row.term, set()).add(row.subject_id)
        for entry in self.homeroom:
            out.setdefault(entry.term, set()).add(None)
        return out

    def marked_subject_ids(self) -> set[int]:
        return {row.subject_id for row in self.scores if has_marks(row)}


@dataclass(frozen=True)
class TermMoves:
    """What moves of one term, as the page counts it."""

    term: int
    name: str
    subjects: int  # subjects with something entered
    cells: int  # cells entered (ĐĐGtx, ĐĐGgk, ĐĐGck, comments)
    conduct: str
    absent_excused: int | None  # None: no homeroom entry
    absent_unexcused: int | None


def term_moves(rows: StudentRows) -> list[TermMoves]:
    out = []
    for term, name in TERM_NAMES.items():
        scores = [r for r in rows.scores if r.term == term and has_marks(r)]
        entry = next((e for e in rows.homeroom if e.term == term), None)
        out.append(TermMoves(term=term, name=name, subjects=len(scores),
                             cells=sum(len(filled_cells(r)) for r in scores),
                             conduct=entry.conduct if entry else "",
                             absent_excused=entry.absent_excused if entry else None,
                             absent_unexcused=entry.absent_unexcused if entry else None))
    return out


# --- refusals ---------------------------------------------------------------------------------------------------

def target_mismatch(*, student: Student, source: ClassGroup, target: ClassGroup) -> str | None:
    """Why ``target`` is no class to move the student to from ``source`` (None: it is one)."""
    if target.school_id != source.school_id:
        return (f"Lớp {target.name} thuộc {target.school.name}, không phải trường của học sinh "
                f"({source.school.name}). Sang trường khác là chuyển trường (chuyển đi, chuyển đến), không phải "
                "chuyển lớp.")
    if target.school_year_id != source.school_year_id:
        return (f"Lớp {target.name} thuộc năm học {target.school_year.name}; {student.full_name} đang học năm học "
                f"{source.school_year.name}: chỉ chuyển được sang lớp của cùng năm học.")
    if target.grade != source.grade:
        return (f"Lớp {target.name} là lớp khối {target.grade}; {student.full_name} đang học lớp {source.name} "
                f"(khối {source.grade}): chỉ chuyển được sang lớp cùng khối.")
    if target.pk == source.pk:
        return f"{student.full_name} đang học lớp {source.name} rồi: hãy chọn một lớp khác."
    return None


def source_blockers(*, student: Student, source: ClassGroup, rows: StudentRows,
                    now: dt.datetime | None = None) -> Blockers:
    """What refuses any move of the student out of ``source``, whatever the new class (empty: nothing)."""
    now = now or timezone.now()
    out: Blockers = {}
    order = list(Period.values)
    results: dict[str, list[str]] = {}
    for period, class_name in sorted(StudentResult.objects.filter(
            student=student, class_group__school_year_id=source.school_year_id).values_list("period",
                                                                                             "class_group__name"),
            key=lambda found: order.index(found[0]) if found[0] in order else len(order)):
        results.setdefault(class_name, []).append(str(Period(period).label) if period in order else period)
    if results:
        done = "; ".join(f"{', '.join(names)} (lớp {cls})" for cls, names in results.items())
        out["Đã tổng kết"] = [f"học sinh đã có kết quả {done}. Kết quả đã tính gắn với lớp đó, nên chỉ chuyển lớp "
                              "được trước khi tổng kết."]
    record_class = (Student.objects.filter(pk=student.pk, year_records__school_year_id=source.school_year_id)
                    .values_list("year_records__class_group__name", flat=True).first())
    if record_class:
        out["Đã lập học bạ"] = [f"học bạ năm học {source.school_year.name} của học sinh đã được lập (lớp "
                                f"{record_class}) và ghi lớp đó."]
    running = ClosingRun.objects.filter(school_year_id=source.school_year_id).filter(
        Q(school_id=source.school_id) | Q(school__isnull=True)).blocking()
    if running.exists():
        out["Đang tổng kết"] = ["đang có lượt tổng kết chạy cho trường (hoặc toàn thành phố); hãy chuyển lớp khi "
                                "lượt tổng kết xong."]
    school_terms, per_class = lock_reasons(class_groups=[source], needs=rows.needs(), now=now)
    if school_terms:
        out["Khoá sổ toàn trường"] = [f"{', '.join(school_terms)} (muốn chuyển lớp, Hiệu trưởng mở khoá, kèm lý "
                                      "do)."]
    out.update(_class_locks(source, per_class.get(source.pk)))
    return out


def target_blockers(*, student: Student, source: ClassGroup, targets: list[ClassGroup], rows: StudentRows,
                    now: dt.datetime | None = None) -> dict[int, Blockers]:
    """class id → what refuses moving the student from ``source`` into that class (empty: nothing), for many
    classes in a few queries (the page's list of classes)."""
    now = now or timezone.now()
    out: dict[int, Blockers] = {t.pk: {} for t in targets}
    if not targets:
        return out
    _school_terms, per_class = lock_reasons(class_groups=targets, needs=rows.needs(), now=now)
    taught: dict[int, set[int]] = {t.pk: set() for t in targets}
    for class_id, subject_id in TeachingAssignment.objects.filter(class_group__in=targets).values_list(
            "class_group_id", "subject_id"):
        taught[class_id].add(subject_id)
    marked = rows.marked_subject_ids()
    names = subject_names({r.subject_id for r in rows.scores})
    present = _rows_present(student, targets, names)
    for target in targets:
        blockers = out[target.pk]
        blockers.update(_class_locks(target, per_class.get(target.pk)))
        missing = sorted(marked - taught[target.pk], key=lambda s: names[s])
        if missing:
            blockers[f"Lớp {target.name} không học"] = [
                f"{', '.join(names[s] for s in missing)}: học sinh đã có điểm ở lớp {source.name}. Giáo viên chủ "
                f"nhiệm cần quyết định trước: xoá điểm các môn này ở lớp {source.name}, hoặc đề nghị phân công dạy "
                f"môn ở lớp {target.name}."]
        if present.get(target.pk):
            blockers[f"Lớp {target.name} đã có dữ liệu của học sinh"] = [
                f"{', '.join(present[target.pk])} (còn lại từ lần học trước ở lớp này). Cần kiểm tra trước khi "
                "chuyển: chuyển lớp không ghi đè dữ liệu đã có."]
    return out


def _class_locks(class_group: ClassGroup, lines: list[str] | None) -> Blockers:
    if not lines:
        return {}
    return {f"Sổ điểm lớp {class_group.name} đang khoá": [*lines[:-1], lines[-1] + " (muốn chuyển lớp, Hiệu trưởng "
                                                         "mở khoá hoặc cho phép sửa sau hạn, kèm lý do)"]}


def _named(subjects: list[str], *, every: bool = False) -> str:
    """"môn Toán, Ngữ văn" for a few subjects, "12 môn" (or "cả 12 môn") for many: a line a person reads whole."""
    if len(subjects) <= 3:
        return f"môn {', '.join(subjects)}"
    return f"cả {len(subjects)} môn" if every else f"{len(subjects)} môn"


def subject_names(ids) -> dict[int, str]:
    return dict(Subject.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def _rows_present(student: Student, targets: list[ClassGroup], names: dict[int, str]) -> dict[int, list[str]]:
    """class id → the student's rows already in that class, in words ("Toán (Học kì I)", …)."""
    out: dict[int, list[str]] = {}
    for class_id, subject_id, subject_name, term in (
            SubjectTermScore.objects.filter(class_group__in=targets, student=student)
            .order_by("subject__display_order", "term").values_list("class_group_id", "subject_id", "subject__name",
                                                                    "term")):
        out.setdefault(class_id, []).append(f"điểm môn {names.get(subject_id, subject_name)} ({TERM_NAMES[term]})")
    for class_id, term in (HomeroomTermEntry.objects.filter(class_group__in=targets, student=student)
                           .order_by("term").values_list("class_group_id", "term")):
        out.setdefault(class_id, []).append(f"{HOMEROOM} {TERM_NAMES[term]}")
    for class_id in YearEntry.objects.filter(class_group__in=targets, student=student).values_list("class_group_id",
                                                                                                   flat=True):
        out.setdefault(class_id, []).append("thông tin cả năm")
    return out


def lock_reasons(*, class_groups: list[ClassGroup], needs: dict[int, set[int | None]],
                 now: dt.datetime) -> tuple[list[str], dict[int, list[str]]]:
    """Why the rows of ``needs`` (term → subject ids, None for the homeroom entry) may not change in these classes of
    one school, year and grade: (the terms the school has locked, class id → the other reasons, one line each).

    The grid's rule (:func:`hocba.gradebook.locks.status_of`) per term and subject: a lock of the school, the class
    or the subject wins; else, after the data-entry deadline, the principal's permission must cover the sheet.
    """
    if not class_groups or not needs:
        return [], {}
    first = class_groups[0]
    held = set(GradebookLock.objects.filter(
        Q(level=LockLevel.SCHOOL) | Q(class_group__in=class_groups), school_id=first.school_id,
        school_year_id=first.school_year_id, term__in=list(needs)).values_list("level", "class_group_id",
                                                                             "subject_id", "term"))
    school_terms = [TERM_NAMES[t] for t in sorted(needs) if (LockLevel.SCHOOL, None, None, t) in held]
    deadline = entry_deadline(first.school_year_id, first.grade)
    late = deadline is not None and timezone.localtime(now).date() > deadline
    grants = list(EditGrant.objects.filter(school_id=first.school_id, expires_at__gt=now)) if late else []
    names = subject_names({s for subjects in needs.values() for s in subjects if s is not None})

    def label(subject_id: int | None) -> str:
        return names.get(subject_id, "") if subject_id is not None else HOMEROOM

    out: dict[int, list[str]] = {}
    for cg in class_groups:
        lines: list[str] = []
        uncovered: list[int | None] = []
        for term in sorted(needs):
            if (LockLevel.SCHOOL, None, None, term) in held:
                continue  # said once for the school
            if (LockLevel.CLASS, cg.pk, None, term) in held:
                lines.append(f"{TERM_NAMES[term]}: giáo viên chủ nhiệm đã khoá sổ lớp")
                continue
            finalised = sorted((s for s in needs[term] if s is not None
                                and (LockLevel.SUBJECT, cg.pk, s, term) in held), key=label)
            if finalised:
                every = len(finalised) == len([s for s in needs[term] if s is not None])
                lines.append(f"{TERM_NAMES[term]}: giáo viên bộ môn đã chốt điểm "
                             f"{_named([label(s) for s in finalised], every=every)}")
            if late:
                uncovered += [s for s in needs[term] if s not in finalised and s not in uncovered
                              and grant_for(grants, cg, s) is None]
        if uncovered:
            wanted = {s for subjects in needs.values() for s in subjects}
            late_line = (f"đã quá hạn nhập dữ liệu ({format_vn_date(deadline)}) mà Hiệu trưởng chưa cho phép sửa "
                         "sau hạn")
            if len(uncovered) < len(wanted):  # some are allowed: name the others
                marks = sorted(label(s) for s in uncovered if s is not None)
                late_line += (": " + ", ".join(filter(None, [_named(marks) if marks else "",
                                                            HOMEROOM if None in uncovered else ""])))
            lines.append(late_line)
        if lines:
            out[cg.pk] = lines
    return school_terms, out


# --- the page ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MoveTarget:
    """A class the student could move to: its name, homeroom teacher, size, and what refuses the move (if any)."""

    class_group: ClassGroup
    homeroom_name: str
    students: int
    blockers: Blockers = field(default_factory=dict)


@dataclass(frozen=True)
class MovePlan:
    """The move page of one student: where they are, what would move, what refuses it and where they could go."""

    student: Student
    source: ClassGroup
    source_students: int
    terms: list[TermMoves]
    year_entry: bool
    rows: int  # rows that move (score rows, homeroom entries, year entries)
    blockers: Blockers  # whatever the new class
    targets: list[MoveTarget]

    @property
    def open_targets(self) -> list[MoveTarget]:
        return [t for t in self.targets if not t.blockers]


def student_enrolment(*, student: Student) -> Enrolment | None:
    """The student's active enrolment of the current school year, with its class, school and year."""
    return (Enrolment.objects.filter(student=student, status__in=ACTIVE_STATUSES,
                                     class_group__school_year__is_current=True)
            .select_related("class_group__school", "class_group__school_year", "class_group__homeroom_teacher")
            .order_by().first())


def student_move_plan(*, student: Student, source: ClassGroup, now: dt.datetime | None = None) -> MovePlan:
    """Everything the move page shows, in a fixed number of queries (whatever the school's size)."""
    now = now or timezone.now()
    rows = StudentRows.read(class_group=source, student_id=student.pk)
    classes = list(ClassGroup.objects.filter(school_id=source.school_id, school_year_id=source.school_year_id,
                                             grade=source.grade)
                   .select_related("homeroom_teacher", "school", "school_year")
                   .annotate(n_students=Count("enrolments", filter=Q(enrolments__status__in=ACTIVE_STATUSES)))
                   .order_by("name"))
    source_students = next((c.n_students for c in classes if c.pk == source.pk), 0)
    classes = [c for c in classes if c.pk != source.pk]
    per_target = target_blockers(student=student, source=source, targets=classes, rows=rows, now=now)
    return MovePlan(
        student=student, source=source, source_students=source_students, terms=term_moves(rows),
        year_entry=bool(rows.years),
        rows=len(rows.scores) + len(rows.homeroom) + len(rows.years),
        blockers=source_blockers(student=student, source=source, rows=rows, now=now),
        targets=[MoveTarget(class_group=c, students=c.n_students, blockers=per_target[c.pk],
                            homeroom_name=c.homeroom_teacher.full_name if c.homeroom_teacher else "")
                 for c in classes])

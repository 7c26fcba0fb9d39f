"""Every write to the gradebook: one cell, a whole imported sheet, the homeroom entries, locks.

All writes check the author's scope, the locks and the data-entry deadline, run in one
transaction, keep each cell's history and add an audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.core.errors import DomainError, PermissionDeniedError, StaleWriteError
from hocba.core.models import AuditEntry
from hocba.core.permissions import has_any
from hocba.gradebook import import_merge, moves
from hocba.gradebook import permissions as perms
from hocba.gradebook.locks import edit_block_reason
from hocba.gradebook.models import (
    ClosingRun,
    EditGrant,
    GradebookLock,
    HomeroomTermEntry,
    LockLevel,
    Period,
    ScoreChange,
    Source,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.gradebook.sheet import SheetShape, sheet_shape
from hocba.gradebook.values import CellError, display, parse_cell, parse_conduct, parse_count
from hocba.org.models import ClassGroup, SchoolYear, Subject, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student

HOMEROOM_FIELDS = ("conduct", "comment", "absent_excused", "absent_unexcused")
FIELD_NAMES = {"gk": "giữa kì", "ck": "cuối kì", "comment": "nhận xét", "conduct": "rèn luyện",
               "absent_excused": "nghỉ có phép", "absent_unexcused": "nghỉ không phép"}


def field_label(field: str) -> str:
    return f"TX{field[2:]}" if field.startswith("tx") else FIELD_NAMES.get(field, field)


@dataclass(frozen=True)
class CellSaved:
    field: str
    value: str | None
    shown: str
    row_version: int
    average: str  # the term average as shown ("7,8") or "" while incomplete
    average_missing: str = ""  # why it is "", in Vietnamese ("Chưa đủ điểm: thiếu TX4 (cần 4 ĐĐGtx, GK và CK)")


def _active_student_ids(class_group: ClassGroup) -> set[int]:
    return set(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
               .values_list("student_id", flat=True))


def _not_in_class(class_group: ClassGroup, student_id: int) -> DomainError:
    """Why a student's row of this class is not saved: the student is not (or no longer) in it — moved out of it to
    another class of the school (:func:`student_class_move`, named: the page was opened before the move), or never
    there (a student of another class, or of another school, is not named)."""
    moved_out = any((entry or {}).get("class") == class_group.name for entry in AuditEntry.objects.filter(
        action="gradebook:student:move", object_type="student", object_id=str(student_id),
        school_id=class_group.school_id).values_list("before", flat=True))
    now_in = (Enrolment.objects.filter(student_id=student_id, school_year_id=class_group.school_year_id,
                                       status__in=ACTIVE_STATUSES, class_group__school_id=class_group.school_id)
              .exclude(class_group=class_group).values_list("class_group__name", flat=True).first()
              if moved_out else None)
    if now_in:
        return DomainError(f"Học sinh này đã chuyển sang lớp {now_in}; chưa lưu gì ở lớp {class_group.name}. "
                           "Hãy tải lại trang.")
    return DomainError("Học sinh không thuộc lớp này.")


def _hold_places(class_group: ClassGroup, student_ids) -> set[int]:
    """Inside a write's transaction, before touching the students' rows: lock their enrolments in the class (in
    student order) and return those no longer in it. A class move (:func:`student_class_move`) locks the same
    enrolment first, so a save either lands before the move (and moves with it) or finds the student gone — never
    a row left behind in the old class."""
    ids = sorted(set(student_ids))
    held = set(Enrolment.objects.select_for_update().filter(class_group=class_group, student_id__in=ids,
                                                            status__in=ACTIVE_STATUSES)
               .order_by("student_id").values_list("student_id", flat=True))
    return set(ids) - held


def _hold_place(class_group: ClassGroup, student_id: int) -> None:
    if _hold_places(class_group, [student_id]):
        raise _not_in_class(class_group, student_id)


def _check_editable(*, class_group: ClassGroup, subject_id: int | None, term: int) -> None:
    if term not in (1, 2):
        raise DomainError("Học kì không hợp lệ.", {"Học kì": ["Chỉ có học kì 1 hoặc 2."]})
    reason = edit_block_reason(class_group=class_group, term=term, subject_id=subject_id)
    if reason:
        raise DomainError(reason)


def term_average_shown(row: SubjectTermScore, shape: SheetShape) -> str:
    """ĐTBmhk as shown, computed by the assessment engine once every cell is entered."""
    from hocba.gradebook.engine import term_result

    value = term_result(shape.mode, row.tx[: shape.tx_count], row.gk, row.ck, shape.tx_count)
    return display(value)


def term_average_missing(row: SubjectTermScore, shape: SheetShape) -> str:
    """Why ĐTBmhk is not shown yet ("Chưa đủ điểm: thiếu TX4 (cần 4 ĐĐGtx, GK và CK)"); "" once it is."""
    from hocba.gradebook.engine import term_missing

    return shape.missing_text(term_missing(row.tx[: shape.tx_count], row.gk, row.ck, shape.tx_count))


def _set_cell(row: SubjectTermScore, field: str, value: str | None, shape: SheetShape) -> None:
    if field.startswith("tx"):
        tx = list(row.tx) + [None] * (shape.tx_count - len(row.tx))
        tx[int(field[2:]) - 1] = value
        while tx and tx[-1] is None and len(tx) > shape.tx_count:
            tx.pop()
        row.tx = tx[: max(shape.tx_count, len(row.tx))]
    elif field == "comment":
        row.comment = value or ""
    else:
        setattr(row, field, value)


def _parse(field: str, raw, shape: SheetShape) -> str | None:
    if field == "comment":
        text = " ".join(str(raw or "").split())
        if len(text) > 1000:
            raise CellError("Nhận xét dài quá 1000 ký tự.")
        return text or None
    return parse_cell(raw, shape.mode)


def score_update(*, class_group: ClassGroup, subject: Subject, student_id: int, term: int, field: str, raw,
                 expected, by, source: str = Source.GRID) -> CellSaved:
    """Save one cell. ``expected`` is the value the author last saw; a different current value is refused."""
    if not perms.may_edit_sheet(by, class_group, subject.pk):
        raise PermissionDeniedError("Chỉ giáo viên dạy môn này ở lớp này được nhập điểm.")
    shape = sheet_shape(class_group=class_group, subject=subject)
    if field not in [*shape.fields, "comment"]:
        raise DomainError(f"Ô '{field}' không có trong sổ điểm môn {subject.name}.")
    try:
        value = _parse(field, raw, shape)
        seen = _parse(field, expected, shape)
    except CellError as exc:
        raise DomainError(f"{field_label(field)}: {exc}", {field_label(field): [str(exc)]}) from exc
    if student_id not in _active_student_ids(class_group):
        raise _not_in_class(class_group, student_id)
    _check_editable(class_group=class_group, subject_id=subject.pk, term=term)
    with transaction.atomic():
        _hold_place(class_group, student_id)
        row, _ = SubjectTermScore.objects.select_for_update().get_or_create(
            class_group=class_group, subject=subject, term=term, student_id=student_id)
        current = row.cell(field)
        if current != seen:
            raise StaleWriteError(
                f"Ô {field_label(field)} vừa được người khác sửa thành '{display(current) or 'trống'}'. "
                "Giá trị của bạn chưa được lưu; hãy xem lại rồi nhập lại.",
                {"current": [display(current)]})
        if current != value:
            _set_cell(row, field, value, shape)
            row.version += 1
            row.updated_at = timezone.now()
            row.save()
            ScoreChange.objects.create(row=row, field=field, old=current, new=value, by=by,
                                       by_label=by.get_username(), at=row.updated_at, source=source)
            audit_record(actor=by, action="gradebook:score:update", object_type="score", object_id=row.pk,
                         school_id=class_group.school_id, source=source,
                         before={"field": field, "value": current}, after={"field": field, "value": value})
    return CellSaved(field=field, value=value, shown=display(value) if field != "comment" else (value or ""),
                     row_version=row.version, average=term_average_shown(row, shape),
                     average_missing=term_average_missing(row, shape))


@dataclass(frozen=True)
class CellDiff:
    """One cell of an import: ``old`` → ``new`` as stored (for a cell the import left as the system has it, because
    it changed there after the file was exported: the file's value → the system's)."""

    student_id: int
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ImportReport:
    changed_cells: int
    students: int
    changed: tuple[CellDiff, ...] = ()
    kept: tuple[CellDiff, ...] = ()


def sheet_import(*, class_group: ClassGroup, subject: Subject, term: int, rows: dict[int, dict[str, object]],
                 row_labels: dict[int, str], by, source: str = Source.IMPORT,
                 exported: dict[int, dict[str, str | None]] | None = None,
                 exported_at: dt.datetime | None = None, file_id: str = "") -> ImportReport:
    """Import a whole sheet, all or nothing: every bad cell is reported (row, column, reason).

    ``rows`` maps student id → {field: raw value}; ``row_labels`` maps student id → "dòng 7"
    (how the person finds the cell in their file). A file exported from the system protects what changed
    there since: each cell is merged by :func:`import_merge.decide` against the value the file started from
    — a cell only the system changed keeps its newer value (reported in ``kept``), and a cell changed on
    both sides refuses the whole import, naming the newer value, who set it and when. The value the file
    started from is ``exported`` (student id → field → the value written into the file, kept in its
    identification sheet), or the value the file's own last import of that cell wrote (``file_id`` names
    the file: a teacher may import, work on in the same file, and import it again). A file without
    ``exported`` (exported before the values were kept) falls back on the cells' history since
    ``exported_at``.
    """
    if not perms.may_edit_sheet(by, class_group, subject.pk):
        raise PermissionDeniedError("Chỉ giáo viên dạy môn này ở lớp này được nhập điểm.")
    shape = sheet_shape(class_group=class_group, subject=subject)
    active = _active_student_ids(class_group)
    errors: dict[str, list[str]] = {}
    parsed: dict[int, dict[str, str | None]] = {}
    for student_id, cells in rows.items():
        label = row_labels.get(student_id, str(student_id))
        if student_id not in active:
            errors.setdefault(label, []).append("Học sinh không thuộc lớp này.")
            continue
        parsed[student_id] = {}
        for field, raw in cells.items():
            if field not in [*shape.fields, "comment"]:
                errors.setdefault(label, []).append(f"Cột '{field}' không có trong sổ điểm môn này.")
                continue
            try:
                parsed[student_id][field] = _parse(field, raw, shape)
            except CellError as exc:
                errors.setdefault(f"{label}, cột {field_label(field)}", []).append(str(exc))
    if errors:
        raise DomainError("Tệp chưa được nhập: có ô không hợp lệ, chưa lưu gì.", errors)
    _check_editable(class_group=class_group, subject_id=subject.pk, term=term)
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        gone = _hold_places(class_group, parsed)
        if gone:
            raise DomainError("Tệp chưa được nhập, chưa lưu gì: có học sinh vừa chuyển khỏi lớp này.",
                              {row_labels.get(sid, str(sid)): [_not_in_class(class_group, sid).message]
                               for sid in sorted(gone)})
        # Make every row exist first, then lock them all: a concurrent import of the same sheet (or a cell saved
        # from the grid) waits for this one instead of failing on the unique constraint or being overwritten.
        SubjectTermScore.objects.bulk_create(
            [SubjectTermScore(class_group=class_group, subject=subject, term=term, student_id=sid, tx=[])
             for sid in sorted(parsed)], ignore_conflicts=True)  # one order for everyone: no deadlock
        # order_by: the model's default ordering joins class, subject and student, and FOR UPDATE would lock
        # those rows too (blocking every other write of the class); by student id only the score rows are locked.
        existing = {r.student_id: r for r in SubjectTermScore.objects.select_for_update().filter(
            class_group=class_group, subject=subject, term=term, student_id__in=list(parsed)).order_by("student_id")}
        if exported is not None:
            base = _values_in_file(existing, exported, file_id)
        else:
            since = _changes_since(existing.values(), exported_at, file_id)
            base = import_merge.values_at_export([(c.row_id, c.field, c.old) for c in since])
        history: list[ScoreChange] = []
        to_create, to_update = [], []
        pending: list[tuple[SubjectTermScore, str, str | None, str | None]] = []
        kept: list[CellDiff] = []
        conflicts: dict[str, list[str]] = {}
        for student_id, cells in parsed.items():
            row = existing.get(student_id) or SubjectTermScore(class_group=class_group, subject=subject, term=term,
                                                               student_id=student_id, tx=[])
            touched = False
            for field, value in cells.items():
                old = row.cell(field)
                decision = import_merge.decide(base=base.get((row.pk, field), old), incoming=value, current=old)
                if decision is import_merge.Decision.KEEP:
                    kept.append(CellDiff(student_id, field, value, old))
                elif decision is import_merge.Decision.CONFLICT:
                    last = _last_change(row, field, file_id)
                    conflicts.setdefault(f"{row_labels.get(student_id, student_id)}, cột {field_label(field)}",
                                         []).append(_conflict_text(field, value, old, last))
                elif decision is import_merge.Decision.APPLY:
                    _set_cell(row, field, value, shape)
                    pending.append((row, field, old, value))
                    touched = True
            if touched:
                row.version += 1
                row.updated_at = now
                (to_update if row.pk else to_create).append(row)
        if conflicts:
            raise StaleWriteError(
                f"Tệp chưa được nhập, chưa lưu gì: {len(conflicts)} ô đã được sửa trên hệ thống sau khi tệp được "
                "xuất, và tệp ghi giá trị khác. Hãy xuất lại sổ điểm (có giá trị mới nhất) rồi nhập lại phần "
                "của mình, hoặc sửa các ô này trong tệp cho khớp.", conflicts)
        SubjectTermScore.objects.bulk_create(to_create)
        SubjectTermScore.objects.bulk_update(to_update, ["tx", "gk", "ck", "comment", "version", "updated_at"])
        for row, field, old, value in pending:
            history.append(ScoreChange(row=row, field=field, old=old, new=value, by=by, by_label=by.get_username(),
                                       at=now, source=source, file_id=file_id))
        ScoreChange.objects.bulk_create(history)
        changed = len(history)
        audit_record(actor=by, action="gradebook:sheet:import", object_type="class", object_id=class_group.pk,
                     school_id=class_group.school_id, source=source,
                     after={"subject": subject.code, "term": term, "changed_cells": changed})
    return ImportReport(changed_cells=changed, students=len(parsed), kept=tuple(kept),
                        changed=tuple(CellDiff(row.student_id, f, old, new) for row, f, old, new in pending))


def _values_in_file(rows: dict[int, SubjectTermScore], exported: dict[int, dict[str, str | None]],
                    file_id: str) -> dict[tuple[int, str], str | None]:
    """(row id, field) → the value the file holds unless its author changed it: what the export wrote, or what
    the file's own last import of the cell stored (changes are ordered by id: no clock involved)."""
    base = {(row.pk, field): value for student_id, row in rows.items()
            for field, value in exported.get(student_id, {}).items()}
    if file_id:
        for row_id, field, new in (ScoreChange.objects.filter(row_id__in=[r.pk for r in rows.values()],
                                                              file_id=file_id)
                                   .order_by("id").values_list("row_id", "field", "new")):
            base[(row_id, field)] = new
    return base


def _last_change(row: SubjectTermScore, field: str, file_id: str) -> ScoreChange | None:
    """The newest change of a cell by someone else than the file's own imports (who set the newer value)."""
    changes = ScoreChange.objects.filter(row_id=row.pk, field=field)
    if file_id:
        changes = changes.exclude(file_id=file_id)
    return changes.order_by("-id").first()


def _changes_since(rows, exported_at: dt.datetime | None, file_id: str) -> list[ScoreChange]:
    """The rows' cell changes made after the export, oldest first, but those of imports of the same file
    (none when the export time is unknown)."""
    ids = [r.pk for r in rows]
    if exported_at is None or not ids:
        return []
    changes = ScoreChange.objects.filter(row_id__in=ids, at__gt=exported_at)
    if file_id:
        changes = changes.exclude(file_id=file_id)
    return list(changes.order_by("at", "id").only("row_id", "field", "old", "new", "by_label", "at"))


def _conflict_text(field: str, in_file: str | None, current: str | None, last: ScoreChange | None) -> str:
    def shown(value: str | None) -> str:
        text = (value or "") if field == "comment" else display(value)
        return f"'{text}'" if text else "trống"

    who = (f" ({last.by_label or 'không rõ người sửa'}, {timezone.localtime(last.at):%H:%M %d/%m/%Y})"
           if last is not None else "")
    return (f"trong tệp là {shown(in_file)}, nhưng trên hệ thống ô đã được sửa thành {shown(current)}{who} "
            "sau khi tệp được xuất.")


def homeroom_update(*, class_group: ClassGroup, student_id: int, term: int, field: str, raw, expected,
                    by) -> str:
    """The homeroom teacher's cells: conduct level, comment, absences; same stale-write rule."""
    if not perms.may_edit_homeroom(by, class_group):
        raise PermissionDeniedError("Chỉ giáo viên chủ nhiệm của lớp được nhập mục này.")
    if field not in HOMEROOM_FIELDS:
        raise DomainError(f"Ô '{field}' không có trong sổ chủ nhiệm.")
    parse = {"conduct": parse_conduct, "absent_excused": parse_count, "absent_unexcused": parse_count,
             "comment": lambda r: " ".join(str(r or "").split())}[field]
    try:
        value = parse(raw)
        seen = parse(expected)
    except CellError as exc:
        raise DomainError(f"{field_label(field)}: {exc}", {field_label(field): [str(exc)]}) from exc
    if student_id not in _active_student_ids(class_group):
        raise _not_in_class(class_group, student_id)
    _check_editable(class_group=class_group, subject_id=None, term=term)
    with transaction.atomic():
        _hold_place(class_group, student_id)
        entry, _ = HomeroomTermEntry.objects.select_for_update().get_or_create(
            class_group=class_group, student_id=student_id, term=term)
        current = getattr(entry, field)
        current_cmp = current if current != "" else None
        if current_cmp != (seen if seen != "" else None):
            raise StaleWriteError(f"Ô {field_label(field)} vừa được người khác sửa thành '{current or 'trống'}'. "
                                  "Giá trị của bạn chưa được lưu.", {"current": [str(current or "")]})
        if current_cmp != (value if value != "" else None):
            setattr(entry, field, value if value is not None else "")
            entry.version += 1
            entry.save()
            audit_record(actor=by, action="gradebook:homeroom:update", object_type="homeroom", object_id=entry.pk,
                         school_id=class_group.school_id, before={field: current}, after={field: value})
    return str(value if value is not None else "")


#: The year facts of :class:`YearEntry` by field, as the year page names them.
YEAR_FIELDS = {"homeroom_comment": "Nhận xét của GVCN", "summer_conduct": "Rèn luyện sau hè",
               "retests": "Kiểm tra lại", "certificates": "Chứng chỉ", "competitions": "Kết quả các cuộc thi",
               "other_awards": "Khen thưởng khác"}
YEAR_TEXT_LIMITS = {"homeroom_comment": 2000, "certificates": 1000, "competitions": 1000, "other_awards": 1000}


def _year_text(raw, limit: int) -> str:
    """Free text of the học bạ: each line trimmed, empty lines dropped (one certificate or award a line)."""
    lines = [" ".join(line.split()) for line in str(raw or "").splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) > limit:
        raise CellError(f"dài quá {limit} ký tự.")
    return text


def _year_shown(field: str, value) -> str:
    """A stored year fact as the teacher reads it (re-tests by subject name: "Toán 6,5")."""
    if field == "retests":
        names = dict(Subject.objects.filter(code__in=list(value or {})).values_list("code", "name"))
        return ", ".join(f"{names.get(code, code)} {display(v)}" for code, v in (value or {}).items()) or "trống"
    return str(value or "") or "trống"


def year_entry_update(*, class_group: ClassGroup, student_id: int, changes: dict, by,
                      expected_version: int | None = None) -> YearEntry:
    """Year facts for the học bạ: summer conduct, re-test results, the year comment, certificates…

    ``summer_conduct`` is the GVCN's re-evaluation after summer training (rèn luyện trong kì nghỉ hè);
    ``retests`` maps a subject code of the class to its re-test result (kiểm tra lại: a score such as
    ``6,5`` or Đ/CĐ, parsed as in the grid) and replaces the stored ones; ``homeroom_comment`` is the
    "Nhận xét của GVCN" of the year. All or nothing: every bad field is reported, naming the student.

    ``expected_version`` is the entry's version the author last saw: a newer one is refused with the
    newer values (None: no check). Re-tests and summer training happen after the data-entry deadline and
    after the term locks, so neither closes these facts. Nor does the student's signed học bạ: nothing signed
    changes, the record is out of date from then on (``updated_at``, read by the class's records page) and
    composing it again makes a new version, signed again — the path of every correction. When a re-test or the summer
    re-evaluation changes and the class's year has been closed, the year closing of the class runs again
    in the same transaction, so the student's outcome follows (the GVCN recomputes their own class, as
    when closing term II).
    """
    if not perms.may_edit_homeroom(by, class_group):
        raise PermissionDeniedError("Chỉ giáo viên chủ nhiệm của lớp được nhập mục này.")
    unknown = set(changes) - set(YEAR_FIELDS)
    if unknown:
        raise DomainError("Trường dữ liệu không được hỗ trợ.", {k: ["Không có trường này."] for k in sorted(unknown)})
    enrolment = (Enrolment.objects.filter(class_group=class_group, student_id=student_id, status__in=ACTIVE_STATUSES)
                 .select_related("student").first())
    if enrolment is None:
        raise _not_in_class(class_group, student_id)
    name = enrolment.student.full_name
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    for key, raw in changes.items():
        try:
            if key == "summer_conduct":
                clean[key] = parse_conduct(raw) or ""
            elif key == "retests":
                clean[key] = _parse_retests(class_group, raw or {}, errors, name)
            else:
                clean[key] = _year_text(raw, YEAR_TEXT_LIMITS[key])
        except CellError as exc:
            errors.setdefault(f"{name} — {YEAR_FIELDS[key]}", []).append(str(exc))
    if errors:
        raise DomainError(f"Chưa lưu thông tin cả năm của {name}: có mục không hợp lệ.", errors)
    with transaction.atomic():
        _hold_place(class_group, student_id)
        if {"retests", "summer_conduct"} & set(clean):
            _no_year_closing_running(class_group)
        entry, _ = YearEntry.objects.select_for_update().get_or_create(class_group=class_group, student_id=student_id)
        before = {k: getattr(entry, k) for k in clean if getattr(entry, k) != clean[k]}
        if not before:
            return entry  # nothing to change (also when someone saved these very values first)
        if expected_version is not None and entry.version != expected_version:
            raise StaleWriteError(f"Thông tin cả năm của {name} vừa được người khác sửa; nội dung của bạn chưa "
                                  "được lưu. Giá trị mới nhất ở dưới; hãy xem lại rồi lưu lại.",
                                  {YEAR_FIELDS[k]: [_year_shown(k, v)] for k, v in before.items()})
        for k in before:
            setattr(entry, k, clean[k])
        entry.version += 1
        entry.updated_at = timezone.now()
        entry.save()
        audit_record(actor=by, action="gradebook:year:update", object_type="year_entry", object_id=entry.pk,
                     school_id=class_group.school_id, before=before, after={k: clean[k] for k in before})
        if {"retests", "summer_conduct"} & set(before) and StudentResult.objects.filter(
                class_group=class_group, period=Period.YEAR).exists():
            from hocba.gradebook.closing import close_classes

            close_classes(class_ids=[class_group.pk], period="year", by=by)
    return entry


def _no_year_closing_running(class_group: ClassGroup) -> None:
    """Refuse while a year closing of the class's school (or of the city) runs: it has read the class's inputs
    already and would store its results over the ones re-computed here. The year's row lock, which starting a
    closing takes too, orders the two: a closing started after this save reads what it saved."""
    SchoolYear.objects.select_for_update().filter(pk=class_group.school_year_id).first()
    running = ClosingRun.objects.filter(school_year_id=class_group.school_year_id, period=Period.YEAR).filter(
        models.Q(school_id=class_group.school_id) | models.Q(school__isnull=True)).blocking()
    if running.exists():
        raise DomainError("Đang tổng kết cả năm cho trường (hoặc toàn thành phố): kết quả kiểm tra lại và rèn luyện "
                          "hè chưa được lưu. Hãy lưu lại sau khi lượt tổng kết xong (xem trang Tổng kết).")


def _parse_retests(class_group: ClassGroup, retests: dict, errors: dict[str, list[str]], name: str) -> dict:
    """{subject code: as typed} → {code: canonical value}, each checked against the subject's mode in the class;
    bad values are added to ``errors`` (naming the student and the subject), empty ones dropped."""
    subjects = {ta.subject.code: ta.subject for ta in TeachingAssignment.objects.filter(class_group=class_group)
                .select_related("subject")}
    out = {}
    for code, raw in retests.items():
        subject = subjects.get(code)
        if subject is None:
            errors.setdefault(f"{name} — Kiểm tra lại", []).append(f"Môn '{code}' không có ở lớp này.")
            continue
        try:
            value = parse_cell(raw, subject.mode)
        except CellError as exc:
            errors.setdefault(f"{name} — Kiểm tra lại môn {subject.name}", []).append(str(exc))
            continue
        if value is not None:
            out[code] = value
    return out


# --- moving a student to another class of the school ------------------------------------

@dataclass(frozen=True)
class ClassMove:
    """A student moved: from which class to which, and how many of their gradebook rows went along."""

    student: Student
    source: ClassGroup
    target: ClassGroup
    scores: int
    homeroom: int
    years: int
    history: int  # cell history entries added (one per cell that moved with a value or a history)


def student_class_move(*, student: Student, to_class: ClassGroup, by, reason: str,
                       from_class: ClassGroup | None = None) -> ClassMove:
    """Chuyển lớp trong trường: move the student's active enrolment of the current year to ``to_class`` (same
    school, year and grade) with their gradebook rows — marks (each row keeps its cell history), conduct and
    absences, the year facts — in one transaction, audited; all or nothing.

    ``from_class`` is the class the author saw the student in: a move made meanwhile by someone else is refused.
    What refuses a move (results or a học bạ of the year, a running closing, a lock on a term with rows in either
    class, marks in a subject the new class does not teach, rows already in the new class) is
    :mod:`hocba.gradebook.moves`; every reason is named at once.

    Each cell that moves with a value (or a history) gets one history entry, by the mover, old = new, with a
    note "Chuyển từ lớp … sang lớp …" and the reason: the teacher who opens the cell's history in the new class
    sees why it starts with entries of another class's teacher (the audit log, which says the same once, is the
    school board's).

    Locks, in this order (the cell saves take the first and the last, in the same order): the student's
    enrolment, the school year's row (a closing started after the move reads the new class; one started before
    refuses the move), the rows moved. A cell saved at the same moment either lands before the move and moves
    with it, or finds the student gone and is refused (``_hold_place``).
    """
    if not has_any(by, "gradebook:student:move"):
        raise PermissionDeniedError("Chỉ Ban quản lý học bạ và Hiệu trưởng của trường được chuyển lớp cho học sinh.")
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Cần ghi rõ lý do chuyển lớp.", {"Lý do": ["Bắt buộc nhập (ít nhất 5 ký tự)."]})
    if len(reason) > 300:
        raise DomainError("Lý do chuyển lớp dài quá.", {"Lý do": ["Tối đa 300 ký tự."]})
    now = timezone.now()
    year_id = SchoolYear.objects.filter(is_current=True).values_list("pk", flat=True).first()
    with transaction.atomic():
        # No join in the locking query: FOR UPDATE would lock the joined rows too.
        enrolment = (Enrolment.objects.select_for_update()
                     .filter(student=student, status__in=ACTIVE_STATUSES, school_year_id=year_id)
                     .order_by().first())
        if enrolment is None:
            raise DomainError(f"{student.full_name} không có lớp đang học trong năm học hiện tại: không có gì để "
                              "chuyển.")
        source = ClassGroup.objects.select_related("school", "school_year").get(pk=enrolment.class_group_id)
        if not perms.may_move_student(by, source.school_id):
            raise PermissionDeniedError("Chỉ Ban quản lý học bạ và Hiệu trưởng của trường đang có học sinh được "
                                        "chuyển lớp cho học sinh.")
        if from_class is not None and from_class.pk != source.pk:
            raise StaleWriteError(f"{student.full_name} vừa được chuyển sang lớp {source.name} (không còn ở lớp "
                                  f"{from_class.name}); chưa thay đổi gì. Hãy xem lại trang rồi làm lại.")
        mismatch = moves.target_mismatch(student=student, source=source, target=to_class)
        if mismatch:
            raise DomainError(mismatch)
        SchoolYear.objects.select_for_update().filter(pk=source.school_year_id).first()
        rows = moves.StudentRows.read(class_group=source, student_id=student.pk, lock=True)
        blockers = {**moves.source_blockers(student=student, source=source, rows=rows, now=now),
                    **moves.target_blockers(student=student, source=source, targets=[to_class], rows=rows,
                                            now=now)[to_class.pk]}
        if blockers:
            raise DomainError(f"Chưa chuyển được {student.full_name} từ lớp {source.name} sang lớp {to_class.name}; "
                              "chưa thay đổi gì.", blockers)
        history = _moved_cells_history(rows.scores, note=f"Chuyển từ lớp {source.name} sang lớp {to_class.name}. "
                                                         f"Lý do: {reason}", by=by, at=now)
        for model, found in ((SubjectTermScore, rows.scores), (HomeroomTermEntry, rows.homeroom),
                             (YearEntry, rows.years)):
            if found:
                model.objects.filter(pk__in=[r.pk for r in found]).update(class_group=to_class)
        ScoreChange.objects.bulk_create(history)
        Enrolment.objects.filter(pk=enrolment.pk).update(class_group=to_class)
        audit_record(actor=by, action="gradebook:student:move", object_type="student", object_id=student.pk,
                     school_id=source.school_id, before={"class": source.name},
                     after={"class": to_class.name, "reason": reason, "score_rows": len(rows.scores),
                            "homeroom_rows": len(rows.homeroom), "year_rows": len(rows.years),
                            "history_rows": len(history)})
    return ClassMove(student=student, source=source, target=to_class, scores=len(rows.scores),
                     homeroom=len(rows.homeroom), years=len(rows.years), history=len(history))


def _moved_cells_history(rows: list[SubjectTermScore], *, note: str, by, at) -> list[ScoreChange]:
    """One history entry per cell that moves with a value or with a history of its own (old = new)."""
    with_history: dict[int, set[str]] = {}
    for row_id, field in (ScoreChange.objects.filter(row_id__in=[r.pk for r in rows]).order_by()
                          .values_list("row_id", "field").distinct()):
        with_history.setdefault(row_id, set()).add(field)
    out = []
    for row in rows:
        for field in sorted(set(moves.filled_cells(row)) | with_history.get(row.pk, set()), key=_cell_order):
            value = row.cell(field)
            out.append(ScoreChange(row=row, field=field, old=value, new=value, by=by, by_label=by.get_username(),
                                   at=at, source=Source.SYSTEM, note=note[:400]))
    return out


def _cell_order(field: str) -> tuple[int, int]:
    if field.startswith("tx") and field[2:].isdigit():
        return (0, int(field[2:]))
    return ({"gk": 1, "ck": 2, "comment": 3}.get(field, 4), 0)


# --- locks ------------------------------------------------------------------------------

def _lock(*, class_group: ClassGroup | None, school_id: int, year_id: int, term: int, level: str,
          subject: Subject | None, by) -> GradebookLock:
    key = GradebookLock.make_key(year_id=year_id, term=term, school_id=school_id,
                                 class_id=class_group.pk if class_group else None,
                                 subject_id=subject.pk if subject else None)
    with transaction.atomic():
        # The school year's row first, as a class move takes it (enrolment → school year → rows): a move that
        # checked for locks commits before this lock exists, or waits and then finds it — a class is never
        # closed with a student who is leaving it at that moment.
        SchoolYear.objects.select_for_update().filter(pk=year_id).first()
        lock, created = GradebookLock.objects.get_or_create(
            key=key, defaults={"school_year_id": year_id, "term": term, "level": level, "school_id": school_id,
                               "class_group": class_group, "subject": subject, "locked_by": by,
                               "locked_at": timezone.now()})
        if created:
            audit_record(actor=by, action=f"gradebook:lock:{level}", object_type="lock", object_id=lock.pk,
                         school_id=school_id, after={"key": key, "term": term})
    return lock


def subject_finalise(*, class_group: ClassGroup, subject: Subject, term: int, by) -> GradebookLock:
    """The subject teacher finalises (chốt) a subject for a term; refused while cells are missing."""
    if not perms.may_edit_sheet(by, class_group, subject.pk):
        raise PermissionDeniedError("Chỉ giáo viên dạy môn này ở lớp này được chốt điểm.")
    from hocba.gradebook.selectors import sheet_missing

    missing = sheet_missing(class_group=class_group, subject=subject, term=term)
    if missing:
        raise DomainError("Chưa chốt được: còn ô chưa nhập.", missing)
    return _lock(class_group=class_group, school_id=class_group.school_id, year_id=class_group.school_year_id,
                 term=term, level=LockLevel.SUBJECT, subject=subject, by=by)


def class_term_close(*, class_group: ClassGroup, term: int, by) -> GradebookLock:
    """The homeroom teacher closes the class term: every subject finalised, every conduct entered."""
    if not perms.may_edit_homeroom(by, class_group):
        raise PermissionDeniedError("Chỉ giáo viên chủ nhiệm của lớp được khoá sổ lớp.")
    from hocba.gradebook.selectors import class_term_missing

    missing = class_term_missing(class_group=class_group, term=term)
    if missing:
        raise DomainError("Chưa khoá sổ lớp được: còn mục chưa hoàn thành.", missing)
    lock = _lock(class_group=class_group, school_id=class_group.school_id, year_id=class_group.school_year_id,
                 term=term, level=LockLevel.CLASS, subject=None, by=by)
    from hocba.gradebook.closing import close_classes

    close_classes(class_ids=[class_group.pk], period="hk1" if term == 1 else "hk2", by=by)
    if term == 2:
        close_classes(class_ids=[class_group.pk], period="year", by=by)
    return lock


def school_term_lock(*, school, school_year_id: int, term: int, by,
                     open_classes_confirmed: bool = False) -> GradebookLock:
    """Khoá sổ toàn trường. While some class has not closed its term, the lock is refused with those classes
    listed unless the principal confirms: after the lock their subject teachers can no longer finalise and
    the homeroom teachers can no longer enter, until the principal unlocks."""
    if not perms.may_lock_school(by, school.pk):
        raise PermissionDeniedError("Chỉ Hiệu trưởng được khoá sổ toàn trường.")
    open_classes = _classes_not_closed(school_id=school.pk, school_year_id=school_year_id, term=term)
    if open_classes and not open_classes_confirmed:
        raise DomainError(
            f"Còn {len(open_classes)} lớp chưa khoá sổ lớp học kì này. Khoá sổ toàn trường bây giờ thì giáo viên "
            "các lớp đó không chốt điểm, không nhập tiếp được nữa cho tới khi Hiệu trưởng mở khoá; "
            "nếu vẫn muốn khoá, hãy xác nhận.",
            {"Lớp chưa khoá sổ": open_classes})
    return _lock(class_group=None, school_id=school.pk, year_id=school_year_id, term=term, level=LockLevel.SCHOOL,
                 subject=None, by=by)


def _classes_not_closed(*, school_id: int, school_year_id: int, term: int) -> list[str]:
    closed = GradebookLock.objects.filter(school_id=school_id, school_year_id=school_year_id, term=term,
                                          level=LockLevel.CLASS).values("class_group_id")
    return list(ClassGroup.objects.filter(school_id=school_id, school_year_id=school_year_id)
                .exclude(pk__in=closed).order_by("grade", "name").values_list("name", flat=True))


def lock_remove(*, lock: GradebookLock, reason: str, by) -> None:
    """Unlocking is the principal's, needs a reason, and is audited."""
    if not perms.may_remove_lock(by, lock.school_id):
        raise PermissionDeniedError("Chỉ Hiệu trưởng được mở khoá sổ.")
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Cần ghi rõ lý do mở khoá.", {"Lý do": ["Bắt buộc nhập (ít nhất 5 ký tự)."]})
    with transaction.atomic():
        audit_record(actor=by, action="gradebook:lock:remove", object_type="lock", object_id=lock.pk,
                     school_id=lock.school_id, before={"key": lock.key, "level": lock.level, "term": lock.term},
                     after={"reason": reason})
        lock.delete()


def edit_grant_create(*, school, class_group: ClassGroup | None, subject: Subject | None, reason: str, days: int,
                      by) -> EditGrant:
    """After the data-entry deadline, the principal opens edits for a while, with a reason."""
    if not perms.may_remove_lock(by, school.pk):
        raise PermissionDeniedError("Chỉ Hiệu trưởng được cho phép sửa sau hạn.")
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Cần ghi rõ lý do.", {"Lý do": ["Bắt buộc nhập (ít nhất 5 ký tự)."]})
    if not 1 <= days <= 30:
        raise DomainError("Thời hạn cho phép sửa từ 1 đến 30 ngày.")
    from hocba.org.selectors import current_school_year

    year = class_group.school_year if class_group else current_school_year()
    now = timezone.now()
    with transaction.atomic():
        grant = EditGrant.objects.create(school_year=year, school=school, class_group=class_group, subject=subject,
                                         reason=reason, granted_by=by, granted_at=now,
                                         expires_at=now + dt.timedelta(days=days))
        audit_record(actor=by, action="gradebook:grant:create", object_type="grant", object_id=grant.pk,
                     school_id=school.pk, after={"reason": reason, "days": days,
                                                 "class": class_group.name if class_group else None,
                                                 "subject": subject.code if subject else None})
    return grant



def edit_grant_revoke(*, grant: EditGrant, by) -> EditGrant:
    """End a grant before its expiry (the principal changed their mind): edits are blocked again at once."""
    if not perms.may_remove_lock(by, grant.school_id):
        raise PermissionDeniedError("Chỉ Hiệu trưởng được thu hồi quyền sửa sau hạn.")
    now = timezone.now()
    with transaction.atomic():
        grant = EditGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.expires_at <= now:
            raise DomainError("Quyền sửa sau hạn này đã hết hiệu lực.")
        audit_record(actor=by, action="gradebook:grant:revoke", object_type="grant", object_id=grant.pk,
                     school_id=grant.school_id, before={"expires_at": grant.expires_at.isoformat()},
                     after={"expires_at": now.isoformat()})
        grant.expires_at = now
        grant.save(update_fields=["expires_at"])
    return grant


def export_record(*, by, class_group: ClassGroup, term: int, subject: Subject | None = None, where: str) -> None:
    """Audit an Excel export of scores (a sheet, or with ``subject=None`` the class summary)."""
    audit_record(actor=by, action="gradebook:sheet:export" if subject else "gradebook:summary:export",
                 object_type="class", object_id=class_group.pk, school_id=class_group.school_id,
                 after={"subject": subject.code if subject else None, "term": term, "to": where})


def closing_run_start(*, school, period: str, by, run_inline: bool = False, on_progress=None):
    """Start closing a term or the year for a school (or the city when ``school`` is None), in the background.

    ``run_inline`` runs it in this process instead (the command line), calling ``on_progress(done, failed, total)``.
    """
    from hocba.gradebook.tasks import closing_runs_expire_stale, run_closing, run_closing_now
    from hocba.org.selectors import current_school_year
    from hocba.people.models import Enrolment

    if period not in Period.values:
        raise DomainError("Kỳ tổng kết không hợp lệ.", {"Kỳ": ["hk1, hk2 hoặc year."]})
    if not perms.may_run_closing(by, school.pk if school else None):
        raise PermissionDeniedError("Bạn không có quyền tổng kết cho phạm vi này.")
    year = current_school_year()
    enrolments = Enrolment.objects.filter(school_year=year, status__in=ACTIVE_STATUSES)
    if school:
        enrolments = enrolments.filter(class_group__school=school)
    with transaction.atomic():
        # Two starts at the same moment queue on the year's row, so the second sees the first run.
        SchoolYear.objects.select_for_update().filter(pk=year.pk).first()
        closing_runs_expire_stale(school_year=year, school=school, period=period)  # a dead run blocks no one
        active = ClosingRun.objects.filter(school_year=year, school=school, period=period,
                                           status__in=ClosingRun.ACTIVE)
        if active.exists():
            raise DomainError("Đang có một lượt tổng kết chạy cho phạm vi này; hãy chờ nó xong.")
        run = ClosingRun.objects.create(school_year=year, school=school, period=period, started_by=by,
                                        created_at=timezone.now(), total=enrolments.count())
        audit_record(actor=by, action="gradebook:closing:start", object_type="closing_run", object_id=run.pk,
                     school_id=school.pk if school else None, after={"period": period})
    if run_inline:
        return run_closing_now(run.pk, on_progress=on_progress)
    transaction.on_commit(lambda: run_closing.enqueue(run.pk))
    return run

"""Excel in and out for the gradebook (openpyxl).

A *subject sheet* is one class × subject × term, laid out the way a teacher fills it in Excel:
a title block (school, class, subject, term, school year, teacher), then one row per student —
STT | Mã học sinh | Họ và tên | Ngày sinh | TX1…TXn | GK | CK | ĐTBmhk (or Mức HK) | Nhận xét.

Values are written as **text** ("8,5") in cells formatted as Text (``@``): the comma shows in
every Excel locale, a value typed later stays exactly what was typed (Excel in an English locale
would otherwise read "8,5" as 85, or "8.5" as a date), and nothing is ever a binary float, so a
sheet exported and imported back is byte-for-byte the same values. Numbers typed or pasted as
numbers are accepted too (7 → 7,0; 8.5 → 8,5).

A hidden sheet ``_hocba`` identifies the file (format version, kind, class id, school code, class
name, subject code, term, school year, number of regular assessments), so the import knows what
the sheet is without asking. Rows are matched by Mã học sinh (the MOET student code), never by
position or name: a sorted or re-ordered sheet imports the same.

The import is all or nothing: every bad cell is reported with its Excel row number, the STT and name
written in that row (a sorted file's row 12 is not the grid's 12th student), column letter and header
and the reason, in Vietnamese, and nothing is saved until the file is clean; the
writing itself is :func:`hocba.gradebook.services.sheet_import` (permissions, locks, deadline,
per-cell history with source "import", audit).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import uuid
import zipfile
from copy import copy
from dataclasses import dataclass, field
from typing import IO

from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from hocba.core.dates import format_vn_date
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.text import nfc
from hocba.gradebook import permissions as perms
from hocba.gradebook import services
from hocba.gradebook.models import Source
from hocba.gradebook.selectors import homeroom_sheet, sheet_get
from hocba.gradebook.sheet import SheetShape, sheet_shape
from hocba.gradebook.values import CellError, display, parse_cell
from hocba.org.models import ClassGroup, Subject
from hocba.people.models import ACTIVE_STATUSES, Enrolment

FORMAT = "hocba-gradebook"
FORMAT_VERSION = 1
META_SHEET = "_hocba"
KIND_SUBJECT = "subject_sheet"
KIND_SUMMARY = "class_summary"
TERM_NAMES = {1: "Học kì I", 2: "Học kì II"}
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 2000
#: What the file's parts may hold once unpacked (an .xlsx is a zip of XML): a class's sheet is some 50 KB, so
#: 50 MB leaves room for whatever Excel adds, while a 2 MB "zip bomb" unpacking to gigabytes is refused before
#: openpyxl reads it (it keeps the shared strings in memory).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 500
#: Columns read of a sheet: a sheet that declares itself 16,384 columns wide would give every row as many cells.
MAX_COLUMNS = 200

NUMBER_HEADER = "STT"
CODE_HEADER = "Mã học sinh"
NAME_HEADER = "Họ và tên"
COMMENT_HEADER = "Nhận xét"
TEXT = "@"
#: Keys of the identification sheet holding what the export wrote for each student ("cell:<student id>").
CELLS_KEY = "cell:"
#: Headers of score columns (casefolded): one that is not in the subject's sheet holds marks nobody would store.
_SCORE_HEADER = re.compile(r"tx ?\d+|đđgtx ?\d+|gk|ck|đđggk|đđgck")

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")
_COMPUTED_FILL = PatternFill("solid", fgColor="F2F2F2")
_BOLD = Font(bold=True)


# --- export ------------------------------------------------------------------------------


def _student_code(student) -> str:
    """Mã học sinh: the MOET code; a student without one (not yet registered) gets ``#<id>``."""
    return student.moet_code or f"#{student.pk}"


def _title_block(ws, lines: list[str], width: int) -> None:
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=i == 1, size=14 if i == 1 else 11)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=max(width, 2))


def _header_row(ws, row: int, headers: list[str], widths: list[float]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width


def _meta_sheet(wb: Workbook, values: dict[str, object]) -> None:
    meta = wb.create_sheet(META_SHEET)
    meta.append(["Phần nhận dạng tệp của hệ thống hocba — xin đừng sửa.", ""])
    for key, value in {"format": FORMAT, "version": FORMAT_VERSION, **values}.items():
        meta.append([key, str(value)])
    meta.sheet_state = "hidden"


def _to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _result_header(shape: SheetShape) -> str:
    return "ĐTBmhk" if shape.mode == "score" else "Mức HK"


def sheet_export(*, class_group: ClassGroup, subject: Subject, term: int) -> bytes:
    """The class × subject × term sheet as .xlsx bytes (the caller has checked the user may view it)."""
    if term not in (1, 2):
        raise DomainError("Học kì không hợp lệ.", {"Học kì": ["Chỉ có học kì 1 hoặc 2."]})
    sheet = sheet_get(class_group=class_group, subject=subject, term=term)
    shape = sheet.shape
    codes = dict(
        Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES).values_list(
            "student_id", "student__moet_code"
        )
    )
    year = class_group.school_year.name
    headers = [
        NUMBER_HEADER,
        CODE_HEADER,
        NAME_HEADER,
        "Ngày sinh",
        *shape.headers,
        _result_header(shape),
        COMMENT_HEADER,
    ]
    widths = [5, 14, 28, 12] + [7] * len(shape.headers) + [9, 40]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{class_group.name} {subject.code} HK{term}"[:31]
    _title_block(
        ws,
        [
            f"SỔ ĐIỂM MÔN {subject.name.upper()}",
            f"Trường: {class_group.school.name}",
            f"Lớp: {class_group.name} — {TERM_NAMES[term]} — Năm học {year}",
            f"Giáo viên bộ môn: {sheet.teacher_name or '(chưa phân công)'}",
            (
                "Nhập điểm có một chữ số thập phân, dấu phẩy hoặc dấu chấm (8,5 hoặc 8.5)."
                if shape.mode == "score"
                else "Môn đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt)."
            )
            + f" Không sửa cột {CODE_HEADER}; cột {_result_header(shape)} do hệ thống tính.",
        ],
        len(headers),
    )
    head = 7
    _header_row(ws, head, headers, widths)
    first_value_col = 5
    result_col = first_value_col + len(shape.fields)
    for i, row in enumerate(sheet.rows):
        r = head + 1 + i
        values = [
            row.number,
            codes.get(row.student_id) or f"#{row.student_id}",
            row.full_name,
            format_vn_date(row.birth_date),
            *[row.shown(f) for f in shape.fields],
            display(row.average),
            row.comment,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value if value != "" else None)
            if i:  # same style as the first student's cell: copying it is ~50× cheaper than setting it
                cell._style = copy(ws.cell(row=head + 1, column=col)._style)
                continue
            cell.border = _BORDER
            if col >= first_value_col:
                cell.number_format = TEXT
            if first_value_col <= col <= result_col:
                cell.alignment = Alignment(horizontal="center")
            if col == result_col:
                cell.fill = _COMPUTED_FILL
    last = head + len(sheet.rows)
    if shape.mode != "score" and sheet.rows:
        dv = DataValidation(
            type="list",
            formula1='"Đ,CĐ"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ",
            error="Chỉ nhập Đ (Đạt) hoặc CĐ (Chưa đạt).",
        )
        dv.add(f"{get_column_letter(first_value_col)}{head + 1}:{get_column_letter(result_col - 1)}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=head + 1, column=first_value_col)
    ws.print_title_rows = f"{head}:{head}"
    ws.page_setup.orientation = "landscape"
    _meta_sheet(
        wb,
        {
            "kind": KIND_SUBJECT,
            "class_id": class_group.pk,
            "class_name": class_group.name,
            "school_code": class_group.school.code,
            "school_year": year,
            "subject_code": subject.code,
            "term": term,
            "tx_count": shape.tx_count,
            "mode": shape.mode,
            "exported_at": timezone.now().isoformat(timespec="microseconds"),
            "file_id": uuid.uuid4().hex,
            # What the file starts from, cell by cell: the import merges against it (services.sheet_import).
            **{f"{CELLS_KEY}{row.student_id}": json.dumps({**row.cells, "comment": row.comment or None},
                                                          ensure_ascii=False) for row in sheet.rows},
        },
    )
    return _to_bytes(wb)


def class_summary_export(*, class_group: ClassGroup, term: int) -> bytes:
    """The whole class for a term: each subject's term result, learning and conduct, absences, comment."""
    if term not in (1, 2):
        raise DomainError("Học kì không hợp lệ.", {"Học kì": ["Chỉ có học kì 1 hoặc 2."]})
    data = homeroom_sheet(class_group=class_group, term=term)
    codes = dict(
        Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES).values_list(
            "student_id", "student__moet_code"
        )
    )
    subjects = [ta.subject for ta in data["subjects"]]
    headers = [
        "STT",
        CODE_HEADER,
        NAME_HEADER,
        *[s.name for s in subjects],
        "Kết quả học tập",
        "Rèn luyện",
        "Nghỉ có phép",
        "Nghỉ không phép",
        "Nhận xét của GVCN",
    ]
    widths = [5, 14, 28] + [9] * len(subjects) + [11, 11, 8, 8, 40]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{class_group.name} HK{term}"[:31]
    homeroom = class_group.homeroom_teacher.full_name if class_group.homeroom_teacher else "(chưa phân công)"
    _title_block(
        ws,
        [
            f"TỔNG HỢP KẾT QUẢ {TERM_NAMES[term].upper()} — LỚP {class_group.name}",
            f"Trường: {class_group.school.name}",
            f"Năm học {class_group.school_year.name}",
            f"Giáo viên chủ nhiệm: {homeroom}",
            "Điểm trung bình môn học kì (ĐTBmhk) và mức đánh giá; kết quả học tập theo lần tổng kết "
            "gần nhất.",
        ],
        len(headers),
    )
    head = 7
    _header_row(ws, head, headers, widths)
    for i, row in enumerate(data["rows"]):
        student = row["student"]
        values = [
            row["number"],
            codes.get(student.pk) or f"#{student.pk}",
            student.full_name,
            *row["subjects"],
            row["learning"],
            row["conduct"],
            row["absent_excused"],
            row["absent_unexcused"],
            row["comment"],
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=head + 1 + i, column=col, value=value if value != "" else None)
            if i:
                cell._style = copy(ws.cell(row=head + 1, column=col)._style)
                continue
            cell.border = _BORDER
            if 4 <= col < 4 + len(subjects):
                cell.number_format = TEXT
                cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = ws.cell(row=head + 1, column=4)
    ws.page_setup.orientation = "landscape"
    _meta_sheet(
        wb,
        {
            "kind": KIND_SUMMARY,
            "class_id": class_group.pk,
            "class_name": class_group.name,
            "school_code": class_group.school.code,
            "school_year": class_group.school_year.name,
            "term": term,
            "exported_at": timezone.now().isoformat(timespec="seconds"),
        },
    )
    return _to_bytes(wb)


# --- import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    """One stored change, as the person finds it in their file."""

    row: int  # the Excel row number
    code: str
    full_name: str
    column: str  # "TX2", "GK", "Nhận xét"
    old: str  # shown ("8,5"; "" for empty)
    new: str


@dataclass
class SheetImportReport:
    """What an accepted import did: the sheet it named, every changed cell, and the cells it left as the
    system has them because they changed there after the file was exported (``kept``: ``old`` is the
    file's value, ``new`` the system's)."""

    class_group: ClassGroup
    subject: Subject
    term: int
    students: int
    changed_cells: int
    changes: list[CellChange] = field(default_factory=list)
    kept: list[CellChange] = field(default_factory=list)


@dataclass
class _Meta:
    class_group: ClassGroup
    subject: Subject
    term: int
    tx_count: int
    exported_at: dt.datetime | None
    file_id: str
    exported: dict[int, dict[str, str | None]] | None


def _refuse(message: str, errors: dict[str, list[str]] | None = None) -> DomainError:
    return DomainError(message, errors)


def _load(fileobj: IO[bytes]):
    """The workbook with the values Excel computed (formulas as their last results), or a refusal."""
    return _open(_read(fileobj), data_only=True)


def _read(fileobj: IO[bytes]) -> bytes:
    data = fileobj.read(MAX_BYTES + 1)  # never more than the limit in memory, whatever was uploaded
    if not data:
        raise _refuse("Tệp rỗng: không có gì để nhập.")
    if len(data) > MAX_BYTES:
        raise _refuse("Tệp quá lớn (tối đa 10 MB) — sổ điểm của một lớp chỉ vài chục KB.")
    if not data.startswith(b"PK"):
        raise _refuse(
            "Tệp không phải là tệp Excel .xlsx. Hãy dùng tệp sổ điểm xuất từ hệ thống "
            "(nếu tệp là .xls hoặc .csv, mở bằng Excel rồi lưu lại dạng .xlsx)."
        )
    return data


def _check_unpacked(data: bytes) -> None:
    """Refuse a file whose parts would unpack to more than :data:`MAX_UNPACKED_BYTES` (zipfile stops reading a
    part at its declared size, so the declared sizes bound what openpyxl can get)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # load_workbook refuses it below, with the same message as any damaged file
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise _refuse("Tệp Excel quá lớn khi giải nén (tối đa 50 MB) — sổ điểm của một lớp chỉ vài chục KB; "
                      "hãy xuất lại sổ điểm từ hệ thống.")


def _open(data: bytes, *, data_only: bool):
    _check_unpacked(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise _refuse("Không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không phải sổ điểm.") from exc


def _read_meta(wb) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        raise _refuse(
            "Tệp không có phần nhận dạng của hệ thống hocba, nên không biết đây là sổ điểm lớp nào. "
            "Hãy xuất sổ điểm từ hệ thống rồi nhập điểm vào chính tệp đó."
        )
    meta = {}
    for row in wb[META_SHEET].iter_rows(min_row=2, max_row=MAX_ROWS + 100, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
    if meta.get("format") != FORMAT:
        raise _refuse("Phần nhận dạng của tệp không hợp lệ: không phải sổ điểm của hệ thống hocba.")
    if meta.get("version") != str(FORMAT_VERSION):
        raise _refuse(
            f"Tệp theo mẫu phiên bản {meta.get('version') or '?'}, hệ thống đang dùng mẫu "
            f"phiên bản {FORMAT_VERSION}. Hãy xuất lại sổ điểm từ hệ thống."
        )
    if meta.get("kind") == KIND_SUMMARY:
        raise _refuse(
            "Đây là bảng tổng hợp kết quả của lớp (chỉ để xem), không nhập lại được. "
            "Hãy nhập từ tệp sổ điểm của từng môn."
        )
    if meta.get("kind") != KIND_SUBJECT:
        raise _refuse("Phần nhận dạng của tệp không hợp lệ: không rõ loại sổ điểm.")
    return meta


def _resolve(meta: dict[str, str]) -> _Meta:
    try:
        class_id, term, tx_count = int(meta["class_id"]), int(meta["term"]), int(meta["tx_count"])
    except (KeyError, ValueError) as exc:
        raise _refuse(
            "Phần nhận dạng của tệp bị sửa hoặc thiếu (lớp, học kì); hãy xuất lại sổ điểm."
        ) from exc
    class_group = ClassGroup.objects.select_related("school", "school_year").filter(pk=class_id).first()
    if (
        class_group is None
        or class_group.name != meta.get("class_name")
        or class_group.school.code != meta.get("school_code")
        or class_group.school_year.name != meta.get("school_year")
    ):
        raise _refuse(
            f"Không tìm thấy lớp {meta.get('class_name', '?')} (năm học {meta.get('school_year', '?')}, "
            f"trường mã {meta.get('school_code', '?')}) trong hệ thống: tệp được xuất từ nơi khác "
            "hoặc lớp đã thay đổi."
        )
    subject = Subject.objects.filter(code=meta.get("subject_code", "")).first()
    if subject is None:
        raise _refuse(f"Môn có mã '{meta.get('subject_code', '')}' không có trong danh mục.")
    if term not in (1, 2):
        raise _refuse("Học kì trong phần nhận dạng của tệp không hợp lệ.")
    return _Meta(class_group=class_group, subject=subject, term=term, tx_count=tx_count,
                 exported_at=_exported_at(meta.get("exported_at", "")), file_id=meta.get("file_id", "")[:32],
                 exported=_exported_cells(meta))


def _exported_cells(meta: dict[str, str]) -> dict[int, dict[str, str | None]] | None:
    """Student id → field → the value the export wrote; None for a file exported before the values were kept
    (or whose identification was edited: the import then falls back on the cells' history)."""
    cells = {}
    try:
        for key, value in meta.items():
            if key.startswith(CELLS_KEY):
                row = json.loads(value)
                if not isinstance(row, dict):
                    return None
                cells[int(key.removeprefix(CELLS_KEY))] = {str(f): None if v is None else str(v)
                                                           for f, v in row.items()}
    except ValueError:
        return None
    return cells or None


def _exported_at(text: str) -> dt.datetime | None:
    """When the file was exported (the identification's ``exported_at``); None when absent or unreadable,
    and then the import cannot tell what changed in the system since."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if timezone.is_aware(value) else None


def _header_key(value) -> str:
    return nfc(str(value)).casefold() if value is not None else ""


def _raw(value) -> object:
    """A cell as the service takes it: text NFC-normalised, numbers as their shortest decimal text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("Giá trị TRUE/FALSE không phải là điểm.")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise CellError(
            "Excel đã tự đổi giá trị thành ngày tháng; hãy định dạng ô là Văn bản (Text) rồi nhập "
            "lại, ví dụ 8,5."
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        tenths = round(value * 10)
        if abs(value * 10 - tenths) < 1e-6:  # 8.200000000000001 (a formula's binary float) is the 8,2 Excel shows
            return f"{tenths / 10:.1f}"
        return repr(value)  # shortest text that reads back as the same float: 8.55 → "8.55", refused
    return nfc(str(value))


def sheet_identify(*, fileobj: IO[bytes]) -> tuple[ClassGroup, Subject, int]:
    """(class, subject, term) a sheet names in its identification; DomainError when it names none."""
    wb = _load(fileobj)
    try:
        meta = _resolve(_read_meta(wb))
    finally:
        wb.close()
    return meta.class_group, meta.subject, meta.term


def sheet_import_file(*, fileobj: IO[bytes], by, source: str = Source.IMPORT) -> SheetImportReport:
    """Import an exported subject sheet; all or nothing. Raises DomainError (Vietnamese) when refused."""
    data = _read(fileobj)
    wb = _open(data, data_only=True)
    try:
        meta = _resolve(_read_meta(wb))
        cg, subject, term = meta.class_group, meta.subject, meta.term
        if not perms.may_edit_sheet(by, cg, subject.pk):
            raise PermissionDeniedError(
                f"Chỉ giáo viên dạy môn {subject.name} ở lớp {cg.name} được nhập sổ điểm này."
            )
        shape = sheet_shape(class_group=cg, subject=subject)
        if meta.tx_count != shape.tx_count:
            raise _refuse(
                f"Tệp có {meta.tx_count} cột điểm thường xuyên nhưng môn {subject.name} lớp {cg.name} "
                f"cần {shape.tx_count}; hãy xuất lại sổ điểm."
            )
        title, rows = _main_sheet(wb)
    finally:
        wb.close()
    return _import_rows(
        rows=rows, class_group=cg, subject=subject, term=term, shape=shape, by=by, source=source,
        blank_formulas=_blank_formulas(data, title, rows),
        exported_at=meta.exported_at,
        file_id=meta.file_id,
        exported=meta.exported,
    )


def _main_sheet(wb) -> tuple[str, list[tuple]]:
    """(title, rows) of the sheet with the students: the first sheet that has the header row (a teacher may
    have added a sheet of their own in front of it)."""
    sheets = [name for name in wb.sheetnames if name != META_SHEET]
    if not sheets:
        raise _refuse("Tệp không có trang sổ điểm.")
    for name in sheets:
        rows = list(wb[name].iter_rows(max_row=MAX_ROWS + 50, max_col=_width(wb[name]), values_only=True))
        if _header_index(rows) is not None:
            return name, rows
    return sheets[0], list(wb[sheets[0]].iter_rows(max_row=MAX_ROWS + 50, max_col=_width(wb[sheets[0]]),
                                                   values_only=True))


def _width(ws) -> int:
    """The columns to read of a sheet: as wide as it says it is, at most :data:`MAX_COLUMNS`."""
    return min(ws.max_column or MAX_COLUMNS, MAX_COLUMNS)


def _blank_formulas(data: bytes, title: str, rows: list[tuple]) -> set[tuple[int, int]]:
    """(row, column) indexes of the cells holding a formula without a value: a formula Excel never computed (a file
    written by a program) or one whose result is empty. Either reads as an empty cell, which would clear a mark."""
    if not any(v is None for row in rows for v in row):
        return set()
    wb = _open(data, data_only=False)
    try:
        formulas = list(wb[title].iter_rows(max_row=len(rows), max_col=_width(wb[title]), values_only=True))
    finally:
        wb.close()
    return {(r, c) for r, row in enumerate(formulas) for c, v in enumerate(row)
            if isinstance(v, str) and v.startswith("=") and (c >= len(rows[r]) or rows[r][c] is None)}


def _header_index(rows: list[tuple]) -> int | None:
    for index, row in enumerate(rows[:30]):
        if _header_key(CODE_HEADER) in (_header_key(v) for v in row):
            return index
    return None


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """(index of the header row, header key → column index); refuses a header that names a column twice."""
    index = _header_index(rows)
    if index is None:
        raise _refuse(
            f"Không tìm thấy dòng tiêu đề có cột '{CODE_HEADER}': trang sổ điểm trống hoặc đã bị sửa mẫu."
        )
    columns: dict[str, int] = {}
    twice: dict[str, list[str]] = {}
    for i, value in enumerate(rows[index]):
        key = _header_key(value)
        if not key:
            continue
        if key in columns:
            twice.setdefault(str(value).strip(), [get_column_letter(columns[key] + 1)]).append(get_column_letter(i + 1))
        else:
            columns[key] = i
    if twice:
        raise _refuse("Dòng tiêu đề có cột trùng tên, nên không biết lấy điểm ở cột nào; chưa lưu gì.",
                      {f"Cột {name}": [f"xuất hiện {len(at)} lần ({', '.join(at)})."] for name, at in twice.items()})
    return index, columns


def _import_rows(
    *,
    rows: list[tuple],
    class_group: ClassGroup,
    subject: Subject,
    term: int,
    shape: SheetShape,
    by,
    source: str,
    exported_at: dt.datetime | None = None,
    file_id: str = "",
    exported: dict[int, dict[str, str | None]] | None = None,
    blank_formulas: set[tuple[int, int]] = frozenset(),
) -> SheetImportReport:
    head, columns = _find_header(rows)
    wanted = {f: h for f, h in zip(shape.fields, shape.headers, strict=True)}
    wanted["comment"] = COMMENT_HEADER
    missing_cols = [h for h in [CODE_HEADER, *wanted.values()] if _header_key(h) not in columns]
    if missing_cols:
        raise _refuse("Trang sổ điểm thiếu cột: " + ", ".join(missing_cols) + ". Hãy xuất lại sổ điểm.")
    known = {_header_key(h) for h in wanted.values()}
    strays = [rows[head][i] for key, i in columns.items() if _SCORE_HEADER.fullmatch(key) and key not in known
              and any(i < len(row) and row[i] not in (None, "") for row in rows[head + 1:])]
    if strays:
        raise _refuse(
            f"Tệp có điểm ở cột không thuộc sổ điểm môn {subject.name} lớp {class_group.name} (môn có "
            f"{shape.tx_count} cột điểm thường xuyên); chưa lưu gì.",
            {f"Cột {str(name).strip()}": ["Không có cột này trong sổ điểm: điểm trong cột sẽ không được lưu. "
                                          "Hãy chuyển điểm sang đúng cột rồi nhập lại."] for name in strays})
    code_col = columns[_header_key(CODE_HEADER)]
    name_col = columns.get(_header_key(NAME_HEADER))
    number_col = columns.get(_header_key(NUMBER_HEADER))

    def row_label(index: int) -> str:
        return _row_label(index + 1, rows[index], number_col, name_col)

    field_cols = {f: columns[_header_key(h)] for f, h in wanted.items()}
    marks = {c: f for f, c in field_cols.items()}
    blanks = sorted((r, c) for r, c in blank_formulas if r > head and c in marks)
    if blanks:  # only the cells the import reads: a formula in the teacher's own columns is theirs
        raise _refuse(
            "Tệp có ô điểm chứa công thức nhưng không có giá trị (Excel chưa tính, hoặc kết quả trống), nên không "
            "biết điểm là bao nhiêu; chưa lưu gì. Hãy nhập giá trị thay cho công thức (hoặc mở tệp bằng Excel, "
            "lưu lại rồi nhập lại).",
            {f"{row_label(r)}, cột {get_column_letter(c + 1)} ({wanted[marks[c]]})": ["Công thức không có giá trị."]
             for r, c in blanks[:50]})

    enrolled = {
        _student_code_of(e): e
        for e in Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES).select_related(
            "student"
        )
    }
    errors: dict[str, list[str]] = {}
    found: dict[str, int] = {}  # code → Excel row
    found_labels: dict[str, str] = {}  # code → the row as the messages name it
    names_in_file: dict[str, str] = {}
    cells: dict[str, dict[str, object]] = {}
    for index in range(head + 1, len(rows)):
        row = rows[index]
        excel_row = index + 1
        values = {f: (row[c] if c < len(row) else None) for f, c in field_cols.items()}
        code_value = row[code_col] if code_col < len(row) else None
        code = nfc(str(code_value)) if code_value is not None else ""
        if not code:
            if any(v not in (None, "") for v in values.values()):
                errors.setdefault(row_label(index), []).append(
                    f"Thiếu {CODE_HEADER}: không biết điểm của ai."
                )
            continue
        if code in found:
            errors.setdefault(row_label(index), []).append(
                f"Mã học sinh {code} trùng với dòng {found[code]}."
            )
            continue
        found[code] = excel_row
        found_labels[code] = row_label(index)
        if name_col is not None and name_col < len(row) and row[name_col]:
            names_in_file[code] = nfc(str(row[name_col]))
        raw: dict[str, object] = {}
        for f, value in values.items():
            letter = get_column_letter(field_cols[f] + 1)
            where = f"{found_labels[code]}, cột {letter} ({wanted[f]})"
            try:
                raw[f] = _raw(value)
                if f == "comment":
                    if raw[f] is not None and len(str(raw[f])) > 1000:
                        raise CellError("Nhận xét dài quá 1000 ký tự.")
                else:
                    parse_cell(raw[f], shape.mode)
            except CellError as exc:
                errors.setdefault(where, []).append(str(exc))
        cells[code] = raw
        if len(found) > MAX_ROWS:
            raise _refuse(f"Tệp có quá nhiều dòng (trên {MAX_ROWS}).")

    if not found and not errors:
        raise _refuse(f"Trang sổ điểm không có học sinh nào (cột {CODE_HEADER} trống).")
    missing = [c for c in enrolled if c not in found]
    extra = [c for c in found if c not in enrolled]
    if missing or extra:
        differences: dict[str, list[str]] = {}
        if missing:
            differences[f"Có trong lớp {class_group.name} nhưng thiếu trong tệp"] = [
                f"{c} — {enrolled[c].student.full_name}"
                for c in sorted(missing, key=lambda c: enrolled[c].student.sort_name)
            ]
        if extra:
            differences[f"Có trong tệp nhưng không thuộc lớp {class_group.name}"] = [
                f"{c} — {names_in_file.get(c, '?')} (dòng {found[c]})" for c in sorted(extra, key=found.get)
            ]
        raise _refuse(
            f"Danh sách học sinh trong tệp không khớp với lớp {class_group.name}; chưa lưu gì. "
            "Hãy xuất lại sổ điểm để có danh sách mới nhất.",
            differences,
        )
    if errors:
        raise _refuse(
            f"Tệp chưa được nhập, chưa lưu gì: có {len(errors)} lỗi, liệt kê dưới đây theo dòng và cột. "
            "Sửa rồi nhập lại.",
            errors,
        )

    by_student = {enrolled[c].student_id: cells[c] for c in found}
    labels = {enrolled[c].student_id: found_labels[c] for c in found}
    result = services.sheet_import(
        class_group=class_group,
        subject=subject,
        term=term,
        rows=by_student,
        row_labels=labels,
        by=by,
        source=source,
        exported_at=exported_at,
        file_id=file_id,
        exported=exported,
    )
    code_of = {e.student_id: c for c, e in enrolled.items()}
    headers = list(wanted.values())

    def as_found(cells) -> list[CellChange]:
        """The service's cells as the person finds them in their file, in the file's order."""
        found_cells = [CellChange(row=found[code_of[c.student_id]], code=code_of[c.student_id],
                                  full_name=enrolled[code_of[c.student_id]].student.full_name,
                                  column=wanted[c.field], old=_shown(c.field, c.old), new=_shown(c.field, c.new))
                       for c in cells]
        return sorted(found_cells, key=lambda c: (c.row, headers.index(c.column)))

    changes, kept = as_found(result.changed), as_found(result.kept)
    return SheetImportReport(
        class_group=class_group,
        subject=subject,
        term=term,
        students=result.students,
        changed_cells=result.changed_cells,
        changes=changes,
        kept=kept,
    )


def _row_label(excel_row: int, row: tuple, number_col: int | None, name_col: int | None) -> str:
    """How the import's messages name a row of the sheet: its Excel row number (right where the teacher fixes the
    file) and the student as the web grid shows them — the STT and name written in that row, since a sorted file's
    row 12 is not the grid's 12th student: "Dòng 12 (STT 5, Mai Đình Cường)"; "Dòng 12" when the row has neither."""
    seen = []
    number = row[number_col] if number_col is not None and number_col < len(row) else None
    if isinstance(number, float) and number.is_integer():
        number = int(number)  # STT typed or re-numbered in Excel reads back as 5.0
    if number is not None and not isinstance(number, bool) and str(number).strip():
        seen.append(f"STT {nfc(str(number).strip())}")
    name = row[name_col] if name_col is not None and name_col < len(row) else None
    if name is not None and str(name).strip():
        seen.append(" ".join(nfc(str(name)).split()))
    return f"Dòng {excel_row} ({', '.join(seen)})" if seen else f"Dòng {excel_row}"


def _student_code_of(enrolment: Enrolment) -> str:
    return _student_code(enrolment.student)


def _shown(field_name: str, value: str | None) -> str:
    return (value or "") if field_name == "comment" else display(value)


def kept_lines(report: SheetImportReport) -> list[str]:
    """The cells an import left as the system has them, as lines a person can read (empty when none)."""
    if not report.kept:
        return []
    lines = [f"Giữ giá trị mới hơn trên hệ thống cho {len(report.kept)} ô đã được sửa sau khi tệp được xuất "
             "(giá trị cũ trong tệp không ghi đè):"]
    lines.extend(f"Dòng {c.row} {c.code} {c.full_name}, {c.column}: giữ {c.new or '(trống)'} "
                 f"(trong tệp: {c.old or '(trống)'})" for c in report.kept)
    return lines


def kept_message(report: SheetImportReport, most: int = 5) -> str:
    """:func:`kept_lines` as one message for the page: the first ``most`` cells, then "…"."""
    lines = kept_lines(report)
    return f"{lines[0]} {'; '.join(lines[1:most + 1])}{'…' if len(lines) > most + 1 else ''}" if lines else ""


def report_text(error: DomainError) -> str:
    """A refusal as lines a person can read (CLI output, messages on the page)."""
    lines = [error.message]
    for where, reasons in error.errors.items():
        for reason in reasons:
            lines.append(f"  - {where}: {reason}")
    return "\n".join(lines)

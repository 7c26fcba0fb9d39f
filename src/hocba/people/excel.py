"""Danh sách trích ngang as .xlsx (openpyxl): one row per teacher of a school, laid out as the school sends it.

A title block (the list's name, the school, the date it was exported), then one row per teacher in Vietnamese
name order — STT | Mã cán bộ | Họ và tên | Ngày sinh | Giới tính | Số định danh cá nhân | Trình độ chuyên môn |
Chức vụ | Môn giảng dạy | Loại hợp đồng | Điện thoại | Thư điện tử. A reader who may not see teachers' personal
data (a commune officer, a deputy principal, a teacher) gets the list without the columns the teacher's page
hides from them — birth date, sex, personal ID, phone, e-mail — and the title says so.

The list is the school's staff as it stands: only working teachers (a teacher who left — nghỉ việc, chuyển công
tác — is on the teachers' page under "Đã nghỉ việc", not in the count the school sends).

Every value is text (the personal ID and phone keep their leading zeros, in cells formatted as Text) and is
written as a string even when it starts with "=": a qualification typed as "=HYPERLINK(…)" is never a formula.
Control characters a worksheet cannot hold (a line break pasted from Word is "\\x0b") become spaces: openpyxl
would refuse the whole file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from hocba.core.dates import format_vn_date
from hocba.people.models import Teacher

TEXT = "@"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    personal: bool  # shown only to readers of the full profile

    def value(self, teacher: Teacher) -> str:
        return _sheet_text(_VALUES[self.header](teacher))


def _sheet_text(text: str) -> str:
    """``text`` without the control characters a worksheet cannot hold (each becomes a space)."""
    if not ILLEGAL_CHARACTERS_RE.search(text):
        return text
    return re.sub(" {2,}", " ", ILLEGAL_CHARACTERS_RE.sub(" ", text)).strip()


_VALUES = {
    "Mã cán bộ": lambda t: t.staff_code,
    "Họ và tên": lambda t: t.full_name,
    "Ngày sinh": lambda t: format_vn_date(t.birth_date),
    "Giới tính": lambda t: t.get_sex_display(),
    "Số định danh cá nhân": lambda t: t.personal_id or "",
    "Trình độ chuyên môn": lambda t: t.qualification,
    "Chức vụ": lambda t: t.get_position_display(),
    "Môn giảng dạy": lambda t: ", ".join(s.name for s in t.subjects.all()),
    "Loại hợp đồng": lambda t: t.get_contract_type_display(),
    "Điện thoại": lambda t: t.phone,
    "Thư điện tử": lambda t: t.email,
}

#: The columns after STT, in the order of the list.
COLUMNS = (
    Column("Mã cán bộ", 13, False),
    Column("Họ và tên", 26, False),
    Column("Ngày sinh", 12, True),
    Column("Giới tính", 9, True),
    Column("Số định danh cá nhân", 15, True),
    Column("Trình độ chuyên môn", 20, False),
    Column("Chức vụ", 20, False),
    Column("Môn giảng dạy", 28, False),
    Column("Loại hợp đồng", 17, False),
    Column("Điện thoại", 13, True),
    Column("Thư điện tử", 28, True),
)
TITLE = "DANH SÁCH TRÍCH NGANG GIÁO VIÊN, NHÂN VIÊN"
MASKED_NOTE = ("Bản rút gọn: không có ngày sinh, giới tính, số định danh, điện thoại, thư điện tử "
               "(chỉ ban giám hiệu, ban quản lý học bạ và Sở GDĐT xem được).")
HEAD_ROW = 5


def columns(*, full: bool) -> list[Column]:
    return [c for c in COLUMNS if full or not c.personal]


def teacher_roster_export(*, school, teachers: Sequence[Teacher], full: bool, today: dt.date) -> bytes:
    """The school's trích ngang list as .xlsx bytes; ``teachers`` in the order of the rows (the caller has
    restricted them to what the user may see), their subjects prefetched; ``full``: with the personal columns."""
    shown = columns(full=full)
    headers = ["STT", *(c.header for c in shown)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Trích ngang"
    lines = [TITLE, f"Trường: {_sheet_text(school.name)}",
             f"Số giáo viên, nhân viên đang công tác: {len(teachers)} — xuất ngày {format_vn_date(today)}"]
    if not full:
        lines.append(MASKED_NOTE)
    for i, text in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.font = Font(bold=i == 1, size=14 if i == 1 else 11, italic=text == MASKED_NOTE)
        if text == MASKED_NOTE:  # longer than the narrower masked table: on two lines rather than cut
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[i].height = 30
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=len(headers))
    for col, (text, width) in enumerate(zip(headers, [6, *(c.width for c in shown)], strict=True), start=1):
        cell = ws.cell(row=HEAD_ROW, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    for n, teacher in enumerate(teachers, start=1):
        row = HEAD_ROW + n
        number = ws.cell(row=row, column=1, value=n)
        number.border = _BORDER
        number.alignment = Alignment(horizontal="center", vertical="top")
        for col, column in enumerate(shown, start=2):
            cell = ws.cell(row=row, column=col, value=column.value(teacher) or None)
            if cell.value is not None:
                cell.data_type = TYPE_STRING  # "=…" stays text, never a formula
            cell.number_format = TEXT
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = ws.cell(row=HEAD_ROW + 1, column=3)
    ws.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # every column on the page's width, as many pages as rows
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

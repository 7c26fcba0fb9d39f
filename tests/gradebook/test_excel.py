"""Excel in and out, as a teacher uses it: export a sheet, fill it in Excel, import it back."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.gradebook import excel, services
from hocba.gradebook.models import ScoreChange, Source, SubjectTermScore
from hocba.gradebook.selectors import sheet_get
from hocba.gradebook.sheet import sheet_shape
from hocba.gradebook.values import CellError, parse_score
from hocba.org.models import ClassGroup
from hocba.people.models import Student
from tests.gradebook.gb_world import (  # noqa: F401 — fixtures
    active_students,
    clock,
    fill_class,
    fill_sheet,
    teacher_user,
    world,
)

pytestmark = pytest.mark.django_db

HEAD = 7  # the header row of an exported sheet; students from row 8


def export(w, subject=None, term=1, cls=None) -> Workbook:
    data = excel.sheet_export(class_group=cls or w.cls, subject=subject or w.toan, term=term)
    return load_workbook(io.BytesIO(data))


def to_bytes(wb: Workbook) -> io.BytesIO:
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def columns(ws) -> dict[str, str]:
    """header → column letter."""
    return {c.value: c.column_letter for c in ws[HEAD] if c.value}


def row_of(ws, student_id: int) -> int:
    code = Student.objects.get(pk=student_id).moet_code
    for r in range(HEAD + 1, ws.max_row + 1):
        if ws[f"B{r}"].value == code:
            return r
    raise AssertionError(f"no row for {code}")


def on_grid(w, student_id: int, r: int, subject=None, term=1) -> str:
    """How a refusal names Excel row ``r``: the row, then the student as the web grid shows them (STT, name)."""
    row = next(x for x in sheet_get(class_group=w.cls, subject=subject or w.toan, term=term).rows
               if x.student_id == student_id)
    return f"Dòng {r} (STT {row.number}, {row.full_name})"


def stored(w, student_id, field, subject=None, term=1):
    row = SubjectTermScore.objects.filter(
        class_group=w.cls, subject=subject or w.toan, term=term, student_id=student_id
    ).first()
    return row.cell(field) if row else None


def fill(cls, subject, term):
    """A complete sheet stored as the services store it (canonical "8.0", not the helper's "8")."""
    fill_sheet(cls, subject, term)
    rows = list(SubjectTermScore.objects.filter(class_group=cls, subject=subject, term=term))
    for r in rows:
        r.tx = [parse_score(v) for v in r.tx] if subject.mode == "score" else r.tx
        r.gk, r.ck = (parse_score(r.gk), parse_score(r.ck)) if subject.mode == "score" else (r.gk, r.ck)
    SubjectTermScore.objects.bulk_update(rows, ["tx", "gk", "ck"])


def counts():
    return SubjectTermScore.objects.count(), ScoreChange.objects.count()


# --- export ------------------------------------------------------------------------------


def test_exported_sheet_has_title_block_columns_comma_values_frozen_header_and_identification(world):
    fill(world.cls, world.toan, 1)
    SubjectTermScore.objects.filter(
        class_group=world.cls, subject=world.toan, student_id=world.students[0]
    ).update(gk="8.5")
    wb = export(world)
    ws = wb.worksheets[0]
    title = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, 6))
    for expected in (
        "TOÁN",
        world.cls.school.name,
        world.cls.name,
        "Học kì I",
        world.cls.school_year.name,
        "Giáo viên bộ môn",
    ):
        assert expected in title
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    headers = [c.value for c in ws[HEAD]]
    assert headers == ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", *shape.headers, "ĐTBmhk", "Nhận xét"]
    cols = columns(ws)
    first = row_of(ws, world.students[0])
    assert ws[f"{cols['GK']}{first}"].value == "8,5"
    assert "." not in "".join(str(ws[f"{cols['TX1']}{r}"].value) for r in range(HEAD + 1, ws.max_row + 1))
    assert "," in str(ws[f"{cols['ĐTBmhk']}{first}"].value)
    assert ws.max_row - HEAD == len(world.students)
    assert ws.freeze_panes == f"E{HEAD + 1}"
    assert ws.column_dimensions["C"].width >= 20
    meta = wb[excel.META_SHEET]
    assert meta.sheet_state == "hidden"
    values = {r[0]: r[1] for r in meta.iter_rows(min_row=2, values_only=True)}
    assert values["class_id"] == str(world.cls.pk)
    assert values["subject_code"] == "TOAN"
    assert values["term"] == "1"
    assert values["school_year"] == world.cls.school_year.name
    assert values["version"] == str(excel.FORMAT_VERSION)


def test_class_summary_shows_every_subject_result_learning_and_conduct_side_by_side(world):
    fill_class(world.cls, terms=(1,), conduct="Khá")
    from hocba.gradebook.closing import close_classes

    close_classes(class_ids=[world.cls.pk], period="hk1")
    wb = load_workbook(io.BytesIO(excel.class_summary_export(class_group=world.cls, term=1)))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[HEAD]]
    assert (
        "Toán" in headers and "Ngữ văn" in headers and "Kết quả học tập" in headers and "Rèn luyện" in headers
    )
    toan = headers.index("Toán") + 1
    conduct = headers.index("Rèn luyện") + 1
    learning = headers.index("Kết quả học tập") + 1
    assert ws.max_row - HEAD == len(world.students)
    for r in range(HEAD + 1, ws.max_row + 1):
        assert "," in ws.cell(row=r, column=toan).value
        assert ws.cell(row=r, column=conduct).value == "Khá"
        assert ws.cell(row=r, column=learning).value in {"Tốt", "Khá", "Đạt", "Chưa đạt"}
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "bảng tổng hợp" in exc.value.message


# --- import ------------------------------------------------------------------------------


def test_export_then_import_unchanged_changes_nothing(world):
    fill(world.cls, world.toan, 1)
    SubjectTermScore.objects.filter(
        class_group=world.cls, subject=world.toan, student_id=world.students[1]
    ).update(comment="Tiến bộ rõ rệt, cần phát huy.")
    before = list(SubjectTermScore.objects.filter(class_group=world.cls).order_by("pk").values())
    report = excel.sheet_import_file(fileobj=to_bytes(export(world)), by=world.gvbm)
    assert report.changed_cells == 0 and report.changes == []
    assert report.students == len(world.students)
    assert not ScoreChange.objects.exists()
    assert list(SubjectTermScore.objects.filter(class_group=world.cls).order_by("pk").values()) == before


def test_a_filled_sheet_is_stored_with_history_from_import(world):
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    a, b, c = (row_of(ws, s) for s in world.students[:3])
    ws[f"{cols['TX1']}{a}"] = "8,5"
    ws[f"{cols['TX2']}{a}"] = 7  # typed as a number
    ws[f"{cols['GK']}{b}"] = "9.5"
    ws[f"{cols['CK']}{c}"] = 6.5  # pasted as a number
    ws[f"{cols['Nhận xét']}{c}"] = "Tiến bộ"
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, world.students[0], "tx1") == "8.5"
    assert stored(world, world.students[0], "tx2") == "7.0"
    assert stored(world, world.students[1], "gk") == "9.5"
    assert stored(world, world.students[2], "ck") == "6.5"
    assert stored(world, world.students[2], "comment") == "Tiến bộ"
    history = ScoreChange.objects.all()
    assert history.count() == 5 == report.changed_cells
    assert set(history.values_list("source", flat=True)) == {Source.IMPORT}
    assert set(history.values_list("by", flat=True)) == {world.gvbm.pk}
    shown = {(ch.row, ch.column, ch.new) for ch in report.changes}
    assert (a, "TX1", "8,5") in shown and (c, "CK", "6,5") in shown


def test_comment_subject_takes_d_and_cd(world):
    teacher = teacher_user(world.cls, "GDTC")
    wb = export(world, subject=world.gdtc)
    ws = wb.worksheets[0]
    cols = columns(ws)
    first = row_of(ws, world.students[0])
    ws[f"{cols['GK']}{first}"] = "Đ"
    ws[f"{cols['CK']}{first}"] = "cđ"
    excel.sheet_import_file(fileobj=to_bytes(wb), by=teacher)
    assert stored(world, world.students[0], "gk", subject=world.gdtc) == "Đ"
    assert stored(world, world.students[0], "ck", subject=world.gdtc) == "CĐ"


def test_every_bad_cell_is_reported_with_row_column_and_reason_and_nothing_is_saved(world):
    fill(world.cls, world.toan, 1)
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    rows = [row_of(ws, s) for s in world.students[:4]]
    ws[f"{cols['TX1']}{rows[0]}"] = "9,0"  # a good change, which must not be saved either
    ws[f"{cols['TX2']}{rows[1]}"] = 11
    ws[f"{cols['GK']}{rows[2]}"] = "8,55"
    ws[f"{cols['CK']}{rows[3]}"] = "abc"
    before = counts()
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    errors = exc.value.errors
    who = [on_grid(world, s, r) for s, r in zip(world.students[:4], rows, strict=True)]
    assert errors == {
        f"{who[1]}, cột {cols['TX2']} (TX2)": ["Điểm 11 nằm ngoài thang 0–10."],
        f"{who[2]}, cột {cols['GK']} (GK)": ["Điểm 8,55 có quá một chữ số thập phân."],
        f"{who[3]}, cột {cols['CK']} (CK)": ["'abc' không phải là điểm số (ví dụ hợp lệ: 8,5)."],
    }
    assert "chưa lưu gì" in exc.value.message
    assert counts() == before
    assert stored(world, world.students[0], "tx1") != "9.0"


def test_a_letter_in_a_comment_subject_is_refused_naming_the_cell(world):
    teacher = teacher_user(world.cls, "GDTC")
    wb = export(world, subject=world.gdtc)
    ws = wb.worksheets[0]
    cols = columns(ws)
    r = row_of(ws, world.students[0])
    ws[f"{cols['TX1']}{r}"] = "X"
    ws[f"{cols['GK']}{r}"] = "8"
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=teacher)
    who = on_grid(world, world.students[0], r, subject=world.gdtc)
    assert set(exc.value.errors) == {f"{who}, cột {cols['TX1']} (TX1)", f"{who}, cột {cols['GK']} (GK)"}
    assert all("Đ (Đạt) hoặc CĐ" in m[0] for m in exc.value.errors.values())
    assert not SubjectTermScore.objects.exists()


def test_rows_are_matched_by_student_code_not_position(world):
    fill(world.cls, world.toan, 1)
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    data = [[c.value for c in ws[r]] for r in range(HEAD + 1, ws.max_row + 1)]
    data.reverse()  # the teacher sorted the sheet differently
    for i, values in enumerate(data):
        for j, v in enumerate(values, start=1):
            ws.cell(row=HEAD + 1 + i, column=j, value=v)
    target = world.students[0]
    ws[f"{cols['CK']}{row_of(ws, target)}"] = "2,5"
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert report.changed_cells == 1
    assert stored(world, target, "ck") == "2.5"
    assert ScoreChange.objects.get().row.student_id == target


def test_a_refusal_of_a_sorted_sheet_names_the_student_of_that_row_not_the_grids_row(world):
    """Row 12 of a sheet the teacher sorted (here by name, Z to A) is not the grid's 12th student: the message keeps
    the Excel row and adds the STT and name of the student written in it."""
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    data = [[c.value for c in ws[r]] for r in range(HEAD + 1, ws.max_row + 1)]
    data.sort(key=lambda values: values[2], reverse=True)
    for i, values in enumerate(data):
        for j, v in enumerate(values, start=1):
            ws.cell(row=HEAD + 1 + i, column=j, value=v)
    grid = sheet_get(class_group=world.cls, subject=world.toan, term=1).rows
    target = grid[1]  # STT 2 on the grid
    r = row_of(ws, target.student_id)
    assert r != HEAD + target.number  # in the sorted file it sits elsewhere
    ws[f"{cols['GK']}{r}"] = 12
    ws[f"{cols['TX1']}{HEAD + target.number}"] = "Đ"  # the row where STT 2 sat before sorting: another student
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    other = next(x for x in grid if row_of(ws, x.student_id) == HEAD + target.number)
    assert exc.value.errors == {
        f"Dòng {r} (STT 2, {target.full_name}), cột {cols['GK']} (GK)": ["Điểm 12 nằm ngoài thang 0–10."],
        f"Dòng {HEAD + 2} (STT {other.number}, {other.full_name}), cột {cols['TX1']} (TX1)": [
            "'Đ' không phải là điểm số (ví dụ hợp lệ: 8,5)."],
    }
    assert f"Dòng {r} (STT 2, {target.full_name}), cột {cols['GK']} (GK): Điểm 12" in excel.report_text(exc.value)
    assert not SubjectTermScore.objects.exists()


def test_a_row_without_stt_or_name_is_named_by_its_excel_row(world):
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    r = row_of(ws, world.students[0])
    ws[f"A{r}"] = None
    ws[f"C{r}"] = None
    ws[f"{cols['GK']}{r}"] = 12
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert list(exc.value.errors) == [f"Dòng {r}, cột {cols['GK']} (GK)"]


def test_a_sheet_whose_student_list_differs_is_refused_listing_the_differences(world):
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    removed = Student.objects.get(pk=world.students[0])
    ws.delete_rows(row_of(ws, removed.pk))
    stranger_row = row_of(ws, world.students[1])
    ws[f"B{stranger_row}"] = "3199999999"
    ws[f"C{stranger_row}"] = "Người Lạ"
    ws[f"{cols['GK']}{row_of(ws, world.students[2])}"] = "7"
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "không khớp" in exc.value.message
    listed = {k: " | ".join(v) for k, v in exc.value.errors.items()}
    missing = next(v for k, v in listed.items() if "thiếu trong tệp" in k)
    extra = next(v for k, v in listed.items() if "không thuộc lớp" in k)
    assert removed.moet_code in missing and removed.full_name in missing
    second = Student.objects.get(pk=world.students[1])
    assert second.moet_code in missing  # their code was overwritten: missing too
    assert "3199999999 — Người Lạ" in extra and f"dòng {stranger_row}" in extra
    assert not SubjectTermScore.objects.exists()


def test_another_teachers_subject_is_refused(world):
    wb = export(world, subject=world.van)
    ws = wb.worksheets[0]
    ws[f"{columns(ws)['GK']}{HEAD + 1}"] = "8"
    with pytest.raises(PermissionDeniedError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "Ngữ văn" in exc.value.message
    assert not SubjectTermScore.objects.exists()


def test_the_sheet_names_its_own_class_subject_and_term(world):
    other = world.other_class_without_gvbm_math()
    teacher = teacher_user(other, "TOAN", "gv_toan_other")
    wb = export(world, cls=other, term=2)
    ws = wb.worksheets[0]
    ws[f"{columns(ws)['GK']}{HEAD + 1}"] = "6"
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=teacher)
    assert (report.class_group, report.subject, report.term) == (other, world.toan, 2)
    changed = ScoreChange.objects.get().row
    assert (changed.class_group, changed.subject, changed.term, changed.gk) == (other, world.toan, 2, "6.0")
    assert not SubjectTermScore.objects.filter(class_group=world.cls).exists()
    with pytest.raises(PermissionDeniedError):  # gvbm may not import the other class's sheet
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)


def test_a_locked_sheet_is_refused_and_nothing_saved(world):
    fill(world.cls, world.toan, 1)
    services.subject_finalise(class_group=world.cls, subject=world.toan, term=1, by=world.gvbm)
    wb = export(world)
    ws = wb.worksheets[0]
    ws[f"{columns(ws)['GK']}{HEAD + 1}"] = "1"
    before = counts()
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "chốt điểm" in exc.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "Tệp rỗng"),
        (b"STT;Ma hoc sinh\n1;31000001\n", "không phải là tệp Excel"),
        (b"PK\x03\x04 broken zip", "Không đọc được tệp Excel"),
    ],
)
def test_files_that_are_not_sheets_are_refused_in_vietnamese(world, content, words):
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=io.BytesIO(content), by=world.gvbm)
    assert words in exc.value.message


def test_a_workbook_without_identification_or_with_an_empty_sheet_is_refused(world):
    plain = Workbook()
    plain.active.append(["STT", "Mã học sinh", "TX1"])
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(plain), by=world.gvbm)
    assert "phần nhận dạng" in exc.value.message
    wb = export(world)
    ws = wb.worksheets[0]
    ws.delete_rows(1, ws.max_row)
    with pytest.raises(DomainError) as exc_empty:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "tiêu đề" in exc_empty.value.message


def test_identification_of_a_class_that_does_not_exist_here_is_refused(world):
    wb = export(world)
    meta = wb[excel.META_SHEET]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "class_id":
            row[1].value = str(ClassGroup.objects.order_by("-pk").first().pk + 100)
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "Không tìm thấy lớp" in exc.value.message


def test_text_is_normalised_to_nfc(world):
    import unicodedata

    wb = export(world)
    ws = wb.worksheets[0]
    r = row_of(ws, world.students[0])
    ws[f"{columns(ws)['Nhận xét']}{r}"] = unicodedata.normalize("NFD", "Học tốt   môn Toán")
    excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, world.students[0], "comment") == unicodedata.normalize("NFC", "Học tốt môn Toán")


# --- what changed in the system after the export ------------------------------------------


def filled_export(w):
    """A complete Toán HK I sheet stored, then exported: (workbook, its gradebook sheet, header → column)."""
    fill(w.cls, w.toan, 1)
    wb = export(w)
    return wb, wb.worksheets[0], columns(wb.worksheets[0])


def system_edit(w, student_id, field, raw):
    """A change made on the web grid by the subject teacher, after the file was exported."""
    services.score_update(class_group=w.cls, subject=w.toan, student_id=student_id, term=1, field=field, raw=raw,
                          expected=stored(w, student_id, field), by=w.gvbm)


def test_import_keeps_a_mark_corrected_in_the_system_after_the_export(world):
    wb, ws, cols = filled_export(world)
    a, b = world.students[:2]
    ws[f"{cols['TX1']}{row_of(ws, a)}"] = "9,5"  # the teacher's work in the file
    system_edit(world, b, "gk", "2,0")  # meanwhile, a correction on the web
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, a, "tx1") == "9.5"
    assert stored(world, b, "gk") == "2.0"  # not put back to the file's older value
    assert report.changed_cells == 1
    old_in_file = ws[f"{cols['GK']}{row_of(ws, b)}"].value
    assert [(k.row, k.column, k.old, k.new) for k in report.kept] == [(row_of(ws, b), "GK", old_in_file, "2,0")]
    assert "giữ 2,0" in "\n".join(excel.kept_lines(report))


def test_import_of_a_cell_changed_in_both_places_is_refused_naming_the_newer_value(world):
    wb, ws, cols = filled_export(world)
    a, b = world.students[:2]
    ws[f"{cols['GK']}{row_of(ws, a)}"] = "9,5"
    ws[f"{cols['TX1']}{row_of(ws, b)}"] = "4,0"  # a good change: nothing may be saved either
    system_edit(world, a, "gk", "2,0")
    before = counts()
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert "chưa lưu gì" in exc.value.message
    [(where, [reason])] = exc.value.errors.items()
    assert where == f"{on_grid(world, a, row_of(ws, a))}, cột giữa kì"
    assert "trong tệp là '9,5'" in reason and "sửa thành '2,0'" in reason and world.gvbm.username in reason
    assert counts() == before
    assert stored(world, a, "gk") == "2.0" and stored(world, b, "tx1") != "4.0"


def test_the_same_file_imported_twice_is_harmless_and_keeps_a_later_web_change(world):
    wb, ws, cols = filled_export(world)
    a = world.students[0]
    ws[f"{cols['CK']}{row_of(ws, a)}"] = "7,5"
    excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    again = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert again.changed_cells == 0 and again.kept == []
    system_edit(world, a, "ck", "8,0")
    third = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, a, "ck") == "8.0"
    assert third.changed_cells == 0 and [(k.column, k.old, k.new) for k in third.kept] == [("CK", "7,5", "8,0")]


def test_a_file_imported_then_worked_on_again_imports_again_without_a_new_export(world):
    wb, ws, cols = filled_export(world)
    a, b = world.students[:2]
    ws[f"{cols['TX1']}{row_of(ws, a)}"] = "6,0"
    excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    system_edit(world, b, "gk", "2,0")  # a colleague's correction between the two imports
    ws[f"{cols['TX1']}{row_of(ws, a)}"] = "6,5"  # more work in the same file
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, a, "tx1") == "6.5"
    assert stored(world, b, "gk") == "2.0"
    assert [(k.column, k.new) for k in report.kept] == [("GK", "2,0")]
    another = export(world)  # another export of the sheet is another file: the first one's import is not its own
    ws2 = another.worksheets[0]
    ws2[f"{cols['TX1']}{row_of(ws2, a)}"] = "3,0"
    system_edit(world, a, "tx1", "7,0")
    with pytest.raises(DomainError):
        excel.sheet_import_file(fileobj=to_bytes(another), by=world.gvbm)


# --- sheets edited in ways that would lose marks ------------------------------------------


def test_a_header_named_twice_is_refused_naming_both_columns(world):
    wb, ws, cols = filled_export(world)
    extra = get_column_letter(ws.max_column + 1)
    ws[f"{extra}{HEAD}"] = "TX1"
    ws[f"{extra}{HEAD + 1}"] = "9,0"
    before = counts()
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert exc.value.errors == {"Cột TX1": [f"xuất hiện 2 lần ({cols['TX1']}, {extra})."]}
    assert counts() == before


def test_marks_in_a_score_column_the_subject_does_not_have_are_refused(world):
    fill(world.cls, world.toan, 1)
    wb = export(world)
    ws = wb.worksheets[0]
    extra = get_column_letter(ws.max_column + 1)
    ws[f"{extra}{HEAD}"] = "TX9"
    ws[f"{extra}{HEAD + 2}"] = "9,0"
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert list(exc.value.errors) == ["Cột TX9"]
    ws[f"{extra}{HEAD + 2}"] = None  # an empty stray column, or a column of the teacher's own notes, is harmless
    ws[f"{get_column_letter(ws.max_column + 1)}{HEAD}"] = "Ghi chú riêng"
    assert excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm).changed_cells == 0


def test_a_formula_excel_never_computed_is_refused_instead_of_clearing_the_mark(world):
    wb, ws, cols = filled_export(world)
    r = row_of(ws, world.students[0])
    ws[f"{cols['TX1']}{r}"] = "=7+1"  # written by a program: no value cached
    before = stored(world, world.students[0], "tx1")
    with pytest.raises(DomainError) as exc:
        excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert exc.value.errors == {
        f"{on_grid(world, world.students[0], r)}, cột {cols['TX1']} (TX1)": ["Công thức không có giá trị."]}
    assert stored(world, world.students[0], "tx1") == before
    ws[f"{cols['TX1']}{r}"] = before.replace(".", ",")
    ws[f"{get_column_letter(ws.max_column + 1)}{r}"] = '=IF(1>2,"x","")'  # the teacher's own note column
    assert excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm).changed_cells == 0


def test_a_sheet_added_in_front_does_not_hide_the_gradebook_sheet(world):
    wb = export(world)
    ws = wb.worksheets[0]
    cols = columns(ws)
    wb.create_sheet("Ghi chép", 0)["A1"] = "nháp của giáo viên"
    ws[f"{cols['GK']}{row_of(ws, world.students[0])}"] = 8.200000000000001  # a formula's result, shown as 8,2
    excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, world.students[0], "gk") == "8.2"


@pytest.mark.parametrize("typed", ["1e1", "1_0", "NaN", "Infinity", "8..5"])
def test_text_that_python_reads_as_a_number_is_not_a_mark(typed):
    with pytest.raises(CellError, match="không phải là điểm số"):
        parse_score(typed)


def test_a_file_exported_while_another_import_is_being_written_does_not_undo_it(world, monkeypatch):
    """No clock decides what a file has seen: the file keeps the values it was exported with (review finding:
    an import stamped before it took its locks was invisible to a file exported meanwhile)."""
    fill(world.cls, world.toan, 1)
    a, b = world.students[:2]
    first = export(world)
    ws = first.worksheets[0]
    cols = columns(ws)
    ws[f"{cols['GK']}{row_of(ws, a)}"] = "4,0"
    exported_meanwhile = {}
    real = services._values_in_file

    def values_in_file(*args, **kwargs):  # inside the first import, before it writes: another export reads
        exported_meanwhile.setdefault("file", excel.sheet_export(class_group=world.cls, subject=world.toan, term=1))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_values_in_file", values_in_file)
    excel.sheet_import_file(fileobj=to_bytes(first), by=world.gvbm)
    monkeypatch.setattr(services, "_values_in_file", real)
    assert stored(world, a, "gk") == "4.0"
    second = load_workbook(io.BytesIO(exported_meanwhile["file"]))
    ws2 = second.worksheets[0]
    assert ws2[f"{cols['GK']}{row_of(ws2, a)}"].value != "4,0"  # it was exported before the first import wrote
    ws2[f"{cols['TX1']}{row_of(ws2, b)}"] = "9,5"
    report = excel.sheet_import_file(fileobj=to_bytes(second), by=world.gvbm)
    assert stored(world, a, "gk") == "4.0" and stored(world, b, "tx1") == "9.5"
    assert [(k.column, k.new) for k in report.kept] == [("GK", "4,0")]


def test_a_file_from_before_the_values_were_kept_falls_back_on_the_history(world):
    fill(world.cls, world.toan, 1)
    wb = export(world)
    meta = wb[excel.META_SHEET]
    for row in list(meta.iter_rows(min_row=2)):
        if str(row[0].value).startswith(excel.CELLS_KEY):
            row[0].value = row[1].value = None
    ws = wb.worksheets[0]
    cols = columns(ws)
    a, b = world.students[:2]
    ws[f"{cols['TX1']}{row_of(ws, a)}"] = "9,5"
    system_edit(world, b, "gk", "2,0")
    report = excel.sheet_import_file(fileobj=to_bytes(wb), by=world.gvbm)
    assert stored(world, a, "tx1") == "9.5" and stored(world, b, "gk") == "2.0"
    assert [(k.column, k.new) for k in report.kept] == [("GK", "2,0")]

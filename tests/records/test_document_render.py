"""The học bạ PDF as its reader sees it: text, attachment, QR code, fonts, signature boxes."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata

import pytest

from hocba.records.document import (
    PRIMARY_ROLES,
    SECONDARY_ROLES,
    RecordInvalid,
    Renderer,
    canonical_json,
    format_verification_code,
    render_record,
    sample_record,
)

A4 = (595.28, 841.89)
FOOTER_TOP = 2.6 / 2.54 * 72  # the bottom margin holds the footer with the QR code

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
    reason="poppler-utils (pdftotext, pdftoppm, pdffonts) is not installed",
)


def _run(*args: str, data: bytes) -> bytes:
    return subprocess.run([*args], input=data, capture_output=True, check=True).stdout


def pdf_text(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page + 1), "-l", str(page + 1)] if page is not None else []
    return _run("pdftotext", "-layout", "-enc", "UTF-8", *pages, "-", "-", data=pdf).decode("utf-8")


def box_text(pdf: bytes, box) -> str:
    """The words printed inside a signature box, on one line."""
    crop = ["-x", str(round(box.x1)), "-y", str(round(A4[1] - box.y2)),
            "-W", str(round(box.x2 - box.x1)), "-H", str(round(box.y2 - box.y1))]
    page = ["-f", str(box.page_index + 1), "-l", str(box.page_index + 1)]
    return " ".join(_run("pdftotext", *page, *crop, "-enc", "UTF-8", "-", "-", data=pdf).decode("utf-8").split())


def page_image(pdf: bytes, page: int, dpi: int):
    from PIL import Image

    png = _run("pdftoppm", "-png", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-", data=pdf)
    return Image.open(io.BytesIO(png)).convert("L")


def attachments(pdf: bytes) -> dict[str, bytes]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1]
        found[str(names[i])] = spec["/EF"]["/F"].data
    return found


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.fixture(scope="module")
def thcs(renderer):
    record = sample_record("THCS", seed=0)
    return record, renderer.render(record)


@pytest.fixture(scope="module")
def thpt(renderer):
    record = sample_record("THPT", seed=0, version=2)
    return record, renderer.render(record)


@needs_poppler
@pytest.mark.parametrize("which", ["thcs", "thpt"])
def test_text_extraction_returns_the_exact_strings(which, request):
    record, rendered = request.getfixturevalue(which)
    text = pdf_text(rendered.pdf)
    assert unicodedata.is_normalized("NFC", text)
    student = record["student"]
    for value in (
        student["full_name"],
        student["birth_date"],
        student["birth_place"],
        student["residence"],
        student["father"]["name"],
        student["personal_id"],
        record["school"]["name"],
        record["homeroom_comment"].split(". ")[0],
    ):
        assert value in text or value in " ".join(text.split()), value
    level = "TRUNG HỌC CƠ SỞ" if which == "thcs" else "TRUNG HỌC PHỔ THÔNG"
    assert f"HỌC BẠ {level}" in text
    assert "(Mẫu ban hành kèm theo Thông tư số 22/2021/TT-BGDĐT ngày 20 tháng 7 năm 2021)" in text
    assert f"{student['register_number']}/{record['school']['level']}" in text
    results = pdf_text(rendered.pdf, page=2)
    lines = results.splitlines()
    for row in record["subjects"]:
        line = next((ln for ln in lines if ln.strip().startswith(row["name"])), None)
        assert line is not None, f"subject row {row['name']!r} not found on one line"
        cells = line[len(line) - len(line.lstrip()) + len(row["name"]) :].split()
        values = [row["term1"], row["term2"], row["year"]] + (
            [row["reassessment"]] if row["reassessment"] else []
        )
        assert cells[: len(values)] == values, (row["name"], cells)
        assert row["teacher"] in line


@needs_poppler
def test_form_headings_and_signature_titles(thcs, thpt):
    text = pdf_text(thcs[1].pdf)
    for heading in (
        "QUÁ TRÌNH HỌC TẬP",
        "Môn học/Hoạt động giáo dục",
        "Học kì I",
        "Học kì II",
        "Cả năm",
        "Giáo viên môn học ký xác nhận",
        "Trong bảng này có sửa chữa ở 0 chỗ",
        "Xác nhận của Giáo viên chủ nhiệm",
        "Xác nhận của Hiệu trưởng",
        "Kết quả rèn luyện",
        "Kết quả học tập",
        "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM",
        "PHÊ DUYỆT CỦA HIỆU TRƯỞNG",
        "Được công nhận hoàn thành chương trình THCS",
        "Học sinh",
    ):
        assert heading in text, heading
    assert "KT. HIỆU TRƯỞNG" not in text
    deputy = pdf_text(thpt[1].pdf)
    assert "KT. HIỆU TRƯỞNG" in deputy and "PHÓ HIỆU TRƯỞNG" in deputy
    assert "Được lên lớp sau khi kiểm tra lại môn học hoặc rèn luyện thêm trong kì nghỉ hè: x" in deputy


@needs_poppler
def test_a_new_version_shows_its_corrections(thpt):
    record, rendered = thpt
    change = record["corrections"][0]
    assert rendered.page_count == 5
    text = pdf_text(rendered.pdf)
    assert f"Trong bảng này có sửa chữa ở 1 chỗ, thuộc các môn học: {change['subject']}" in text
    last = pdf_text(rendered.pdf, page=4)
    assert "DANH SÁCH SỬA CHỮA" in last and "Phiên bản 2 thay thế phiên bản 1" in last
    row = next(ln for ln in last.splitlines() if change["field"] in ln)
    assert row.split()[-2:] == [change["old"], change["new"]]
    assert change["by"] in last and change["date"] in last and change["reason"][:30] in last


def test_attached_record_json_is_the_canonical_json(thcs, thpt):
    for record, rendered in (thcs, thpt):
        files = attachments(rendered.pdf)
        assert list(files) == ["record.json"]
        assert files["record.json"] == canonical_json(record) == rendered.record_json


@needs_poppler
def test_every_page_carries_the_verification_code_and_a_readable_qr(thpt):
    zxingcpp = pytest.importorskip("zxingcpp")
    record, rendered = thpt
    shown = format_verification_code(record["verification"]["code"])
    for page in range(rendered.page_count):
        assert f"Mã xác thực: {shown}" in pdf_text(rendered.pdf, page=page)
        image = page_image(rendered.pdf, page, dpi=150)
        decoded = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert decoded == [record["verification"]["url"]], f"page {page + 1}"


@needs_poppler
def test_fonts_are_embedded_and_pdfa3b_is_declared(thcs):
    out = _run("pdffonts", "-", data=thcs[1].pdf).decode()
    rows = out.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column
    assert (
        b"<pdfaid:part>3</pdfaid:part>" in thcs[1].pdf
        and b"<pdfaid:conformance>B</pdfaid:conformance>" in thcs[1].pdf
    )


def _overlap(a, b) -> bool:
    return a.page_index == b.page_index and a.x1 < b.x2 and b.x1 < a.x2 and a.y1 < b.y2 and b.y1 < a.y2


@pytest.mark.parametrize("which", ["thcs", "thpt"])
def test_signature_boxes_are_on_the_form_and_apart(which, request, renderer):
    record, rendered = request.getfixturevalue(which)
    boxes = rendered.signature_boxes
    assert set(boxes) == set(PRIMARY_ROLES) | set(SECONDARY_ROLES)
    assert boxes["identity_principal"].page_index == 1
    assert boxes["results_homeroom"].page_index == boxes["results_principal"].page_index == 2
    assert boxes["homeroom"].page_index == boxes["principal"].page_index == boxes["seal"].page_index == 3
    for role, box in boxes.items():
        assert 0 < box.x1 < box.x2 < A4[0] and FOOTER_TOP < box.y1 < box.y2 < A4[1], role
        assert box.x2 - box.x1 > 100 and box.y2 - box.y1 > 55, role  # room for a signature stamp
    roles = list(boxes)
    for i, a in enumerate(roles):
        for b in roles[i + 1 :]:
            assert not _overlap(boxes[a], boxes[b]), (a, b)
    regions = {r["name"]: r for r in renderer.regions(record)}
    table_bottom = regions["subjects_table_bottom"]
    assert table_bottom["page_index"] == 2
    assert (
        boxes["results_homeroom"].y2 < table_bottom["y"] and boxes["results_principal"].y2 < table_bottom["y"]
    )


@needs_poppler
def test_signature_boxes_are_where_the_empty_rectangles_are_drawn(thcs):
    """Rasterise each box's page: the outline is drawn exactly on the reported edges; the inside of a
    signature field is blank, the other boxes of the paper form carry their small note in the middle."""
    _, rendered = thcs
    dpi = 144
    scale = dpi / 72
    for role, box in rendered.signature_boxes.items():
        image = page_image(rendered.pdf, box.page_index, dpi)

        def px(x, y, image=image):
            return round(x * scale), round(image.height - y * scale)

        def dark_near(x, y, image=image):
            cx, cy = px(x, y)
            return min(image.getpixel((cx + dx, cy + dy)) for dx in range(-2, 3) for dy in range(-2, 3)) < 200

        mid_x, mid_y = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
        assert dark_near(mid_x, box.y2) and dark_near(mid_x, box.y1), f"{role}: horizontal edges"
        assert dark_near(box.x1, mid_y) and dark_near(box.x2, mid_y), f"{role}: vertical edges"
        inside = [
            image.getpixel(px(box.x1 + (box.x2 - box.x1) * fx, box.y1 + (box.y2 - box.y1) * fy))
            for fx in (0.2, 0.5, 0.8)
            for fy in ((0.1, 0.9) if role in SECONDARY_ROLES else (0.2, 0.5, 0.8))
        ]
        assert min(inside) > 245, f"{role}: the box is not empty"


@needs_poppler
def test_the_paper_forms_other_signature_boxes_say_where_the_digital_signature_is(thcs):
    """A digital record is signed once per signer, on the summary page; the boxes of trang 1 and of the
    results page stay unsigned, and say so instead of looking like a missing signature."""
    _, rendered = thcs
    boxes = rendered.signature_boxes
    for role, signer, place in (("identity_principal", "Hiệu trưởng", "Phê duyệt của Hiệu trưởng"),
                                ("results_homeroom", "giáo viên chủ nhiệm", "Nhận xét của giáo viên chủ nhiệm"),
                                ("results_principal", "Hiệu trưởng", "Phê duyệt của Hiệu trưởng")):
        assert box_text(rendered.pdf, boxes[role]) == (
            f"Học bạ số: {signer} ký số một lần, ở mục {place}; chữ ký số có giá trị cho cả học bạ."), role
    for role in PRIMARY_ROLES:  # the signature fields stay empty for the signatures' appearances
        assert box_text(rendered.pdf, boxes[role]) == "", role


def test_rendering_is_deterministic_and_does_not_leak_between_records(renderer):
    a, b = sample_record("THCS", seed=1), sample_record("THCS", seed=2)
    first, second, again = renderer.render(a), renderer.render(b), renderer.render(a)
    assert first.pdf == again.pdf
    assert attachments(second.pdf)["record.json"] == canonical_json(b)
    assert first.pdf_sha256 != second.pdf_sha256


@needs_poppler
def test_markup_in_data_is_printed_literally(renderer):
    record = sample_record("THCS", seed=4)
    tricky = 'Lê #set page(width: 1cm) *Văn* $x$ [A] <b> "Tèo" \\ _y_'
    record["student"]["full_name"] = tricky
    record["homeroom_comment"] = '#panic("x") = Tiêu đề\n- không phải danh sách'
    text = pdf_text(renderer.render(record).pdf)
    assert tricky in text
    assert '#panic("x") = Tiêu đề' in text


@needs_poppler
def test_an_overflowing_summary_still_numbers_pages_and_boxes(renderer):
    record = sample_record("THCS", seed=5)
    record["homeroom_comment"] = ("Em chăm ngoan, tích cực, có tinh thần trách nhiệm với tập thể lớp. " * 17)[
        :1200
    ]
    record["awards"] = [
        f"Giấy khen số {i} của Hiệu trưởng về thành tích trong phong trào thi đua" for i in range(20)
    ]
    record["competitions"] = [f"Giải Khuyến khích cuộc thi số {i} cấp thành phố" for i in range(20)]
    rendered = renderer.render(record)
    assert rendered.page_count > 4
    for page in range(rendered.page_count):
        assert f"Trang {page + 1}/{rendered.page_count}" in pdf_text(rendered.pdf, page=page)
    for box in rendered.signature_boxes.values():
        assert box.page_index < rendered.page_count and box.y1 > FOOTER_TOP


def test_invalid_record_is_refused_before_rendering():
    record = sample_record()
    record["student"]["full_name"] = ""
    with pytest.raises(RecordInvalid, match="Họ và tên học sinh"):
        render_record(record)


def test_correction_box_counts_places_and_names_each_subject_once():
    from hocba.records.document.render import expected_pages, view_model

    record = sample_record("THCS", seed=6, version=2)
    base = dict(record["corrections"][0])
    record["corrections"] = [
        {**base, "field": "Toán — Học kì I", "subject": "Toán"},
        {**base, "field": "Toán — Cả năm", "subject": "Toán"},
        {**base, "field": "Ngữ văn — Cả năm", "subject": "Ngữ văn"},
        {**base, "field": "Kết quả rèn luyện cả năm", "subject": ""},
    ]
    view = view_model(record)
    assert view["correction_count"] == 3
    assert view["corrected_subjects"] == ["Toán", "Ngữ văn"]
    assert view["page_total"] == expected_pages(record) == 5
    assert len(view["history_rows"]) == 4 and view["code_display"].count("-") == 3


def test_a_child_forked_after_typst_started_is_refused_instead_of_hanging(renderer):
    """Typst's thread pool does not survive fork: the child's first compile would wait forever. It gets
    a clear error at once instead (a worker that renders must be spawned, not forked)."""
    import os
    import select

    from hocba.records.document import RenderError, render_record

    render_record(sample_record("THCS", seed=1))  # typst has started in this process
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            render_record(sample_record("THCS", seed=2))
            message = b"rendered"
        except RenderError as exc:
            message = str(exc).encode()
        except BaseException as exc:
            message = repr(exc).encode()
        os.write(write_end, message[:500])
        os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 30)
    if not ready:
        os.kill(pid, 9)
    answer = os.read(read_end, 500).decode() if ready else "no answer in 30 s (hung)"
    os.close(read_end)
    os.waitpid(pid, 0)
    assert "tiến trình con được tách (fork)" in answer, answer

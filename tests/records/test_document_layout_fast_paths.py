"""The template's fast paths draw exactly what the slow ones do.

Two shortcuts keep typst from re-laying out the whole form for every student (docs/record-format.md,
"Rendering cost"): rows found in Python to be one line high get a fixed height instead of auto, and
the footer is drawn from each page's body instead of being set as the page's footer. Both must give
the same pages, pixel for pixel, as the plain way — which the renderer still uses for long names
and for sections that overflow their page.
"""

from __future__ import annotations

import shutil

import pytest

from hocba.records.document import Renderer, render, sample_record, textfit

from .test_document_render import page_image, pdf_text

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)

ROW_CHECKS = (
    "subject_rows_one_line",
    "identity_rows_one_line",
    "history_rows_one_line",
    "summary_rows_one_line",
)


def _all_auto(monkeypatch) -> None:
    """Every row auto-sized and the footer's row too (the layout before the fast paths)."""
    for name in ROW_CHECKS:
        original = getattr(render, name)
        monkeypatch.setattr(render, name, lambda arg, original=original: [False] * len(original(arg)))
    monkeypatch.setattr(render, "header_one_line", lambda record: False)
    monkeypatch.setattr(render, "footer_three_lines", lambda record, code, url: False)


def _pages(rendered, dpi: int = 100) -> list[bytes]:
    return [page_image(rendered.pdf, i, dpi).tobytes() for i in range(rendered.page_count)]


def _table_bottom(renderer: Renderer, record) -> float:
    return next(r["y"] for r in renderer.regions(record) if r["name"] == "subjects_table_bottom")


def test_widths_are_typst_s_own_measurements():
    widths = textfit._widths()
    assert set(widths) == set(textfit.WEIGHTS)
    assert all(set(table) == set(textfit.CHARS) for table in widths.values())
    assert widths["regular"]["W"] > widths["regular"]["i"] > 0
    assert widths["semibold"]["ệ"] > widths["regular"]["ệ"]
    assert textfit.text_width("Toán", 10) == pytest.approx(sum(widths["regular"][c] for c in "Toán") / 100)


def test_an_unknown_character_never_counts_as_fitting():
    assert textfit.text_width("Toán ☃", 10) == float("inf")
    assert not textfit.fits([("☃", "regular")], 500, 10)
    assert textfit.fits([("Toán", "regular")], 50, 10)
    assert not textfit.fits([("Toán", "regular")], 10, 10)


def test_long_names_keep_their_rows_auto_sized():
    record = sample_record("THCS", seed=3)
    record["subjects"][0]["name"] = "Hoạt động trải nghiệm, hướng nghiệp và giáo dục của địa phương nhà trường"
    record["subjects"][1]["teacher"] = "Nguyễn Thị Phương Thảo Nguyên Hạnh Dung"
    record["student"]["residence"] = "Số 151 đường Hoàng Văn Thụ, phường Hồng Bàng, thành phố Hải Phòng, khu tập thể A"
    view = render.view_model(record)
    assert view["subject_rows_one_line"][:3] == [False, False, True]
    assert view["identity_rows_one_line"][5] is False  # Chỗ ở hiện tại
    assert all(view["identity_rows_one_line"][:5])


def _assert_same_as_auto_rows(fast, record, monkeypatch):
    """The record rendered with every row auto-sized draws the same pages and signature boxes."""
    _all_auto(monkeypatch)
    slow = Renderer().render(record)
    assert _pages(fast) == _pages(slow)
    assert fast.signature_boxes == slow.signature_boxes


@needs_poppler
@pytest.mark.parametrize(
    "level, seed, version", [("THCS", 1, 1), ("THPT", 2, 1), ("THPT", 3, 2)], ids=["thcs", "thpt", "thpt-v2"]
)
def test_fixed_one_line_rows_draw_the_same_pages_as_auto_rows(level, seed, version, monkeypatch):
    record = sample_record(level, seed=seed, version=version)
    fast = Renderer().render(record)
    assert all(render.view_model(record)["subject_rows_one_line"])  # the fast path is taken
    _assert_same_as_auto_rows(fast, record, monkeypatch)


@needs_poppler
def test_a_wrapped_row_grows_as_before(monkeypatch):
    record = sample_record("THCS", seed=6)
    long_name = "Hoạt động trải nghiệm, hướng nghiệp và giáo dục của địa phương nhà trường"
    record["subjects"][0]["name"] = long_name
    renderer = Renderer()
    plain_bottom = _table_bottom(renderer, sample_record("THCS", seed=6))
    fast = renderer.render(record)
    text = pdf_text(fast.pdf, page=2)
    assert "Hoạt động trải nghiệm" in text and "nhà trường" in text
    assert _table_bottom(renderer, record) < plain_bottom - 8  # one more line (y grows upwards)
    _assert_same_as_auto_rows(fast, record, monkeypatch)


@needs_poppler
def test_the_footer_drawn_from_the_body_is_where_the_page_footer_is(monkeypatch):
    """Counted pages use typst's own page footer (and a counter): the pages must not differ at all."""
    record = sample_record("THCS", seed=8)
    placed = Renderer().render(record)
    original = render.view_model
    monkeypatch.setattr(render, "view_model", lambda rec, counted_pages=False: original(rec, counted_pages=True))
    page_footer = Renderer().render(record)
    assert placed.page_count == page_footer.page_count == 4
    assert _pages(placed, dpi=144) == _pages(page_footer, dpi=144)
    for page in range(4):
        assert pdf_text(placed.pdf, page=page) == pdf_text(page_footer.pdf, page=page)



@needs_poppler
def test_a_renderer_inherited_by_another_process_writes_its_data_files_elsewhere():
    """The record's data files live in the renderer's folder: a forked worker must not share it.

    (Simulated by changing the owner pid: a real fork after typst has run would hang in typst's
    thread pool, so workers create their renderer after forking, as bench_records does.)
    """
    renderer = Renderer()
    first = sample_record("THCS", seed=21)
    renderer.render(first)
    parent_root = renderer._root
    renderer._pid = -1  # as seen from a child process
    child_record = sample_record("THCS", seed=22)
    child_pdf = renderer.render(child_record).pdf
    assert renderer._root != parent_root and renderer._pid > 0
    assert (renderer._root / "data" / "record.json").is_file()
    assert child_record["student"]["full_name"] in pdf_text(child_pdf)
    assert parent_root.is_dir()  # the other process's folder is left alone

"""Rendering a year record to the Circular 22 học bạ PDF with Typst.

The data go into the template only as two JSON files written next to it in the renderer's private
directory (the canonical JSON and a small JSON of display helpers), never by building Typst source.
Files rather than ``sys_inputs``: typst counts its inputs as part of its library, so new inputs throw
away every cached layout, whereas a new file only invalidates what reads it and the form's fixed
text stays cached from one student to the next. The PDF is PDF/A-3b (PDF/A-2 forbids the
attached ``record.json``; typst refuses it), fonts embedded (typst's bundled Libertinus Serif,
which covers every Vietnamese letter), a QR code and the verification code on every page, and
empty signature rectangles whose positions are read back with ``typst query``.

One :class:`Renderer` keeps a warm ``typst.Compiler`` per level (fonts loaded once, layout caches
kept), so a worker renders thousands of records without paying the set-up each time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typst
import zxingcpp

from .canonical import canonical_json
from .codes import format_verification_code
from .textfit import CAP_HEIGHT_EM, CM, fits
from .validation import check_record

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENTRY = {"THCS": TEMPLATES / "thcs.typ", "THPT": TEMPLATES / "thpt.typ"}
GRADES = {"THCS": 4, "THPT": 3}
PRIMARY_ROLES = ("homeroom", "principal", "seal")
"""The PAdES signature fields: homeroom teacher, principal (or deputy), school seal (summary page)."""
SECONDARY_ROLES = ("identity_principal", "results_homeroom", "results_principal")
"""The other blocks of the paper form (trang 1 principal, results-page confirmations): never signed (each
signature covers every page), each says where the signer's digital signature is."""
PDF_STANDARD = "a-3b"
QR_BORDER = 2  # modules of quiet zone around the QR code
#: The renderer's data files are rewritten for every record: in memory (tmpfs) when the system has one
#: (a write there costs ~15 µs, on the disk's /tmp ~90 µs). mkdtemp makes a private (0700) folder in it.
_DARK_RUN = re.compile(b"\x00+")  # a run of dark modules in a row of the QR matrix
_SHM = "/dev/shm"  # noqa: S108
_MEMORY_TMP = _SHM if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK) else None


class RenderError(RuntimeError):
    """Typst could not render a record (a template bug or data the template cannot show)."""


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature goes: 0-based page index and a rectangle in PDF points, origin bottom-left."""

    page_index: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(x1, y1, x2, y2)`` as pyHanko's ``SigFieldSpec(box=...)`` wants it."""
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class RenderedRecord:
    """A rendered year record: the PDF bytes and the signature rectangles by role."""

    pdf: bytes
    signature_boxes: dict[str, SignatureBox]
    page_count: int
    record_json: bytes
    """The canonical JSON attached inside the PDF as ``record.json``."""

    @property
    def pdf_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def record_sha256(self) -> str:
        return hashlib.sha256(self.record_json).hexdigest()


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as a compact SVG (error correction M, quiet zone of 2 modules).

    zxing-cpp encodes it (C++, ~0.3 ms with this SVG; segno took ~1.5 ms, 7 % of a whole record), and
    the SVG is one path with a horizontal stroke per run of dark modules, so typst draws few shapes.
    """
    matrix = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False)
    size = matrix.shape[0]
    modules = bytes(memoryview(matrix))  # one byte per module, 0 = dark
    runs = [f"M{run.start() - y * size + QR_BORDER} {y + QR_BORDER}.5h{run.end() - run.start()}"
            for y in range(size) for run in _DARK_RUN.finditer(modules, y * size, (y + 1) * size)]
    side = size + 2 * QR_BORDER
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}">'
            f'<path stroke="#000" d="{"".join(runs)}"/></svg>')


def expected_pages(record: dict[str, Any]) -> int:
    """Cover, identity page, results page, summary page, and a corrections page when there are any."""
    return 4 + (1 if record["corrections"] else 0)


# Column widths of the template's tables, in points (keep in step with hocba.typ). A4 is 21 cm wide
# and the page margins are 2.2 cm and 1.6 cm; a cell's text is its column less the x-insets.
TEXT_WIDTH = (21 - 2.2 - 1.6) * CM
SUBJECT_COLUMNS = [w * CM for w in (6.7, 1.25, 1.25, 1.25, 1.85)]
SUBJECT_COLUMNS.append(TEXT_WIDTH - sum(SUBJECT_COLUMNS))  # the teacher's column (1fr)
SUBJECT_INSET_X = 4.0
SUBJECT_SIZES = (10.5, 10.5, 10.5, 10.5, 10.5, 9.5)
IDENTITY_COLUMNS = (TEXT_WIDTH * 1.25 / 2.25, TEXT_WIDTH * 1 / 2.25)
BODY_SIZE = 11.5
HISTORY_COLUMNS = (2.6 * CM, 2.2 * CM, TEXT_WIDTH - 4.8 * CM)
HISTORY_INSET_X = 6.0
SUMMARY_COLUMNS = [w * CM for w in (2.2, 3.6, 3.6, 2.1)]
SUMMARY_COLUMNS += [(TEXT_WIDTH - sum(SUMMARY_COLUMNS)) / 2] * 2
SUMMARY_INSET_X = 4.0
HEADER_COLUMNS = (TEXT_WIDTH * 1.4 / 3.2, TEXT_WIDTH * 0.8 / 3.2, TEXT_WIDTH * 1 / 3.2)
FOOTER_TEXT_WIDTH = TEXT_WIDTH - (0.4 + 1.55) * CM  # less the gutter and the QR code
FOOTER_SIZE = 8.5


def _one_line(cells: list[list[tuple[str, str]]], widths: Any, size: float, inset_x: float = 0) -> bool:
    return all(fits(cell, width - 2 * inset_x, size) for cell, width in zip(cells, widths, strict=True))


def subject_rows_one_line(subjects: list[dict[str, Any]]) -> list[bool]:
    """For each subject row of the results table: whether every cell surely fits on one line."""
    return [
        all(
            fits([(text, "regular")], width - 2 * SUBJECT_INSET_X, size)
            for text, width, size in zip(
                (s["name"], s["term1"], s["term2"], s["year"], s["reassessment"], s["teacher"]),
                SUBJECT_COLUMNS,
                SUBJECT_SIZES,
                strict=True,
            )
        )
        for s in subjects
    ]


def identity_rows_one_line(student: dict[str, Any]) -> list[bool]:
    """For each row of the identity grid (trang 1): whether its cells surely fit on one line."""

    def field(label: str, value: str) -> list[tuple[str, str]]:  # [#label: #val(value)]
        return [(label + ": ", "regular"), (value, "semibold")]

    def dots(label: str, value: str) -> list[tuple[str, str]]:  # [label: #dots(value)]
        return [(label + ": ", "regular"), (value, "semibold") if value else ("…", "regular")]

    father, mother, guardian = student["father"], student["mother"], student["guardian"]
    rows = [
        (field("Họ và tên", student["full_name"]), field("Giới tính", student["sex"])),
        (field("Ngày sinh", student["birth_date"]), field("Dân tộc", student["ethnicity"])),
        (field("Nơi sinh", student["birth_place"]),),
        (field("Số định danh cá nhân", student["personal_id"]), field("Mã học sinh", student["moet_code"])),
        (dots("Đối tượng (con liệt sĩ, con thương binh…)", student["policy_category"]),),
        (field("Chỗ ở hiện tại", student["residence"]),),
        (dots("Họ và tên cha", father["name"]), dots("Nghề nghiệp", father["occupation"])),
        (dots("Họ và tên mẹ", mother["name"]), dots("Nghề nghiệp", mother["occupation"])),
        (dots("Họ và tên người giám hộ", guardian["name"]), dots("Nghề nghiệp", guardian["occupation"])),
    ]
    return [
        all(
            fits(cell, width, BODY_SIZE)
            for cell, width in zip(row, IDENTITY_COLUMNS if len(row) == 2 else (TEXT_WIDTH,), strict=True)
        )
        for row in rows
    ]


def history_rows_one_line(rows: list[dict[str, str]]) -> list[bool]:
    """For each row of the study-history table (trang 1): whether its cells surely fit on one line."""
    return [
        _one_line(
            [[(r["school_year"], "regular")], [(r["class_name"], "regular")], [(r["school_name"], "regular")]],
            HISTORY_COLUMNS,
            BODY_SIZE,
            HISTORY_INSET_X,
        )
        for r in rows
    ]


def summary_rows_one_line(results: dict[str, Any]) -> list[bool]:
    """For the three result rows of the summary table (Học kì I, Học kì II, Cả năm): one line each?"""
    after = results["after_reassessment"]
    rows = [
        ("Học kì I", "regular", results["term1"], ("", "")),
        ("Học kì II", "regular", results["term2"], ("", "")),
        ("Cả năm", "bold", results["year"], (after["conduct"], after["learning"])),
    ]
    return [
        _one_line(
            [[(label, weight)], *([(t, "regular")] for t in (r["conduct"], r["learning"], str(r["absences"]), *extra))],
            SUMMARY_COLUMNS,
            BODY_SIZE,
            SUMMARY_INSET_X,
        )
        for label, weight, r, extra in rows
    ]


def header_one_line(record: dict[str, Any]) -> bool:
    """Whether the name/class/year line atop pages 3–5 surely fits on one line."""
    return _one_line(
        [
            [("Họ và tên: ", "regular"), (record["student"]["full_name"], "semibold")],
            [("Lớp: ", "regular"), (record["class_name"], "semibold")],
            [("Năm học: ", "regular"), (record["school_year"], "semibold")],
        ],
        HEADER_COLUMNS,
        BODY_SIZE,
    )


def footer_three_lines(record: dict[str, Any], code_display: str, url_display: str) -> bool:
    """Whether each of the footer's three lines surely fits on one line (the QR code then sets its height)."""
    line1 = [("Mã xác thực: ", "regular"), (code_display, "bold")]
    line1 += [(f" · Phiên bản {record['version']} · Trang 999/999", "regular")]
    line2 = [(f"Kiểm tra tính xác thực tại {url_display} hoặc quét mã QR.", "regular")]
    line3 = [
        (
            f"{record['school']['name']} · Năm học {record['school_year']} · Lớp {record['class_name']}"
            f" · {record['student']['full_name']}",
            "regular",
        )
    ]
    return (
        fits(line1, FOOTER_TEXT_WIDTH, FOOTER_SIZE, extra_em=2.4)  # four h(0.6em) around the dots
        and fits(line2, FOOTER_TEXT_WIDTH, FOOTER_SIZE)
        and fits(line3, FOOTER_TEXT_WIDTH, FOOTER_SIZE)
    )


def view_model(record: dict[str, Any], *, counted_pages: bool = False) -> dict[str, Any]:
    """Display helpers the template needs, computed from the record (pure; no layout)."""
    day, month, year = record["signing"]["date"].split("/")
    history = list(record["study_history"])
    level = record["school"]["level"]
    rows = history + [{"school_year": "", "class_name": "", "school_name": ""}] * max(
        0, GRADES[level] - len(history)
    )
    corrected = [c for c in record["corrections"] if c.get("subject")]
    subjects: list[str] = []
    for c in corrected:
        if c["subject"] not in subjects:
            subjects.append(c["subject"])
    url = record["verification"]["url"]
    code_display = format_verification_code(record["verification"]["code"])
    url_display = url.split("://", 1)[-1]
    return {
        "qr_svg": qr_svg(url),
        "code_display": code_display,
        "url_display": url_display,
        "signing_date": {"day": day, "month": month, "year": year},
        "history_rows": rows,
        "correction_count": len(corrected),
        "corrected_subjects": subjects,
        "page_total": expected_pages(record),
        "counted_pages": counted_pages,
        "cap_height": CAP_HEIGHT_EM,
        "subject_rows_one_line": subject_rows_one_line(record["subjects"]),
        "identity_rows_one_line": identity_rows_one_line(record["student"]),
        "history_rows_one_line": history_rows_one_line(rows),
        "summary_rows_one_line": summary_rows_one_line(record["results"]),
        "header_one_line": header_one_line(record),
        "footer_three_lines": footer_three_lines(record, code_display, url_display),
    }


def _timestamp(record: dict[str, Any]) -> dt.datetime:
    """The PDF's creation date: when the record was composed (so the same record gives the same PDF)."""
    return dt.datetime.fromisoformat(record["composed_at"].replace("Z", "+00:00"))


#: The process in which typst's thread pool was started (by the first renderer), or None. Typst runs its
#: work on a pool of threads that a forked child does not inherit: a child forked after typst started
#: waits forever on its first compile. Such a child gets a RenderError instead (start it with spawn).
_typst_process: int | None = None


def _claim_typst() -> None:
    global _typst_process
    if _typst_process is None:
        _typst_process = os.getpid()
    elif _typst_process != os.getpid():
        raise RenderError("Không thể tạo PDF học bạ trong tiến trình con được tách (fork) sau khi Typst đã chạy "
                          "ở tiến trình cha: hãy tạo tiến trình bằng spawn hoặc forkserver.")


def _remove_tree(path: Path, owner_pid: int) -> None:
    if os.getpid() == owner_pid:  # not from a forked child that inherited the renderer
        shutil.rmtree(path, ignore_errors=True)


class Renderer:
    """Renders year records with warm Typst compilers (one per level). Thread-safe by a lock.

    ``validate=False`` skips the JSON Schema check when the caller has just validated the record.
    """

    def __init__(self, *, pdf_standard: str | None = PDF_STANDARD, tagged: bool = False):
        self._pdf_standards = [pdf_standard] if pdf_standard else []
        self._tagged = tagged
        self._lock = threading.Lock()
        self._setup()

    def _setup(self) -> None:
        # A private copy of the templates with a data/ folder the record and view files go into
        # (one renderer compiles one record at a time, under the lock; a forked process makes its own,
        # when typst had not started before the fork).
        _claim_typst()
        self._pid = os.getpid()
        self._root = Path(tempfile.mkdtemp(prefix="hocba-typst-", dir=_MEMORY_TMP))
        weakref.finalize(self, _remove_tree, self._root, self._pid)
        for path in TEMPLATES.glob("*.typ"):
            shutil.copyfile(path, self._root / path.name)
        self._data = self._root / "data"
        self._data.mkdir()
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
        # A file path, not bytes: typst-py's Compiler(<bytes>) only works for the first compile.
        self._compilers = {
            level: typst.Compiler(
                str(self._root / path.name), root=str(self._root), font_paths=fonts, ignore_system_fonts=True
            )
            for level, path in ENTRY.items()
        }

    def _write_inputs(self, record_json: bytes, view: dict[str, Any]) -> None:
        (self._data / "record.json").write_bytes(record_json)
        (self._data / "view.json").write_text(json.dumps(view, ensure_ascii=False), encoding="utf-8")

    def render(self, record: dict[str, Any], *, validate: bool = True) -> RenderedRecord:
        """Render ``record`` (a hocba.record/1 dict) to PDF.

        Raises ``RecordInvalid`` (listing every problem) or :class:`RenderError`.
        """
        if validate:
            check_record(record)
        record_json = canonical_json(record)
        normalised = json.loads(record_json)
        view = view_model(normalised)
        options = {
            "format": "pdf",
            "pdf_standards": self._pdf_standards,
            "timestamp": _timestamp(normalised),
            "pdf_tags": self._tagged,
        }
        with self._lock:
            if os.getpid() != self._pid:
                self._setup()
            compiler = self._compilers[normalised["school"]["level"]]
            try:
                self._write_inputs(record_json, view)
                pdf = compiler.compile(**options)
                pages = _page_count(pdf)
                if pages != expected_pages(normalised):
                    # A section overflowed its page: number the pages by counting instead (slower).
                    self._write_inputs(record_json, view_model(normalised, counted_pages=True))
                    pdf = compiler.compile(**options)
                    pages = _page_count(pdf)
                located = compiler.eval(_LOCATE_SIGBOXES, format="json")
            except typst.TypstError as exc:  # pragma: no cover - template bugs
                raise RenderError(f"Không tạo được PDF học bạ: {exc.message}") from exc
        if not isinstance(pdf, bytes):  # pragma: no cover - typst returns a list only for PNG/SVG
            raise RenderError("Typst không trả về một tệp PDF")
        return RenderedRecord(
            pdf=pdf,
            signature_boxes=_signature_boxes(json.loads(located)),
            page_count=pages,
            record_json=record_json,
        )

    def regions(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Layout landmarks (e.g. top and bottom of the subject table) of ``record``, for tests."""
        self.render(record)
        with self._lock:
            raw = self._compilers[record["school"]["level"]].eval(_LOCATE_REGIONS, format="json")
        return [
            {"name": value["name"], "page_index": pos["page"] - 1, "y": round(A4_HEIGHT - _pt(pos["y"]), 2)}
            for value, pos in json.loads(raw)
        ]


# Positions come from the compiled document's introspector (no `context` in the template, so
# typst lays the document out once): each labelled metadata with its page and top-left corner.
_LOCATE_SIGBOXES = "query(<sigbox>).map(e => (e.value, e.location().position()))"
_LOCATE_REGIONS = "query(<region>).map(e => (e.value, e.location().position()))"
A4_HEIGHT = 841.89  # typst's A4: 297 mm in PostScript points


def _pt(length: str) -> float:
    if not length.endswith("pt"):
        raise RenderError(f"Đơn vị không mong đợi: {length}")
    return float(length[:-2])


def _signature_boxes(items: list[list[Any]]) -> dict[str, SignatureBox]:
    boxes: dict[str, SignatureBox] = {}
    for value, pos in items:
        role = value["role"]
        if role in boxes:
            raise RenderError(f"Ô chữ ký «{role}» xuất hiện hai lần trong mẫu")
        x, y_top, w, h = _pt(pos["x"]), _pt(pos["y"]), float(value["w"]), float(value["h"])
        boxes[role] = SignatureBox(
            page_index=int(pos["page"]) - 1,
            x1=round(x, 2),
            y1=round(A4_HEIGHT - y_top - h, 2),
            x2=round(x + w, 2),
            y2=round(A4_HEIGHT - y_top, 2),
        )
    missing = [r for r in (*PRIMARY_ROLES, *SECONDARY_ROLES) if r not in boxes]
    if missing:
        raise RenderError(f"Mẫu học bạ thiếu ô chữ ký: {', '.join(missing)}")
    return boxes


def _page_count(pdf: bytes) -> int:
    # typst writes one "/Type /Page" object per page (and "/Type /Pages" once); count the former.
    return (
        pdf.count(b"/Type /Page\n")
        + pdf.count(b"/Type /Page ")
        + pdf.count(b"/Type /Page>")
        + pdf.count(b"/Type/Page/")
        + pdf.count(b"/Type/Page>")
        + pdf.count(b"/Type/Page\n")
    )


_default: Renderer | None = None
_default_lock = threading.Lock()


def default_renderer() -> Renderer:
    """The process-wide renderer :func:`render_record` uses (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Renderer()
        return _default


def render_record(record: dict[str, Any], *, validate: bool = True) -> RenderedRecord:
    """Render one year record with the module's warm :class:`Renderer`."""
    return default_renderer().render(record, validate=validate)

"""Rendering a year record to the Circular 22 học bạ PDF with Typst.

The data go into the template only through ``sys_inputs`` (the canonical JSON and a small JSON of
display helpers), never by building Typst source. The PDF is PDF/A-3b (PDF/A-2 forbids the
attached ``record.json``; typst refuses it), fonts embedded (typst's bundled Libertinus Serif,
which covers every Vietnamese letter), a QR code and the verification code on every page, and
empty signature rectangles whose positions are read back with ``typst query``.

One :class:`Renderer` keeps a warm ``typst.Compiler`` per level (fonts loaded once, layout caches
kept), so a worker renders thousands of records without paying the set-up each time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
import typst

from .canonical import canonical_json
from .codes import format_verification_code
from .validation import check_record

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENTRY = {"THCS": TEMPLATES / "thcs.typ", "THPT": TEMPLATES / "thpt.typ"}
GRADES = {"THCS": 4, "THPT": 3}
PRIMARY_ROLES = ("homeroom", "principal", "seal")
"""The PAdES signature fields: homeroom teacher, principal (or deputy), school seal (summary page)."""
SECONDARY_ROLES = ("identity_principal", "results_homeroom", "results_principal")
"""The other blocks of the paper form (trang 1 principal, results-page confirmations)."""
PDF_STANDARD = "a-3b"


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
    """The QR code of ``url`` as a compact SVG (error correction M, no quiet-zone padding beyond 2)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", border=2, xmldecl=False, svgns=True,
                                                 nl=False, omitsize=False, scale=1)
    return out.getvalue().decode("ascii")


def view_model(record: dict[str, Any]) -> dict[str, Any]:
    """Display helpers the template needs, computed from the record (pure; no layout)."""
    day, month, year = record["signing"]["date"].split("/")
    history = list(record["study_history"])
    level = record["school"]["level"]
    rows = history + [{"school_year": "", "class_name": "", "school_name": ""}] * max(0, GRADES[level] - len(history))
    corrected = [c for c in record["corrections"] if c.get("subject")]
    subjects: list[str] = []
    for c in corrected:
        if c["subject"] not in subjects:
            subjects.append(c["subject"])
    url = record["verification"]["url"]
    return {
        "qr_svg": qr_svg(url),
        "code_display": format_verification_code(record["verification"]["code"]),
        "url_display": url.split("://", 1)[-1],
        "signing_date": {"day": day, "month": month, "year": year},
        "history_rows": rows,
        "correction_count": len(corrected),
        "corrected_subjects": subjects,
    }


def _timestamp(record: dict[str, Any]) -> dt.datetime:
    """The PDF's creation date: when the record was composed (so the same record gives the same PDF)."""
    return dt.datetime.fromisoformat(record["composed_at"].replace("Z", "+00:00"))


class Renderer:
    """Renders year records with warm Typst compilers (one per level). Thread-safe by a lock.

    ``validate=False`` skips the JSON Schema check when the caller has just validated the record.
    """

    def __init__(self, *, pdf_standard: str | None = PDF_STANDARD, tagged: bool = True):
        self._pdf_standards = [pdf_standard] if pdf_standard else []
        self._tagged = tagged
        self._lock = threading.Lock()
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
        # A file path, not bytes: typst-py's Compiler(<bytes>) only works for the first compile.
        self._compilers = {
            level: typst.Compiler(str(path), root=str(TEMPLATES), font_paths=fonts, ignore_system_fonts=True)
            for level, path in ENTRY.items()
        }

    def render(self, record: dict[str, Any], *, validate: bool = True) -> RenderedRecord:
        """Render ``record`` (a hocba.record/1 dict) to PDF; raises ``RecordInvalid`` or :class:`RenderError`."""
        if validate:
            check_record(record)
        record_json = canonical_json(record)
        normalised = json.loads(record_json)
        inputs = {"record": record_json.decode("utf-8"),
                  "view": json.dumps(view_model(normalised), ensure_ascii=False)}
        compiler = self._compilers[normalised["school"]["level"]]
        with self._lock:
            try:
                pdf = compiler.compile(format="pdf", sys_inputs=inputs, pdf_standards=self._pdf_standards,
                                       timestamp=_timestamp(normalised), pdf_tags=self._tagged)
                boxes_raw = compiler.query("<sigbox>", field="value", format="json")
                pages_raw = compiler.query("<region>", field="value", format="json")
            except typst.TypstError as exc:  # pragma: no cover - template bugs
                raise RenderError(f"Không tạo được PDF học bạ: {exc.message}") from exc
        if not isinstance(pdf, bytes):  # pragma: no cover - typst returns a list only for PNG/SVG
            raise RenderError("Typst không trả về một tệp PDF")
        boxes = _signature_boxes(json.loads(boxes_raw))
        del pages_raw
        return RenderedRecord(pdf=pdf, signature_boxes=boxes, page_count=_page_count(pdf), record_json=record_json)

    def regions(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Layout landmarks (e.g. top and bottom of the subject table) of ``record``, for tests."""
        self.render(record)
        with self._lock:
            return json.loads(self._compilers[record["school"]["level"]].query("<region>", field="value", format="json"))


def _signature_boxes(items: list[dict[str, Any]]) -> dict[str, SignatureBox]:
    boxes: dict[str, SignatureBox] = {}
    for item in items:
        role = item["role"]
        if role in boxes:
            raise RenderError(f"Ô chữ ký «{role}» xuất hiện hai lần trong mẫu")
        height = float(item["page_height"])
        x, y_top = float(item["x"]), float(item["y"])
        boxes[role] = SignatureBox(page_index=int(item["page"]) - 1, x1=round(x, 2),
                                   y1=round(height - y_top - float(item["h"]), 2),
                                   x2=round(x + float(item["w"]), 2), y2=round(height - y_top, 2))
    missing = [r for r in (*PRIMARY_ROLES, *SECONDARY_ROLES) if r not in boxes]
    if missing:
        raise RenderError(f"Mẫu học bạ thiếu ô chữ ký: {', '.join(missing)}")
    return boxes


def _page_count(pdf: bytes) -> int:
    # typst writes one "/Type /Page" object per page (and "/Type /Pages" once); count the former.
    return pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") \
        + pdf.count(b"/Type/Page/") + pdf.count(b"/Type/Page>") + pdf.count(b"/Type/Page\n")


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

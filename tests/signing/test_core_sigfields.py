"""Empty signature fields written directly into typst's PDF, checked against pyHanko's own writer."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields

from hocba.signing.core import pades
from hocba.signing.core.sigfields import FieldPlan, add_empty_signature_fields, pdf_string

from .conftest import BOXES


def _fields(pdf: bytes) -> list[tuple]:
    """What a reader sees: name, page index, rectangle, lock (action, spared fields), appearance size."""
    reader = PdfFileReader(BytesIO(pdf), strict=True)
    pages = [reader.find_page_for_modification(i)[0].idnum for i in range(len(reader.root["/Pages"]["/Kids"]))]
    out = []
    for name, value, ref in pdf_fields.enumerate_sig_fields(reader, filled_status=None):
        field = ref.get_object()
        lock = field["/Lock"]
        bbox = [float(x) for x in field["/AP"]["/N"]["/BBox"]]
        assert value is None and field["/F"] == 132 and field["/Subtype"] == "/Widget"
        assert ref.reference in [a.reference for a in field["/P"]["/Annots"]]
        out.append((name, pages.index(field.raw_get("/P").idnum), [int(x) for x in field["/Rect"]],
                    str(lock["/Action"]), [str(f) for f in lock["/Fields"]], abs(bbox[2] - bbox[0]),
                    abs(bbox[3] - bbox[1])))
    assert reader.root["/AcroForm"]["/SigFlags"] == 1
    return out


def test_direct_update_matches_pyhanko_and_keeps_the_metadata(raw_pdf) -> None:
    direct = pades.prepare_signature_fields(raw_pdf, BOXES)
    reference = pades.prepare_signature_fields_pyhanko(raw_pdf, BOXES)
    assert direct != reference  # the fast path was taken
    assert direct.startswith(raw_pdf)  # an incremental update: the original bytes are untouched
    assert _fields(direct) == _fields(reference)
    assert [f[0] for f in _fields(direct)] == [b.field_name for b in BOXES]
    reader = PdfFileReader(BytesIO(direct), strict=True)
    original = PdfFileReader(BytesIO(raw_pdf), strict=True)
    assert reader.trailer["/Info"] == original.trailer["/Info"]  # no new producer or modification date
    assert reader.trailer["/ID"][0] == original.trailer["/ID"][0]
    assert reader.xrefs.total_revisions == 2
    assert pades.prepare_signature_fields(raw_pdf, BOXES) == direct  # deterministic


def test_without_locks_and_with_a_vietnamese_field_name(raw_pdf) -> None:
    plan = FieldPlan("Chữ ký (hiệu trưởng)", 1, (300, 100, 450, 180), None)
    out = add_empty_signature_fields(raw_pdf, [plan])
    reader = PdfFileReader(BytesIO(out), strict=True)
    (name, _value, ref), = pdf_fields.enumerate_sig_fields(reader, filled_status=None)
    assert name == "Chữ ký (hiệu trưởng)" and "/Lock" not in ref.get_object()
    assert pdf_string("a(b)\\c") == b"(a\\(b\\)\\\\c)"


def test_anything_unusual_goes_to_pyhanko(raw_pdf) -> None:
    prepared = pades.prepare_signature_fields(raw_pdf, BOXES)
    plans = [FieldPlan(b.field_name, b.page, b.rect, ()) for b in BOXES]
    assert add_empty_signature_fields(prepared, plans) is None  # already updated (and has a form)
    assert add_empty_signature_fields(b"%PDF-1.7\nnot really", plans) is None
    assert add_empty_signature_fields(raw_pdf, [FieldPlan("x", 9, (0, 0, 1, 1), None)]) is None  # no page 10
    # existing fields are left alone (pyHanko path): preparing twice changes nothing
    assert pades.prepare_signature_fields(prepared, BOXES) == prepared

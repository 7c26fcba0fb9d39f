"""Tampered, stripped, broken and unsigned PDFs fail validation with a clear Vietnamese reason."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.signing.core.validate import validate_pdf


def _later_update(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_one_byte_changed_inside_the_signed_range(pki, signed_chain) -> None:
    pdf = bytearray(signed_chain[-1])
    # one hex digit of the first outline title ("Tổng hợp kết quả"), covered by every signature
    pos = pdf.index(b"/Title<FEFF") + len(b"/Title<FEFF") + 3
    pdf[pos] = ord("5") if pdf[pos] != ord("5") else ord("6")
    report = validate_pdf(bytes(pdf), [pki.root])
    assert not report.all_valid
    assert any(not s.intact for s in report.signatures)
    assert any("đã bị thay đổi sau khi ký (mã băm không khớp)" in p for p in report.problems)
    # The chain of a broken signature is not checked: said in words, not "(None)".
    broken = [s for s in report.signatures if not s.intact]
    assert all(s.trust_problem == "không kiểm tra được chuỗi chứng thư (chữ ký không còn nguyên vẹn)"
               for s in broken)


def test_a_page_added_in_a_later_update(pki, signed_chain) -> None:
    def add_page(writer: IncrementalPdfFileWriter) -> None:
        page = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
                generic.pdf_name("/Resources"): generic.DictionaryObject(),
            }
        )
        writer.insert_page(page)

    report = validate_pdf(_later_update(signed_chain[-1], add_page), [pki.root])
    assert not report.all_valid
    assert all(s.intact for s in report.signatures)
    assert report.signatures[-1].modification_level == "other"
    assert any("đã bị sửa đổi sau khi ký" in p for p in report.problems)


def test_a_later_update_that_alters_page_content(pki, signed_chain) -> None:
    def scribble(writer: IncrementalPdfFileWriter) -> None:
        stream = generic.StreamObject(stream_data=b"q 1 0 0 RG 100 700 m 400 700 l S Q")
        writer.add_stream_to_page(0, writer.add_object(stream))

    report = validate_pdf(_later_update(signed_chain[-1], scribble), [pki.root])
    assert not report.all_valid
    assert {s.modification_level for s in report.signatures} == {"other"}
    assert any("đã bị sửa đổi sau khi ký" in p for p in report.problems)


def test_signature_stripped_by_removing_the_later_revision(pki, signed_chain) -> None:
    # the file as it was before the principal signed: the principal's box is empty again
    report = validate_pdf(signed_chain[0], [pki.root])
    assert not report.complete
    assert "hieutruong" in report.empty_signature_fields
    assert any("Chưa đủ chữ ký" in p and "hieutruong" in p for p in report.problems)


def test_signature_field_removed_in_a_later_update(pki, signed_chain) -> None:
    def drop_field(writer: IncrementalPdfFileWriter) -> None:
        acroform = writer.root["/AcroForm"]
        fields = acroform["/Fields"]
        kept = generic.ArrayObject([f for f in fields if f.get_object().get("/T") != "truong"])
        acroform[generic.pdf_name("/Fields")] = kept
        writer.update_container(acroform)

    report = validate_pdf(_later_update(signed_chain[-1], drop_field), [pki.root])
    assert not report.all_valid
    assert "truong" not in [s.field_name for s in report.signatures]
    assert any("đã bị sửa đổi sau khi ký" in p for p in report.problems)


def test_untrusted_root_is_reported(pki, signed_chain, tmp_path) -> None:
    from hocba.signing.core.pki import DemoPKI

    other = DemoPKI.load_or_create(tmp_path / "other", with_refusal_cases=False)
    report = validate_pdf(signed_chain[-1], [other.root])
    assert not report.all_valid
    assert all(s.intact and not s.trusted for s in report.signatures)
    assert any("không tin cậy" in p for p in report.problems)


def test_not_a_pdf_broken_pdf_and_unsigned_pdf(pki, raw_pdf) -> None:
    for junk in (b"", b"hello world", b"\x00" * 100):
        report = validate_pdf(junk, [pki.root])
        assert not report.is_pdf and not report.all_valid
        assert report.problems == ["Tệp: Tệp không phải PDF hợp lệ."]
    broken = validate_pdf(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", [pki.root])
    assert not broken.all_valid and any("PDF" in p for p in broken.problems)
    truncated = validate_pdf(raw_pdf[: len(raw_pdf) // 2], [pki.root])
    assert not truncated.all_valid and truncated.problems
    unsigned = validate_pdf(raw_pdf, [pki.root])
    assert unsigned.is_pdf and not unsigned.all_valid
    assert unsigned.problems == ["Không có chữ ký số trong tệp."]


def test_signature_contents_garbled(pki, signed_chain) -> None:
    pdf = signed_chain[0]
    reader = PdfFileReader(BytesIO(pdf))
    sig = reader.embedded_regular_signatures[0]
    start = sig.byte_range[1] + 1 + 20  # inside the hex /Contents: wipe most of the CMS
    garbled = pdf[:start] + b"0" * 4000 + pdf[start + 4000 :]
    report = validate_pdf(garbled, [pki.root])
    assert not report.all_valid
    assert report.problems

"""Uploaded PDF check: archive hash comparison plus independent signature validation; bad input."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from hocba.records import archive
from hocba.signing.models import Signature, SignRole
from hocba.verification import services
from tests.verification.helpers import incremental_noop, unsigned_pdf, with_open_action_javascript


def _api(client, data: bytes, name: str = "hocba.pdf"):
    return client.post("/api/verify/pdf", {"file": SimpleUploadedFile(name, data, "application/pdf")})


def _page(client, data: bytes):
    return client.post("/xac-thuc/kiem-tra-tep/", {"file": SimpleUploadedFile("hocba.pdf", data, "application/pdf")})


def test_the_archived_signed_pdf_is_genuine(signed, signed_pdf, client):
    body = _api(client, signed_pdf).json()
    assert body["verdict"] == services.V_VALID and body["genuine"] and body["current"]
    assert [s["valid"] for s in body["signatures"]] == [True, True, True]
    page = _page(client, signed_pdf).content.decode()
    assert "Học bạ hợp lệ" in page and "trùng khớp từng byte" in page


def test_an_intermediate_revision_is_genuine_but_not_the_final_copy(signed, client):
    homeroom = Signature.objects.get(version=signed, role=SignRole.HOMEROOM)
    body = _api(client, archive.archive_get(homeroom.pdf_sha256)).json()
    assert body["verdict"] == services.V_INTERMEDIATE
    assert body["genuine"] is True and body["final"] is False
    assert len(body["signatures"]) == 1 and body["signatures"][0]["role"] == "homeroom"


def test_a_one_byte_alteration_is_caught(signed, signed_pdf, client):
    text = signed_pdf.find(b"/Contents", 2000)
    assert text > 0
    # change one byte inside the first revision's content (covered by every signature)
    pos = len(signed_pdf) // 4
    altered = signed_pdf[:pos] + bytes([signed_pdf[pos] ^ 0x01]) + signed_pdf[pos + 1:]
    body = _api(client, altered).json()
    assert body["genuine"] is False and body["verdict"] == services.V_INVALID
    assert not all(s["valid"] for s in body["signatures"])


def test_a_resaved_copy_is_not_the_original_but_is_traced_to_the_record(signed, signed_pdf, student, client):
    resaved = incremental_noop(signed_pdf)
    assert resaved != signed_pdf
    body = _api(client, resaved).json()
    assert body["verdict"] == services.V_RESAVED and body["genuine"] is False
    assert body["student_name"] == student.full_name
    trailing = signed_pdf + b"\n% edited\n"
    assert _api(client, trailing).json()["genuine"] is False


def test_a_pdf_with_open_action_javascript_is_reported_not_run(signed, signed_pdf, client):
    body = _api(client, with_open_action_javascript(signed_pdf)).json()
    assert body["genuine"] is False
    active = next(c for c in body["checks"] if c["key"] == "active")
    assert active["ok"] is False and "JavaScript" in active["text"]
    plain_js = _api(client, with_open_action_javascript(unsigned_pdf())).json()
    assert plain_js["verdict"] == services.V_NOT_ORIGINAL
    assert any(c["key"] == "active" for c in plain_js["checks"])


def test_a_scan_or_printout_is_not_an_electronic_original(city, client):
    body = _api(client, unsigned_pdf()).json()
    assert body["verdict"] == services.V_NOT_ORIGINAL and body["genuine"] is False
    assert "bản quét" in " ".join(body["notes"])


def test_bad_input_gets_clear_answers(city, client):
    not_pdf = _api(client, b"PK\x03\x04 this is a zip", "hocba.pdf")
    assert not_pdf.status_code == 415 and "không phải PDF" in not_pdf.json()["message"]
    broken = _api(client, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \xff\xfe")
    assert broken.status_code == 200 and broken.json()["genuine"] is False
    huge = _api(client, b"%PDF-1.7\n" + b"0" * (services.MAX_UPLOAD_BYTES + 1))
    assert huge.status_code == 413 and "quá lớn" in huge.json()["message"]
    page = _page(client, b"hello")
    assert page.status_code == 415 and "không phải PDF" in page.content.decode()
    empty = client.post("/xac-thuc/kiem-tra-tep/", {})
    assert empty.status_code == 400


def test_upload_rate_limit(city, client, settings):
    settings.HOCBA_VERIFY_UPLOAD_RATE = "2/60"
    codes = [_api(client, b"not a pdf").status_code for _ in range(3)]
    assert codes == [415, 415, 429]


def test_a_validly_signed_pdf_unknown_to_the_archive_is_reported_as_such(signed, client):
    """Another document signed with a trusted certificate: valid signature, but not a học bạ of ours."""
    from hocba.signing import pki
    from hocba.signing.core import pades
    from hocba.signing.core.pki import DEMO_PASSPHRASE
    from hocba.signing.models import Certificate
    from hocba.signing.workflow import open_backend

    cert = Certificate.objects.filter(teacher__user__username="gvcn", revoked=False).first()
    backend = open_backend(cert, DEMO_PASSPHRASE)
    try:
        other = pades.add_signature_field_and_sign(
            unsigned_pdf("Giấy xác nhận khác"), field_name="khac", box=(0, 60, 60, 280, 140), backend=backend,
            role_label="Người ký", timestamp_url=pki.timestamp_url(), trust_roots=pki.trust_roots(),
            embed_revocation_info=True, check_certificate=False)
    finally:
        backend.close()
    body = _api(client, other).json()
    assert body["verdict"] == services.V_FOREIGN
    assert body["genuine"] is False and body["school"] == ""
    assert [s["valid"] for s in body["signatures"]] == [True]

"""Sequential PAdES signatures (homeroom → principal → seal), stamps, refusals, batches."""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.signing.core import pades
from hocba.signing.core.validate import validate_pdf

from .conftest import BOX_HOMEROOM, BOX_PRINCIPAL, p12_backend


def test_three_sequential_signatures_all_validate(pki, signed_chain) -> None:
    final = signed_chain[-1]
    report = validate_pdf(final, [pki.root])
    assert report.all_valid, report.problems
    assert report.complete
    assert [s.field_name for s in report.signatures] == ["gvcn", "hieutruong", "truong"]
    assert [s.signer_name for s in report.signatures] == [
        "Nguyễn Thị Thu Hà",
        "Trần Văn Bình",
        "Trường THCS Lê Lợi",
    ]
    assert [s.role_label for s in report.signatures] == [
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        "Con dấu nhà trường",
    ]
    for sig in report.signatures:
        assert sig.intact and sig.trusted
        assert sig.timestamp_valid and sig.tsa_name == "hocba Demo TSA"
        assert sig.revocation == "good" and sig.revocation_embedded  # B-LT
    # earlier signatures only saw form filling (the later signatures); the last one nothing but LTV data
    assert [s.modification_level for s in report.signatures] == ["form_filling", "form_filling", "none"]
    assert report.signatures[0].certification and not report.signatures[1].certification


def test_each_signature_is_an_incremental_update(signed_chain, unsigned_pdf) -> None:
    first, second, third = signed_chain
    assert first.startswith(unsigned_pdf)
    assert second.startswith(first) and third.startswith(second)


def test_intermediate_state_reports_the_missing_signatures(pki, signed_chain) -> None:
    report = validate_pdf(signed_chain[0], [pki.root])
    assert report.all_valid
    assert not report.complete
    assert report.empty_signature_fields == ["hieutruong", "truong"]
    assert any("còn trống" in p for p in report.problems)


def test_stamp_shows_role_name_and_vietnam_time(tmp_path) -> None:
    import datetime as dt

    when = dt.datetime(2026, 5, 20, 1, 5, tzinfo=dt.UTC)
    lines = pades.stamp_lines(role_label=pades.ROLE_DEPUTY, signer_name="Lê Thị Hồng Nhung", when=when)
    assert lines == ["KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "Lê Thị Hồng Nhung", "Đã ký số: 20/05/2026 08:05"]
    stamp = pades.render_stamp_pdf(lines, 220, 80)
    text = subprocess.run(["pdftotext", str(stamp), "-"], capture_output=True, check=True).stdout.decode()
    assert "PHÓ HIỆU TRƯỞNG" in text and "Lê Thị Hồng Nhung" in text and "Đã ký số: 20/05/2026 08:05" in text


def test_signature_widget_sits_in_the_requested_box(signed_chain) -> None:
    reader = PdfFileReader(__import__("io").BytesIO(signed_chain[-1]))
    sig = next(s for s in reader.embedded_regular_signatures if s.field_name == "hieutruong")
    rect = [round(float(v)) for v in sig.sig_field["/Rect"]]
    assert rect == [315, 60, 535, 140]
    assert sig.sig_field["/P"] == reader.root["/Pages"]["/Kids"][1]


@pytest.mark.parametrize("who", ["expired", "not_yet_valid", "revoked"])
def test_signing_refuses_unusable_certificates(pki, trust, unsigned_pdf, who) -> None:
    with pytest.raises(pades.CertificateRefused) as err:
        pades.add_signature_field_and_sign(
            unsigned_pdf,
            field_name="gvcn",
            box=BOX_HOMEROOM,
            backend=p12_backend(pki, who),
            role_label=pades.ROLE_HOMEROOM,
            timestamp_url=trust.timestamp,
            trust_roots=[pki.root],
        )
    assert err.value.problems
    assert any(word in " ".join(err.value.problems) for word in ("hết hạn", "chưa có hiệu lực", "thu hồi"))


def test_a_signed_field_cannot_be_signed_again(pki, signed_chain) -> None:
    with pytest.raises(pades.SigningError, match="đã được ký"):
        pades.add_signature_field_and_sign(
            signed_chain[0],
            field_name="gvcn",
            box=BOX_HOMEROOM,
            backend=p12_backend(pki, "gvcn"),
            role_label=pades.ROLE_HOMEROOM,
        )


def test_field_created_at_signing_time_when_not_prepared(pki, trust, raw_pdf) -> None:
    pdf = pades.add_signature_field_and_sign(
        raw_pdf,
        field_name="gvcn",
        box=(1, 60, 60, 280, 140),
        backend=p12_backend(pki, "gvcn"),
        role_label=pades.ROLE_HOMEROOM,
        timestamp_url=trust.timestamp,
    )
    report = validate_pdf(pdf, [pki.root])
    assert report.all_valid, report.problems
    assert report.signatures[0].timestamp_valid
    assert report.signatures[0].revocation == "unknown"  # B-T only: no revocation data embedded


def test_batch_signs_the_good_records_and_reports_the_bad_one(pki, trust, signed_chain) -> None:
    after_homeroom = signed_chain[0]
    jobs = [pades.SignJob(i, after_homeroom, BOX_PRINCIPAL, pades.ROLE_PRINCIPAL) for i in range(4)]
    jobs.append(pades.SignJob("broken", b"%PDF-1.7 not really", BOX_PRINCIPAL, pades.ROLE_PRINCIPAL))
    jobs.append(pades.SignJob("already", signed_chain[1], BOX_PRINCIPAL, pades.ROLE_PRINCIPAL))
    seen = []
    results = asyncio.run(
        pades.sign_many(
            jobs,
            backend=p12_backend(pki, "hieutruong"),
            options=pades.SigningOptions(timestamp_url=trust.timestamp, trust_roots=(pki.root,)),
            concurrency=4,
            on_progress=lambda p: seen.append((p.done, p.failed)),
        )
    )
    by_key = {r.key: r for r in results}
    assert [by_key[i].ok for i in range(4)] == [True] * 4
    assert not by_key["broken"].ok and "PDF" in (by_key["broken"].error or "")
    assert not by_key["already"].ok and "đã được ký" in (by_key["already"].error or "")
    assert seen[-1] == (4, 2)
    for i in range(4):
        report = validate_pdf(by_key[i].pdf or b"", [pki.root])
        assert report.all_valid, report.problems
        assert report.signatures[-1].timestamp_valid


def test_batch_refuses_a_revoked_certificate_before_signing_anything(pki, trust, signed_chain) -> None:
    jobs = [pades.SignJob(0, signed_chain[0], BOX_PRINCIPAL, pades.ROLE_PRINCIPAL)]
    with pytest.raises(pades.CertificateRefused):
        asyncio.run(
            pades.sign_many(
                jobs,
                backend=p12_backend(pki, "revoked"),
                options=pades.SigningOptions(timestamp_url=trust.timestamp, trust_roots=(pki.root,)),
            )
        )

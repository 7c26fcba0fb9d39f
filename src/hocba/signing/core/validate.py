"""Validation report for any signed PDF: each signature, who, role, when, chain, timestamp, revocation.

``validate_pdf(pdf, trust_roots)`` never raises on bad input: a broken file, a PDF without
signatures or a tampered one gives a report whose ``problems`` say why, in Vietnamese. pyHanko does
the cryptography and the difference analysis between revisions. No Django import here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Literal
from zoneinfo import ZoneInfo

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from .backends import to_asn1, to_crypto
from .pdf_speedups import install as _install_pdf_speedups
from .pki import common_name_of, personal_id_of

_install_pdf_speedups()

Revocation = Literal["good", "revoked", "unknown"]
Modification = Literal["none", "form_filling", "annotations", "other", "unknown"]
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_MOD = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "none",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
_TRUST_WHY = {
    "NO_CERTIFICATE_CHAIN_FOUND": "không dựng được chuỗi chứng thư đến một chứng thư gốc tin cậy",
    "REVOKED": "chứng thư số của người ký đã bị thu hồi",
    "REVOKED_NO_POE": "chứng thư số của người ký đã bị thu hồi",
    "REVOKED_CA_NO_POE": "chứng thư của tổ chức cấp đã bị thu hồi",
    "EXPIRED": "chứng thư số đã hết hạn",
    "OUT_OF_BOUNDS_NO_POE": "chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra",
    "OUT_OF_BOUNDS_NOT_REVOKED": "chứng thư số đã hết hạn tại thời điểm kiểm tra",
    "NOT_YET_VALID": "chứng thư số chưa có hiệu lực",
    "TRY_LATER": "không có thông tin thu hồi (OCSP/CRL) để kiểm tra",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": "thông tin thu hồi không còn hiệu lực",
    "CHAIN_CONSTRAINTS_FAILURE": "chuỗi chứng thư vi phạm ràng buộc",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "thuật toán mật mã không còn được chấp nhận",
    "SIG_CONSTRAINTS_FAILURE": "chứng thư số không được phép dùng để ký",
}


@dataclass
class SignatureReport:
    """One signature's checks. ``ok`` is the verdict for this signature."""

    field_name: str
    signer_name: str = ""
    signer_subject: str = ""
    signer_serial: str = ""
    signer_personal_id: str | None = None
    issuer: str = ""
    role_label: str = ""
    signing_time: dt.datetime | None = None
    timestamp_present: bool = False
    timestamp_valid: bool = False
    timestamp_time: dt.datetime | None = None
    tsa_name: str = ""
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    trust_problem: str | None = None
    revocation: Revocation = "unknown"
    revocation_embedded: bool = False
    modification_level: Modification = "unknown"
    covers_whole_file: bool = False
    certification: bool = False
    docmdp_ok: bool | None = None
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.trusted
            and self.revocation != "revoked"
            and self.modification_level in ("none", "form_filling")
            and (self.timestamp_valid or not self.timestamp_present)
            and self.docmdp_ok is not False
        )

    @property
    def when(self) -> dt.datetime | None:
        """The best-evidenced signing time: the timestamp if there is one, else the claimed time."""
        return self.timestamp_time or self.signing_time


@dataclass
class ValidationReport:
    """The whole file: ``all_valid`` when it is a PDF with ≥ 1 signature and every signature is ok."""

    is_pdf: bool
    sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)
    empty_signature_fields: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def all_valid(self) -> bool:
        return (
            self.is_pdf
            and bool(self.signatures)
            and all(s.ok for s in self.signatures)
            and not any(p.startswith(_FILE_PROBLEM) for p in self.problems)
        )

    @property
    def complete(self) -> bool:
        """No signature box is still empty (every planned signer has signed)."""
        return not self.empty_signature_fields


_FILE_PROBLEM = "Tệp:"


def _vn_time(when: dt.datetime | None) -> str:
    return when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") if when else "?"


def _trust_why(indic: object) -> str:
    if indic is None:  # pyHanko checks no chain for a signature whose content changed
        return "không kiểm tra được chuỗi chứng thư (chữ ký không còn nguyên vẹn)"
    name = getattr(indic, "name", None) or str(indic)
    return _TRUST_WHY.get(name, f"chuỗi chứng thư không hợp lệ ({name})")


class _Contexts:
    """The validation contexts of one file, made once and shared by its signatures.

    pyHanko's ValidationContext remembers the chains and revocation answers it has checked, so the
    signatures of one record (same CA, same TSA, same embedded DSS) validate the chain once.
    """

    def __init__(self, roots: list, dss: DocumentSecurityStore | None, fetcher: AIOHttpFetcherBackend | None):
        self.roots, self.dss, self.fetcher = roots, dss, fetcher
        self._made: dict[tuple, ValidationContext] = {}

    def get(self, moment: dt.datetime | None = None, *, strict: bool = True) -> ValidationContext:
        key = (moment, strict)
        if key not in self._made:
            self._made[key] = self._make(moment, strict)
        return self._made[key]

    def _make(self, moment: dt.datetime | None, strict: bool) -> ValidationContext:
        dss, fetcher = self.dss, self.fetcher
        hard = strict and (dss is not None or fetcher is not None)
        kwargs: dict = {
            "trust_roots": self.roots,
            "allow_fetching": fetcher is not None,
            "fetcher_backend": fetcher,
            "revocation_mode": "hard-fail" if hard else "soft-fail",
        }
        if moment is not None:
            kwargs.update(moment=moment, retroactive_revinfo=True)
        if dss is not None and not strict:
            # chain only: the DSS's certificates, not its OCSP/CRL (which concern other signers)
            return ValidationContext(other_certs=list(dss.load_certs()), **kwargs)
        if dss is not None:
            return dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)


async def _validate_one(embedded, contexts: _Contexts) -> SignatureReport:
    name = embedded.field_name or "?"
    rep = SignatureReport(field_name=name)
    sig_obj = embedded.sig_object
    rep.role_label = str(sig_obj.get("/Reason", "") or "")
    try:
        cert = to_crypto(embedded.signer_cert)
        rep.signer_name = common_name_of(cert)
        rep.signer_subject = cert.subject.rfc4514_string()
        rep.signer_serial = format(cert.serial_number, "X")
        rep.signer_personal_id = personal_id_of(cert)
        rep.issuer = cert.issuer.rfc4514_string()
    except Exception as exc:  # a malformed CMS must not crash the report
        rep.problems.append(f"Chữ ký '{name}': không đọc được chứng thư số của người ký.")
        rep.details.append(repr(exc))
        return rep
    try:
        status = await async_validate_pdf_signature(
            embedded,
            signer_validation_context=contexts.get(),
            ts_validation_context=contexts.get(),
        )
        if (
            not status.trusted
            and status.timestamp_validity is not None
            and status.timestamp_validity.valid
            and getattr(status.trust_problem_indic, "name", "")
            in ("OUT_OF_BOUNDS_NO_POE", "EXPIRED", "OUT_OF_BOUNDS_NOT_REVOKED")
        ):
            # the certificate expired after signing: validate at the time the timestamp proves (LTV)
            moment = status.timestamp_validity.timestamp
            status = await async_validate_pdf_signature(
                embedded,
                signer_validation_context=contexts.get(moment),
                ts_validation_context=contexts.get(),
            )
        revinfo_checked = contexts.dss is not None or contexts.fetcher is not None
        if not status.trusted and not status.revoked and revinfo_checked:
            # no revocation data for this signer in the file (B-T, not B-LT): judge the chain alone
            revinfo_checked = False
            status = await async_validate_pdf_signature(
                embedded,
                signer_validation_context=contexts.get(strict=False),
                ts_validation_context=contexts.get(strict=False),
            )
    except Exception as exc:
        rep.problems.append(f"Chữ ký '{name}': không kiểm tra được chữ ký (dữ liệu chữ ký hỏng).")
        rep.details.append(repr(exc))
        return rep
    rep.intact, rep.valid, rep.trusted = status.intact, status.valid, status.trusted
    rep.signing_time = status.signer_reported_dt
    rep.certification = embedded.sig_object.get("/Reference") is not None and any(
        str(r.get("/TransformMethod")) == "/DocMDP" for r in embedded.sig_object.get("/Reference", [])
    )
    rep.docmdp_ok = status.docmdp_ok
    rep.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    level = status.modification_level
    rep.modification_level = _MOD.get(level, "unknown") if level is not None else "unknown"  # type: ignore[assignment]
    ts = status.timestamp_validity
    if ts is not None:
        rep.timestamp_present = True
        rep.timestamp_valid = bool(ts.intact and ts.valid and ts.trusted)
        rep.timestamp_time = ts.timestamp
        try:
            rep.tsa_name = common_name_of(to_crypto(ts.signing_cert))
        except Exception:
            rep.tsa_name = "?"
    if status.revoked:
        rep.revocation = "revoked"
    elif status.trusted and revinfo_checked:
        rep.revocation = "good"
    rep.revocation_embedded = contexts.dss is not None and rep.revocation != "unknown"
    if not status.trusted:
        rep.trust_problem = _trust_why(status.trust_problem_indic)
    if isinstance(status.diff_result, Exception):
        rep.details.append(f"diff: {status.diff_result}")

    who = f"Chữ ký '{name}' ({rep.signer_name})"
    if not status.intact:
        rep.problems.append(f"{who}: nội dung đã bị thay đổi sau khi ký (mã băm không khớp).")
    elif not status.valid:
        rep.problems.append(f"{who}: chữ ký không hợp lệ về mặt mật mã.")
    if status.intact and status.valid and not status.trusted:
        rep.problems.append(f"{who}: không tin cậy — {rep.trust_problem}.")
    if rep.revocation == "revoked":
        rep.problems.append(f"{who}: chứng thư số đã bị thu hồi.")
    if rep.timestamp_present and not rep.timestamp_valid:
        rep.problems.append(f"{who}: dấu thời gian không hợp lệ hoặc không tin cậy.")
    if rep.modification_level == "annotations":
        rep.problems.append(f"{who}: tài liệu bị thêm chú thích (annotation) sau khi ký.")
    elif rep.modification_level == "other":
        rep.problems.append(f"{who}: tài liệu đã bị sửa đổi sau khi ký (thêm/sửa trang, nội dung hoặc xoá ô chữ ký).")
    elif rep.docmdp_ok is False:
        rep.problems.append(f"{who}: các thay đổi sau khi ký vượt quá mức cho phép của chữ ký chứng nhận.")
    return rep


async def async_validate_pdf(
    pdf: bytes, trust_roots: Sequence[x509.Certificate], *, allow_fetching: bool = False
) -> ValidationReport:
    """See :func:`validate_pdf`."""
    report = ValidationReport(is_pdf=False, sha256=hashlib.sha256(pdf).hexdigest())
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        report.problems.append(f"{_FILE_PROBLEM} Tệp không phải PDF hợp lệ.")
        return report
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        fields_status = list(pdf_fields.enumerate_sig_fields(reader, filled_status=None))
    except Exception as exc:
        report.problems.append(f"{_FILE_PROBLEM} Tệp không phải PDF hợp lệ (cấu trúc hỏng).")
        report.signatures = []
        del exc
        return report
    report.is_pdf = True
    report.empty_signature_fields = [name for name, value, _ in fields_status if value is None]
    if not embedded:
        report.problems.append("Không có chữ ký số trong tệp.")
        return report
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except Exception:
        dss = None
    roots = [to_asn1(c) for c in trust_roots]
    fetcher = AIOHttpFetcherBackend() if allow_fetching else None
    contexts = _Contexts(roots, dss, fetcher)
    try:
        for sig in embedded:
            rep = await _validate_one(sig, contexts)
            report.signatures.append(rep)
            report.problems.extend(rep.problems)
    finally:
        if fetcher is not None:
            await fetcher.close()
    if (
        report.signatures
        and not report.signatures[-1].covers_whole_file
        and all(s.modification_level in ("none", "form_filling") for s in report.signatures)
    ):
        pass  # only revocation data / timestamps were appended after the last signature
    if report.empty_signature_fields:
        report.problems.append(
            "Chưa đủ chữ ký: ô chữ ký " + ", ".join(f"'{n}'" for n in report.empty_signature_fields) + " còn trống."
        )
    return report


def validate_pdf(
    pdf: bytes, trust_roots: Sequence[x509.Certificate], *, allow_fetching: bool = False
) -> ValidationReport:
    """Validate every signature of ``pdf`` against ``trust_roots``; never raises on bad input.

    Revocation: taken from the document's DSS (B-LT, hard-fail: missing data is a problem);
    without DSS it is "unknown" unless ``allow_fetching=True`` (then OCSP/CRL are fetched now).
    Must not be called from a running event loop (use :func:`async_validate_pdf` there).
    """
    return asyncio.run(async_validate_pdf(pdf, trust_roots, allow_fetching=allow_fetching))


def report_lines(report: ValidationReport) -> list[str]:
    """The report as plain Vietnamese lines (for the command line and logs)."""
    lines = ["HỢP LỆ" if report.all_valid else "KHÔNG HỢP LỆ", f"SHA-256: {report.sha256}"]
    for s in report.signatures:
        ts_text = f"{s.tsa_name} {_vn_time(s.timestamp_time)}" if s.timestamp_present else "không có"
        lines.append(
            f"- {s.field_name}: {s.role_label or '?'} — {s.signer_name} — ký lúc {_vn_time(s.when)}"
            f" — {'hợp lệ' if s.ok else 'KHÔNG hợp lệ'}"
        )
        lines.append(
            f"    nguyên vẹn: {'có' if s.intact else 'không'}; tin cậy: "
            f"{'có' if s.trusted else 'không (' + (s.trust_problem or '?') + ')'}; "
            f"dấu thời gian: {ts_text}; "
            f"thu hồi: {s.revocation}{' (nhúng trong tệp)' if s.revocation_embedded else ''}; "
            f"thay đổi sau ký: {s.modification_level}; "
            f"phủ toàn bộ tệp: {'có' if s.covers_whole_file else 'không'}"
        )
    lines.extend(f"! {p}" for p in report.problems)
    return lines

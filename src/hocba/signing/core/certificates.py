"""Is this certificate usable for signing now? Facts of a certificate for the registry.

``check_certificate_usable(cert, at, ...)`` returns a list of Vietnamese problems (empty = usable):
not yet valid, expired, no signing key usage, not the expected person, not issued under a trusted
root, revoked (OCSP/CRL fetched from the URLs in the certificate). ``certificate_facts`` gives what
the certificate registry stores. No Django import here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from .backends import to_asn1
from .pki import common_name_of, personal_id_of


def _d(when: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")


@dataclass(frozen=True)
class CertificateFacts:
    """What the certificate registry records about a staff member's certificate."""

    subject: str
    common_name: str
    personal_id: str | None
    issuer: str
    serial_hex: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: tuple[str, ...]
    fingerprint_sha256: str
    key_algorithm: str


def certificate_facts(cert: x509.Certificate) -> CertificateFacts:
    usages: list[str] = []
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        for name in (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "key_cert_sign",
            "crl_sign",
        ):
            if getattr(ku, name):
                usages.append("non_repudiation" if name == "content_commitment" else name)
    except x509.ExtensionNotFound:
        pass
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    public = cert.public_key()
    algo = (
        "EC"
        if isinstance(public, ec.EllipticCurvePublicKey)
        else ("RSA" if isinstance(public, rsa.RSAPublicKey) else type(public).__name__)
    )
    return CertificateFacts(
        subject=cert.subject.rfc4514_string(),
        common_name=common_name_of(cert),
        personal_id=personal_id_of(cert),
        issuer=cert.issuer.rfc4514_string(),
        serial_hex=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_usage=tuple(usages),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        key_algorithm=algo,
    )


def _offline_problems(cert: x509.Certificate, at: dt.datetime, expected_personal_id: str | None) -> list[str]:
    problems: list[str] = []
    if at < cert.not_valid_before_utc:
        problems.append(f"Chứng thư số chưa có hiệu lực (có hiệu lực từ ngày {_d(cert.not_valid_before_utc)}).")
    if at > cert.not_valid_after_utc:
        problems.append(f"Chứng thư số đã hết hạn (hết hạn ngày {_d(cert.not_valid_after_utc)}).")
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (ku.digital_signature or ku.content_commitment):
            problems.append("Chứng thư số không được phép dùng để ký số (thiếu mục đích sử dụng khoá).")
    except x509.ExtensionNotFound:
        pass
    if expected_personal_id is not None and personal_id_of(cert) != expected_personal_id:
        problems.append("Chứng thư số không phải của người ký: số định danh cá nhân không khớp.")
    return problems


async def async_check_certificate_usable(
    cert: x509.Certificate,
    at: dt.datetime | None = None,
    *,
    trust_roots: Sequence[x509.Certificate] | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    check_revocation: bool = False,
    expected_personal_id: str | None = None,
) -> list[str]:
    """See :func:`check_certificate_usable`."""
    at = at or dt.datetime.now(dt.UTC)
    problems = _offline_problems(cert, at, expected_personal_id)
    if not trust_roots or problems:
        return problems
    fetcher = AIOHttpFetcherBackend() if check_revocation else None
    try:
        vc = ValidationContext(
            trust_roots=[to_asn1(c) for c in trust_roots],
            other_certs=[to_asn1(c) for c in intermediates],
            allow_fetching=check_revocation,
            fetcher_backend=fetcher,
            moment=at,
            revocation_mode="hard-fail" if check_revocation else "soft-fail",
        )
        validator = CertificateValidator(to_asn1(cert), validation_context=vc)
        await validator.async_validate_usage(set())
    except RevokedError as exc:
        problems.append(f"Chứng thư số đã bị thu hồi. ({exc})")
    except PathBuildingError:
        problems.append(
            "Chứng thư số không do tổ chức chứng thực được tin cậy cấp (không dựng được chuỗi đến chứng thư gốc)."
        )
    except InsufficientRevinfoError:
        problems.append("Không kiểm tra được tình trạng thu hồi của chứng thư số (OCSP/CRL không truy cập được).")
    except PathValidationError as exc:
        problems.append(f"Chuỗi chứng thư số không hợp lệ: {exc}")
    finally:
        if fetcher is not None:
            await fetcher.close()
    return problems


def check_certificate_usable(
    cert: x509.Certificate,
    at: dt.datetime | None = None,
    *,
    trust_roots: Sequence[x509.Certificate] | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    check_revocation: bool = False,
    expected_personal_id: str | None = None,
) -> list[str]:
    """Problems (Vietnamese) that forbid signing with ``cert`` at time ``at``; empty when usable.

    Offline checks always: validity period, signing key usage, optional expected personal ID.
    With ``trust_roots``: the chain to a trusted root; with ``check_revocation=True`` also OCSP/CRL
    fetched now ("hard-fail": unreachable revocation information is a problem). Must not be called
    from a running event loop (use :func:`async_check_certificate_usable` there).
    """
    return asyncio.run(
        async_check_certificate_usable(
            cert,
            at,
            trust_roots=trust_roots,
            intermediates=intermediates,
            check_revocation=check_revocation,
            expected_personal_id=expected_personal_id,
        )
    )

"""The demo PKI and the certificate checks that refuse unusable certificates."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from hocba.signing.core.backends import Pkcs12Backend
from hocba.signing.core.certificates import certificate_facts, check_certificate_usable
from hocba.signing.core.pki import DemoPKI, common_name_of, personal_id_of


def test_load_or_create_is_idempotent(pki: DemoPKI) -> None:
    again = DemoPKI.load_or_create(pki.directory)
    assert again.root.fingerprint(hashes.SHA256()) == pki.root.fingerprint(hashes.SHA256())
    assert again.person("gvcn").serial == pki.person("gvcn").serial


def test_person_certificate_names_the_person_and_allows_signing(pki: DemoPKI) -> None:
    cert = pki.person("gvcn").certificate
    assert common_name_of(cert) == "Nguyễn Thị Thu Hà"
    assert personal_id_of(cert) == "031190001234"
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment
    assert cert.issuer == pki.issuing_ca.subject and pki.issuing_ca.issuer == pki.root.subject
    facts = certificate_facts(cert)
    assert facts.key_algorithm == "EC" and "non_repudiation" in facts.key_usage
    assert (facts.not_after - facts.not_before).days >= 3 * 365


def test_school_seal_and_tsa_certificates(pki: DemoPKI) -> None:
    seal = pki.person("truong").certificate
    assert common_name_of(seal) == "Trường THCS Lê Lợi"
    assert personal_id_of(seal) is None
    eku = pki.tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert common_name_of(pki.root) == "hocba Demo Root CA"


def test_pkcs12_needs_the_right_passphrase(pki: DemoPKI) -> None:
    person = pki.person("hieutruong")
    backend = Pkcs12Backend(person.p12_path, person.passphrase)
    assert backend.certificate == person.certificate
    assert pki.issuing_ca in backend.chain
    try:
        Pkcs12Backend(person.p12_path, "sai-mat-khau")
    except ValueError as exc:
        assert "sai mật khẩu" in str(exc)
    else:
        raise AssertionError("a wrong passphrase must be refused")


def test_rsa_option(tmp_path) -> None:
    pki = DemoPKI.load_or_create(tmp_path / "rsa", key_type="rsa", with_refusal_cases=False)
    assert pki.person("hieutruong").certificate.public_key().key_size == 2048


def test_usable_certificate_has_no_problem(pki: DemoPKI, trust) -> None:
    cert = pki.person("gvcn").certificate
    assert (
        check_certificate_usable(
            cert,
            trust_roots=[pki.root],
            intermediates=[pki.issuing_ca],
            check_revocation=True,
            expected_personal_id="031190001234",
        )
        == []
    )


def test_expired_not_yet_valid_revoked_and_wrong_person_are_refused(pki: DemoPKI, trust) -> None:
    kw = {"trust_roots": [pki.root], "intermediates": [pki.issuing_ca], "check_revocation": True}
    expired = check_certificate_usable(pki.person("expired").certificate, **kw)
    assert any("đã hết hạn" in p for p in expired)
    future = check_certificate_usable(pki.person("not_yet_valid").certificate, **kw)
    assert any("chưa có hiệu lực" in p for p in future)
    revoked = check_certificate_usable(pki.person("revoked").certificate, **kw)
    assert any("thu hồi" in p for p in revoked)
    wrong = check_certificate_usable(pki.person("gvcn").certificate, expected_personal_id="031075004321")
    assert any("không phải của người ký" in p for p in wrong)


def test_certificate_from_another_ca_is_not_trusted(pki: DemoPKI, tmp_path) -> None:
    other = DemoPKI.load_or_create(tmp_path / "other", with_refusal_cases=False)
    problems = check_certificate_usable(
        other.person("gvcn").certificate, trust_roots=[pki.root], intermediates=[other.issuing_ca]
    )
    assert any("không do tổ chức chứng thực được tin cậy" in p for p in problems)


def test_check_at_a_given_time(pki: DemoPKI) -> None:
    cert = pki.person("gvcn").certificate
    later = cert.not_valid_after_utc + dt.timedelta(days=1)
    assert any("đã hết hạn" in p for p in check_certificate_usable(cert, later))

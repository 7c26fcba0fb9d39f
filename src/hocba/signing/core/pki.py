"""Demo and test PKI: a root CA, an issuing CA, a TSA, an OCSP responder and staff certificates.

Everything lives in one directory chosen by the caller (``DemoPKI.load_or_create(path)``) so the
demo (``seed-demo``) and the tests can sign end to end on a fresh machine without any outside
service. Keys are stored unencrypted next to the certificates (this is a *demo* PKI); each person
also gets a PKCS#12 file protected by a passphrase, which is what the file-based signer uses.

The certificates point at one loopback base URL (``http://127.0.0.1:<port>``) for OCSP, CRLs and
CA certificates; :func:`hocba.signing.core.services.running_trust_services` serves exactly that
URL. The port is fixed when the PKI is created (a free one by default) and kept in the manifest.

No Django import here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_CA_NAME = "hocba Demo Root CA"
ISSUING_CA_NAME = "hocba Demo Issuing CA"
TSA_NAME = "hocba Demo TSA"
OCSP_NAME = "hocba Demo OCSP Responder"
DEMO_PASSPHRASE = "hocba-demo"  # noqa: S105 - the demo PKI only, never production
MANIFEST = "pki.json"


@dataclass(frozen=True)
class PersonSpec:
    """Who a certificate is for.

    ``key`` is a short ASCII handle (file names, lookups); ``name`` the full Vietnamese name (CN);
    ``personal_id`` the 12-digit số định danh cá nhân (CCCD), stored in the subject's UID as
    ``CCCD:<12 digits>`` the way Vietnamese public CAs do. ``organisation=True`` makes an
    organisation certificate (the school's "seal", con dấu số) instead of a person's.
    """

    key: str
    name: str
    personal_id: str = ""
    organisation: bool = False
    org_tax_code: str = ""


#: The demo staff of one school; tests and the demo use these keys.
DEFAULT_PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("gvcn", "Nguyễn Thị Thu Hà", "031190001234"),
    PersonSpec("hieutruong", "Trần Văn Bình", "031075004321"),
    PersonSpec("phohieutruong", "Lê Thị Hồng Nhung", "031082005678"),
    PersonSpec("truong", "Trường THCS Lê Lợi", organisation=True, org_tax_code="0200123456"),
)


@dataclass(frozen=True)
class Issued:
    """One issued end-entity certificate on disk."""

    key: str
    name: str
    serial: int
    cert_path: Path
    key_path: Path
    p12_path: Path
    passphrase: str

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def private_key(self) -> PrivateKey:
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
        return key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


class DemoPKI:
    """A demo PKI kept in one directory. Build it with :meth:`load_or_create`."""

    def __init__(self, directory: Path, manifest: dict) -> None:
        self.directory = directory
        self._manifest = manifest
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- creation
    @classmethod
    def load_or_create(
        cls,
        directory: str | Path,
        *,
        key_type: KeyType = "ec",
        people: Iterable[PersonSpec] = DEFAULT_PEOPLE,
        port: int | None = None,
        with_refusal_cases: bool = True,
    ) -> DemoPKI:
        """Open the PKI in ``directory``, creating it (and any missing person in ``people``) if needed.

        Idempotent: a second call returns the same CA, keys and certificates. ``key_type`` is the
        algorithm of the staff keys (EC P-256 by default; ``"rsa"`` for RSA-2048). The TSA always
        uses RSA-2048 (pyHanko's test time-stamper only signs with RSA). ``with_refusal_cases``
        also issues the three certificates used to test refusals: ``expired``,
        ``not_yet_valid`` and ``revoked``.
        """
        directory = Path(directory)
        manifest_path = directory / MANIFEST
        if manifest_path.exists():
            pki = cls(directory, json.loads(manifest_path.read_text(encoding="utf-8")))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            pki = cls(directory, {"key_type": key_type, "port": port or _free_port(), "people": {}, "revoked": {}})
            pki._create_authorities()
        for spec in people:
            if spec.key not in pki._manifest["people"]:
                pki.issue(spec)
        if with_refusal_cases:
            now = _now()
            if "expired" not in pki._manifest["people"]:
                pki.issue(
                    PersonSpec("expired", "Phạm Văn Hết Hạn", "031070000001"),
                    not_before=now - dt.timedelta(days=3 * 365 + 30),
                    not_after=now - dt.timedelta(days=30),
                )
            if "not_yet_valid" not in pki._manifest["people"]:
                pki.issue(
                    PersonSpec("not_yet_valid", "Đỗ Thị Chưa Tới", "031070000002"),
                    not_before=now + dt.timedelta(days=30),
                    not_after=now + dt.timedelta(days=3 * 365),
                )
            if "revoked" not in pki._manifest["people"]:
                issued = pki.issue(PersonSpec("revoked", "Hoàng Văn Thu Hồi", "031070000003"))
                pki.revoke(issued.serial, when=now - dt.timedelta(days=1))
        return pki

    def _save(self) -> None:
        path = self.directory / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    def _write(self, name: str, cert: x509.Certificate, key: PrivateKey) -> None:
        (self.directory / f"{name}.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path = self.directory / f"{name}.key.pem"
        key_path.write_bytes(_pem_key(key))
        key_path.chmod(0o600)

    def _create_authorities(self) -> None:
        now = _now()
        base = self.base_url
        root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hocba Demo"),
                x509.NameAttribute(NameOID.COMMON_NAME, ROOT_CA_NAME),
            ]
        )
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=25 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA384())
        )
        self._write("root-ca", root, root_key)

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hocba Demo"),
                x509.NameAttribute(NameOID.COMMON_NAME, ISSUING_CA_NAME),
            ]
        )
        ca = (
            _builder(
                ca_name,
                ca_key.public_key(),
                root,
                root_key,
                now - dt.timedelta(days=1),
                now + dt.timedelta(days=10 * 365),
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(_crl_dp(f"{base}/crl/root.crl"), critical=False)
            .add_extension(_aia(None, f"{base}/certs/root-ca.cer"), critical=False)
            .sign(root_key, hashes.SHA384())
        )
        self._write("issuing-ca", ca, ca_key)

        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = (
            _builder(
                _simple_name(TSA_NAME),
                tsa_key.public_key(),
                ca,
                ca_key,
                now - dt.timedelta(days=1),
                now + dt.timedelta(days=5 * 365),
            )
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(_crl_dp(f"{base}/crl/issuing.crl"), critical=False)
            .add_extension(_aia(f"{base}/ocsp", f"{base}/certs/issuing-ca.cer"), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self._write("tsa", tsa, tsa_key)

        ocsp_key = ec.generate_private_key(ec.SECP256R1())
        ocsp_cert = (
            _builder(
                _simple_name(OCSP_NAME),
                ocsp_key.public_key(),
                ca,
                ca_key,
                now - dt.timedelta(days=1),
                now + dt.timedelta(days=5 * 365),
            )
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=True)
            .add_extension(x509.OCSPNoCheck(), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self._write("ocsp", ocsp_cert, ocsp_key)
        self._manifest["people"] = {}
        self._save()

    def issue(
        self,
        spec: PersonSpec,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_type: KeyType | None = None,
        passphrase: str = DEMO_PASSPHRASE,
    ) -> Issued:
        """Issue (or re-issue) an end-entity certificate for ``spec``: 3 years by default (NĐ 23/2025)."""
        now = _now()
        not_before = not_before or now - dt.timedelta(days=1)
        not_after = not_after or now + dt.timedelta(days=3 * 365)
        key = _new_key(key_type or self._manifest["key_type"])
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Hải Phòng"),
        ]
        if spec.organisation:
            attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, spec.name)]
            if spec.org_tax_code:
                attrs.append(x509.NameAttribute(NameOID.USER_ID, f"MST:{spec.org_tax_code}"))
        elif spec.personal_id:
            attrs.append(x509.NameAttribute(NameOID.USER_ID, f"CCCD:{spec.personal_id}"))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.name))
        ca, ca_key = self.issuing_ca, self._load_key("issuing-ca")
        base = self.base_url
        cert = (
            _builder(x509.Name(attrs), key.public_key(), ca, ca_key, not_before, not_after)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(_crl_dp(f"{base}/crl/issuing.crl"), critical=False)
            .add_extension(_aia(f"{base}/ocsp", f"{base}/certs/issuing-ca.cer"), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        stem = f"person-{spec.key}"
        self._write(stem, cert, key)
        p12 = pkcs12.serialize_key_and_certificates(
            _ascii_slug(spec.name).encode(),
            key,
            cert,
            [ca],
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        (self.directory / f"{stem}.p12").write_bytes(p12)
        with self._lock:
            self._manifest["people"][spec.key] = {
                "name": spec.name,
                "personal_id": spec.personal_id,
                "organisation": spec.organisation,
                "serial": str(cert.serial_number),
                "passphrase": passphrase,
            }
            self._save()
        return self.person(spec.key)

    def revoke(self, serial: int, *, when: dt.datetime | None = None, reason: str = "key_compromise") -> None:
        """Mark a certificate of the issuing CA revoked (seen by the OCSP responder and the CRL)."""
        with self._lock:
            self._manifest["revoked"][str(serial)] = {
                "when": (when or _now()).isoformat(),
                "reason": reason,
            }
            self._save()

    # ---------------------------------------------------------------- reading
    @property
    def port(self) -> int:
        return int(self._manifest["port"])

    @property
    def base_url(self) -> str:
        """Loopback URL the certificates name for OCSP, CRLs and CA certificates."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def timestamp_url(self) -> str:
        return f"{self.base_url}/tsa"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    def _load_cert(self, name: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((self.directory / f"{name}.cert.pem").read_bytes())

    def _load_key(self, name: str) -> PrivateKey:
        key = serialization.load_pem_private_key((self.directory / f"{name}.key.pem").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
        return key

    @property
    def root(self) -> x509.Certificate:
        return self._load_cert("root-ca")

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "root-ca.cert.pem"

    @property
    def issuing_ca(self) -> x509.Certificate:
        return self._load_cert("issuing-ca")

    @property
    def tsa_cert(self) -> x509.Certificate:
        return self._load_cert("tsa")

    @property
    def ocsp_cert(self) -> x509.Certificate:
        return self._load_cert("ocsp")

    def authority_key(self, name: Literal["root-ca", "issuing-ca", "tsa", "ocsp"]) -> PrivateKey:
        """A CA/TSA/OCSP private key (used by the local trust services only)."""
        return self._load_key(name)

    def person(self, key: str) -> Issued:
        """The certificate, key and PKCS#12 file of one person (``KeyError`` if unknown)."""
        entry = self._manifest["people"][key]
        stem = self.directory / f"person-{key}"
        return Issued(
            key=key,
            name=entry["name"],
            serial=int(entry["serial"]),
            cert_path=stem.with_suffix(".cert.pem"),
            key_path=stem.with_suffix(".key.pem"),
            p12_path=stem.with_suffix(".p12"),
            passphrase=entry["passphrase"],
        )

    @property
    def people(self) -> list[str]:
        return list(self._manifest["people"])

    def revoked(self) -> dict[int, tuple[dt.datetime, str]]:
        """Serial → (revocation time, reason) for the issuing CA's revoked certificates."""
        data = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))["revoked"]
        return {int(s): (dt.datetime.fromisoformat(v["when"]), v["reason"]) for s, v in data.items()}

    def issued_serials(self) -> set[int]:
        """Serials of every certificate the issuing CA has issued (people, TSA, OCSP responder)."""
        data = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))["people"]
        return {int(v["serial"]) for v in data.values()} | {
            self.tsa_cert.serial_number,
            self.ocsp_cert.serial_number,
        }

    def trust_roots(self) -> list[x509.Certificate]:
        return [self.root]

    def export_roots_pem(self) -> bytes:
        """The trust roots of this PKI as PEM (what ``hocba pki export-roots`` writes)."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.trust_roots())


# -------------------------------------------------------------------- helpers
def _simple_name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hocba Demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(True, False, False, False, False, True, True, False, False)


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)])


def _aia(ocsp_url: str | None, ca_url: str) -> x509.AuthorityInformationAccess:
    descs = [
        x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(ca_url))
    ]
    if ocsp_url:
        descs.insert(
            0,
            x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)),
        )
    return x509.AuthorityInformationAccess(descs)


def _builder(
    subject: x509.Name,
    public_key,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )


def personal_id_of(cert: x509.Certificate) -> str | None:
    """The 12-digit personal ID in a certificate subject (UID ``CCCD:…`` or serialNumber), if any."""
    for oid in (NameOID.USER_ID, NameOID.SERIAL_NUMBER):
        for attr in cert.subject.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else attr.value.decode()
            match = re.search(r"(?<!\d)(\d{12})(?!\d)", value)
            if match:
                return match.group(1)
    return None


def common_name_of(cert: x509.Certificate) -> str:
    """The subject CN (the person's or school's name)."""
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attrs:
        return cert.subject.rfc4514_string()
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode()

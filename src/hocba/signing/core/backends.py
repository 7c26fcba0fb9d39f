"""Signer backends behind one interface: a PKCS#12 file, a PKCS#11 token, a remote hash-signing service.

Each backend is a *key holder*: it exposes the signer's certificate and chain and a pyHanko
``Signer`` that produces the raw signature; the PDF orchestration (``pades.py``) never needs to
know where the key lives. In the PKCS#11 and remote cases the private key never reaches this
process: only the hash of the signed attributes leaves it.

No Django import here.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import SigningError, as_signing_certificate_v2
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = [
    "CachedKeySigner",
    "PadesSignedAttributes",
    "Pkcs11Backend",
    "Pkcs12Backend",
    "RemoteHashBackend",
    "RemoteSigningError",
    "SignerBackend",
    "to_asn1",
    "to_crypto",
]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """cryptography certificate → asn1crypto certificate (what pyHanko speaks)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def to_crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    """asn1crypto certificate → cryptography certificate."""
    return x509.load_der_x509_certificate(cert.dump())


@runtime_checkable
class SignerBackend(Protocol):
    """A holder of one person's (or school's) signing key.

    ``certificate`` is the signer's X.509 certificate, ``chain`` the issuing CAs (closest first,
    roots may be included), ``signer`` the pyHanko ``Signer`` that computes the raw signature
    (the key may be in memory, on a token or at a remote service), ``kind`` a short name for
    logs and the certificate registry ("pkcs12", "pkcs11", "remote").
    """

    kind: str

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> list[x509.Certificate]: ...

    @property
    def signer(self) -> Signer: ...

    def close(self) -> None: ...


def _registry(cert: x509.Certificate, chain: list[x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs([to_asn1(cert), *(to_asn1(c) for c in chain)])


class _FixedAttribute(CMSAttributeProvider):
    def __init__(self, attribute_type: str, value: Any) -> None:
        self.attribute_type = attribute_type
        self._value = value

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return self._value


class PadesSignedAttributes(SignedAttributeProviderSpec):
    """pyHanko's PAdES signed attributes for one signer, with signing-certificate-v2 built ONCE.

    pyHanko's default spec builds the signing-certificate-v2 value (the certificate's hash and its
    issuer's name) afresh for every signature. A freshly built asn1crypto value never forgets that
    it was "mutated", so each access re-encodes it and every level above it, and the nesting here is
    deep: formatting, hashing, packaging the signed attributes and embedding the CMS cost ~10 ms
    per signature. The same value parsed back from its DER is encoded once. pyHanko still adds
    content-type and message-digest and does all the CMS work; the bytes are those of its default
    PAdES attributes (PAdES forbids signing-time; no CAdES extras are used here). Install it with
    :func:`use_pades_signed_attributes` on signers that only make PAdES signatures.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        built = as_signing_certificate_v2(signing_cert)
        self._signing_certificate_v2 = tsp.SigningCertificateV2.load(built.dump())

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str) -> Any:
        yield _FixedAttribute("signing_certificate_v2", self._signing_certificate_v2)


def use_pades_signed_attributes(signer: Signer) -> Signer:
    """Give ``signer`` the precomputed PAdES signed attributes of its certificate (see above)."""
    assert signer.signing_cert is not None
    signer.signed_attr_prov_spec = PadesSignedAttributes(signer.signing_cert)
    return signer


def _sign_with_key(key: Any, data: bytes, digest_algorithm: str, *, prehashed: bool = False) -> bytes:
    algo = _HASHES[digest_algorithm.lower()]()
    hash_arg: Any = Prehashed(algo) if prehashed else algo
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hash_arg))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hash_arg)
    raise SigningError(f"Unsupported key type {type(key).__name__}")


class CachedKeySigner(Signer):
    """A pyHanko signer over an already-loaded ``cryptography`` key.

    pyHanko's ``SimpleSigner`` re-parses the private key on every signature (~27 ms of key checks
    for RSA); this one keeps the parsed key object, so the key operation costs what the
    cryptography library costs. ECDSA and RSA PKCS#1 v1.5 are supported.
    """

    def __init__(self, key: Any, cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
        # the root is not embedded: validators bring their own trust roots (smaller CMS, less work)
        super().__init__(signing_cert=to_asn1(cert), cert_registry=_registry(cert, chain), embed_roots=False)
        self._key = key
        use_pades_signed_attributes(self)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return _sign_with_key(self._key, data, digest_algorithm)


class Pkcs12Backend:
    """Key and certificate from a PKCS#12 (.p12/.pfx) file, loaded ONCE and kept in memory.

    For the demo and development. ``Pkcs12Backend(path, passphrase)``; a wrong passphrase raises
    ``ValueError`` with a Vietnamese message.
    """

    kind = "pkcs12"

    def __init__(self, path: str | Path, passphrase: str | bytes) -> None:
        data = Path(path).read_bytes()
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, pw)
        except ValueError as exc:
            raise ValueError("Không mở được tệp chứng thư số (.p12): sai mật khẩu hoặc tệp hỏng.") from exc
        if key is None or cert is None:
            raise ValueError("Tệp .p12 không chứa khoá bí mật và chứng thư số.")
        self._key = key
        self._cert = cert
        self._chain = list(extra or [])
        self._signer = CachedKeySigner(key, cert, self._chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    @property
    def signer(self) -> Signer:
        return self._signer

    async def sign_digest(self, digest: bytes, digest_algorithm: str = "sha256") -> bytes:
        """Sign a pre-computed digest (the raw signature, DER for ECDSA)."""
        return _sign_with_key(self._key, digest, digest_algorithm, prehashed=True)

    def close(self) -> None:
        return None


class Pkcs11Backend:
    """A key on a PKCS#11 token (USB token, HSM; tested on SoftHSM2). The key never leaves the token.

    ``module_path`` is the PKCS#11 library (e.g. ``/usr/lib/softhsm/libsofthsm2.so``), the token is
    found by its label, the key and certificate by ``key_label`` (the certificate object carries the
    same label). EC keys are signed with the raw ECDSA mechanism over a digest computed here
    (SoftHSM2 has no ECDSA-with-SHA256 mechanism).
    """

    kind = "pkcs11"

    def __init__(
        self, module_path: str, token_label: str, pin: str, key_label: str, *, cert_label: str | None = None
    ) -> None:
        from pkcs11 import PKCS11Error
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            self._session = open_pkcs11_session(
                module_path, token_criteria=TokenCriteria(label=token_label), user_pin=pin
            )
        except (PKCS11Error, SigningError, OSError) as exc:
            raise SigningError(
                f"Không mở được thiết bị ký số (token '{token_label}'): "
                f"kiểm tra token đã cắm và mã PIN. ({type(exc).__name__})"
            ) from exc
        signer = PKCS11Signer(self._session, cert_label=cert_label or key_label, key_label=key_label)
        try:
            cert = signer.signing_cert
        except (PKCS11Error, SigningError) as exc:
            self._session.close()
            raise SigningError(f"Không tìm thấy khoá/chứng thư '{key_label}' trên token.") from exc
        if cert.public_key.algorithm == "ec":
            signer.use_raw_mechanism = True
        self._signer = use_pades_signed_attributes(signer)
        self._cert = to_crypto(cert)
        self._chain = [to_crypto(c) for c in signer.cert_registry if c.dump() != cert.dump()]

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    @property
    def signer(self) -> Signer:
        return self._signer

    def add_chain(self, certs: list[x509.Certificate]) -> None:
        """Register CA certificates not stored on the token (so they go into the CMS)."""
        for c in certs:
            self._signer.cert_registry.register(to_asn1(c))
            self._chain.append(c)

    def close(self) -> None:
        self._session.close()


# ---------------------------------------------------------------------------- remote signing
class RemoteSigningError(SigningError):
    """A remote signing failure with a code and a Vietnamese message for the user."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "EXPIRED": "Yêu cầu ký đã hết hạn: người ký chưa xác nhận trên ứng dụng điện thoại trong thời gian cho phép.",
        "TIMEOUT": "Hết thời gian chờ người ký xác nhận trên ứng dụng điện thoại.",
        "SIGNER_REJECTED": "Người ký đã từ chối yêu cầu ký trên ứng dụng điện thoại.",
        "CREDENTIAL_INVALID": "Thông tin kết nối dịch vụ ký số từ xa không hợp lệ (mã đối tác hoặc mật khẩu).",
        "CREDENTIAL_STATUS_INVALID": "Chứng thư số của người ký trên dịch vụ ký số từ xa đã hết hạn, "
        "bị thu hồi "
        "hoặc bị tạm dừng.",
        "USER_NOT_FOUND": "Không tìm thấy tài khoản ký số từ xa của người ký.",
        "UNREACHABLE": "Không kết nối được dịch vụ ký số từ xa; vui lòng thử lại sau.",
        "BAD_RESPONSE": "Dịch vụ ký số từ xa trả về dữ liệu không hợp lệ.",
    }

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.message = self.MESSAGES.get(code, f"Lỗi ký số từ xa ({code}).")
        super().__init__(self.message + (f" [{detail}]" if detail else ""))


class _RemoteHashSigner(Signer):
    """pyHanko signer that sends the SHA-256 of the signed attributes to the remote service."""

    def __init__(self, backend: RemoteHashBackend) -> None:
        super().__init__(
            signing_cert=to_asn1(backend.certificate),
            cert_registry=_registry(backend.certificate, backend.chain),
        )
        self._backend = backend
        use_pades_signed_attributes(self)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:  # only the size matters: the largest DER ECDSA P-256 / RSA-2048 signature
            key = self._backend.certificate.public_key()
            return bytes(72 if isinstance(key, ec.EllipticCurvePublicKey) else key.key_size // 8)  # type: ignore[union-attr]
        digest = hashlib.new(digest_algorithm, data).digest()
        return await self._backend.sign_digest(digest, digest_algorithm)


class RemoteHashBackend:
    """Remote signing of a hash by a CA's cloud service, SmartCA/MySign style.

    Flow (see regulations §5.2): ``POST /v1/credentials/get_certificate`` → certificate and chain;
    ``POST /v1/signatures/sign`` with the hash → ``tran_code``, status "waiting for user
    confirmation"; the person confirms on the phone; ``POST /v1/signatures/sign/{tran_code}/status``
    is polled until CONFIRMED (→ signature), REJECTED, EXPIRED, or our own ``timeout``. While the
    coroutine waits, pyHanko keeps the prepared PDF in memory (its signing is asynchronous), so
    nothing is re-rendered. The private key stays at the provider.
    """

    kind = "remote"

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        user_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 300.0,
        description: str = "Ký học bạ số",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.user_id = user_id
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.description = description
        self.last_tran_code: str | None = None
        data = self._post_sync("/v1/credentials/get_certificate", {})
        try:
            cert_info = data["user_certificates"][0]
            self._cert = x509.load_der_x509_certificate(base64.b64decode(cert_info["cert_data"]))
            self._chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in cert_info["chain_data"]]
        except (KeyError, IndexError, ValueError) as exc:
            raise RemoteSigningError("BAD_RESPONSE", "certificate") from exc
        if cert_info.get("cert_status") not in (None, "VALID"):
            raise RemoteSigningError("CREDENTIAL_STATUS_INVALID", str(cert_info.get("cert_status")))
        self._signer = _RemoteHashSigner(self)

    def _body(self, extra: dict[str, Any]) -> bytes:
        return json.dumps(
            {"sp_id": self.client_id, "sp_password": self._client_secret, "user_id": self.user_id, **extra}
        ).encode()

    @staticmethod
    def _unwrap(status: int, payload: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(payload)
        except ValueError as exc:
            raise RemoteSigningError("BAD_RESPONSE", f"HTTP {status}") from exc
        code = doc.get("error_code")
        if status != 200 or code:
            raise RemoteSigningError(code or "BAD_RESPONSE", doc.get("message", f"HTTP {status}"))
        return doc.get("data") or {}

    def _post_sync(self, path: str, extra: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(  # noqa: S310 - configured https/loopback URL
            self.base_url + path,
            data=self._body(extra),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                return self._unwrap(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            return self._unwrap(exc.code, exc.read())
        except (urllib.error.URLError, OSError) as exc:
            raise RemoteSigningError("UNREACHABLE", str(exc)) from exc

    async def _post(self, session: Any, path: str, extra: dict[str, Any]) -> dict[str, Any]:
        import aiohttp

        try:
            async with session.post(
                self.base_url + path, data=self._body(extra), headers={"Content-Type": "application/json"}
            ) as resp:
                return self._unwrap(resp.status, await resp.read())
        except aiohttp.ClientError as exc:
            raise RemoteSigningError("UNREACHABLE", str(exc)) from exc

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    @property
    def signer(self) -> Signer:
        return self._signer

    async def request_signature(self, session: Any, digest: bytes, digest_algorithm: str = "sha256") -> str:
        """Send the hash; return the provider's transaction code (status: waiting for the user)."""
        data = await self._post(
            session,
            "/v1/signatures/sign",
            {
                "sign_type": "hash",
                "description": self.description,
                "sign_files": [{"data_to_be_signed": digest.hex(), "hash_algorithm": digest_algorithm.upper()}],
            },
        )
        tran_code = data.get("tran_code")
        if not tran_code:
            raise RemoteSigningError("BAD_RESPONSE", "no tran_code")
        self.last_tran_code = tran_code
        return str(tran_code)

    async def wait_for_signature(self, session: Any, tran_code: str) -> bytes:
        """Poll the transaction until the user confirms (→ raw signature) or it fails."""
        deadline = time.monotonic() + self.timeout
        while True:
            data = await self._post(session, f"/v1/signatures/sign/{tran_code}/status", {})
            status = data.get("status")
            if status == "CONFIRMED":
                try:
                    return base64.b64decode(data["signatures"][0]["signature_value"])
                except (KeyError, IndexError, ValueError) as exc:
                    raise RemoteSigningError("BAD_RESPONSE", "signature") from exc
            if status in ("REJECTED", "SIGNER_REJECTED"):
                raise RemoteSigningError("SIGNER_REJECTED")
            if status == "EXPIRED":
                raise RemoteSigningError("EXPIRED")
            if status not in ("WAITING", "sig_wait_for_user_confirm"):
                raise RemoteSigningError("BAD_RESPONSE", f"status {status!r}")
            if time.monotonic() >= deadline:
                raise RemoteSigningError("TIMEOUT")
            await asyncio.sleep(self.poll_interval)

    async def sign_digest(self, digest: bytes, digest_algorithm: str = "sha256") -> bytes:
        """Request + wait: the raw signature over ``digest`` made by the provider."""
        import aiohttp

        async with aiohttp.ClientSession() as session:
            tran_code = await self.request_signature(session, digest, digest_algorithm)
            return await self.wait_for_signature(session, tran_code)

    def close(self) -> None:
        return None

"""Local trust services for the demo PKI: RFC 3161 time-stamping, OCSP and CRLs over HTTP on loopback.

``with running_trust_services(pki) as urls:`` serves, on ``pki.base_url`` in a background thread:

* ``POST /tsa``             RFC 3161 time-stamp responses (pyHanko's ``DummyTimeStamper`` signs them),
* ``POST /ocsp``            RFC 6960 OCSP responses for the issuing CA's certificates
                            (``GET /ocsp/<b64>`` too),
* ``GET  /crl/issuing.crl`` and ``/crl/root.crl`` freshly signed CRLs,
* ``GET  /certs/<name>.cer`` the CA certificates (the AIA "caIssuers" URLs).

Revocations made with ``DemoPKI.revoke`` are seen immediately. No Django import here.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509 import ocsp
from pyhanko.sign import general
from pyhanko.sign.general import get_pyca_cryptography_hash, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from .pki import DemoPKI


@dataclass(frozen=True)
class TrustServiceUrls:
    """Where the running services answer."""

    base: str
    timestamp: str
    ocsp: str
    crl: str


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _CachedKeyTimeStamper(DummyTimeStamper):
    """pyHanko's test time-stamper, with the RSA key parsed once (it re-parses it per token: ~30-200 ms)
    and the signing-certificate attribute built once (asn1crypto re-encodes a freshly built nested
    value at every access: ~3 ms per token); the signed attributes go on parsed from their DER."""

    def __init__(self, *args: Any, crypto_key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._crypto_key = crypto_key
        attr = simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert))
        self._signing_certificate_attr = cms.CMSAttribute.load(attr.dump())

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime) -> tuple[bytes, Any]:
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                self._signing_certificate_attr,
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        der = signed_attrs.dump()
        signature = self._crypto_key.sign(der, PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, cms.CMSAttributes.load(der)


class _TrustServices:
    """The request logic, independent of the HTTP plumbing (also usable in-process)."""

    def __init__(self, pki: DemoPKI) -> None:
        self.pki = pki
        self.root, self.ca = pki.root, pki.issuing_ca
        self.root_key, self.ca_key = pki.authority_key("root-ca"), pki.authority_key("issuing-ca")
        self.ocsp_cert, self.ocsp_key = pki.ocsp_cert, pki.authority_key("ocsp")
        tsa_key = pki.authority_key("tsa")
        assert isinstance(tsa_key, rsa.RSAPrivateKey)
        tsa_key_der = tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.timestamper = _CachedKeyTimeStamper(
            tsa_cert=_asn1_cert(pki.tsa_cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key_der),
            certs_to_embed=[_asn1_cert(self.ca)],
            crypto_key=tsa_key,
        )
        # the hashes a request names the issuing CA by (SHA-1 is what clients send)
        self._issuer_hashes = {}
        for algo in (hashes.SHA1(), hashes.SHA256()):  # noqa: S303 - OCSP CertID hashes, not signatures
            probe = ocsp.OCSPRequestBuilder().add_certificate(self.ocsp_cert, self.ca, algo).build()
            self._issuer_hashes[algo.name] = (probe.issuer_name_hash, probe.issuer_key_hash)

    def timestamp(self, body: bytes) -> bytes:
        req = tsp.TimeStampReq.load(body)
        return self.timestamper.request_tsa_response(req).dump()

    def ocsp(self, body: bytes) -> bytes:
        try:
            req = ocsp.load_der_ocsp_request(body)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER
            )
        expected = self._issuer_hashes.get(req.hash_algorithm.name)
        if expected != (req.issuer_name_hash, req.issuer_key_hash):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER
            )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        revoked = self.pki.revoked()
        serial = req.serial_number
        rev_time, rev_reason = None, None
        if serial in revoked:
            status = ocsp.OCSPCertStatus.REVOKED
            rev_time, reason_name = revoked[serial]
            rev_reason = getattr(x509.ReasonFlags, reason_name, x509.ReasonFlags.unspecified)
        elif serial in self.pki.issued_serials():
            status = ocsp.OCSPCertStatus.GOOD
        else:
            status = ocsp.OCSPCertStatus.UNKNOWN
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=req.issuer_name_hash,
            issuer_key_hash=req.issuer_key_hash,
            serial_number=serial,
            algorithm=req.hash_algorithm,
            cert_status=status,
            this_update=now - dt.timedelta(minutes=1),
            next_update=now + dt.timedelta(hours=12),
            revocation_time=rev_time,
            revocation_reason=rev_reason,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.ocsp_cert).certificates([self.ocsp_cert])
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        return builder.sign(self.ocsp_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl(self, which: str) -> bytes:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if which == "root":
            issuer, key, revoked = self.root, self.root_key, {}
        else:
            issuer, key, revoked = self.ca, self.ca_key, self.pki.revoked()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + dt.timedelta(days=1))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        )
        for serial, (when, reason) in revoked.items():
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
            flag = getattr(x509.ReasonFlags, reason, None)
            if flag is not None:
                entry = entry.add_extension(x509.CRLReason(flag), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        algo = hashes.SHA384() if which == "root" else hashes.SHA256()
        return builder.sign(key, algo).public_bytes(serialization.Encoding.DER)

    def certificate(self, name: str) -> bytes | None:
        certs = {"root-ca": self.root, "issuing-ca": self.ca}
        cert = certs.get(name)
        return cert.public_bytes(serialization.Encoding.DER) if cert else None


def _handler(services: _TrustServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _reply(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                if self.path == "/tsa":
                    self._reply(200, services.timestamp(body), "application/timestamp-reply")
                elif self.path.startswith("/ocsp"):
                    self._reply(200, services.ocsp(body), "application/ocsp-response")
                else:
                    self._reply(404, b"not found", "text/plain")
            except Exception:  # a malformed request must not kill the service thread
                self._reply(400, b"bad request", "text/plain")

        def do_GET(self) -> None:
            path = self.path
            if path.startswith("/ocsp/"):
                try:
                    req = base64.b64decode(unquote(path[len("/ocsp/") :]))
                    self._reply(200, services.ocsp(req), "application/ocsp-response")
                except ValueError:
                    self._reply(400, b"bad request", "text/plain")
            elif path in ("/crl/issuing.crl", "/crl/root.crl"):
                which = "root" if path.endswith("root.crl") else "issuing"
                self._reply(200, services.crl(which), "application/pkix-crl")
            elif path.startswith("/certs/") and path.endswith(".cer"):
                der = services.certificate(path[len("/certs/") : -len(".cer")])
                if der is None:
                    self._reply(404, b"not found", "text/plain")
                else:
                    self._reply(200, der, "application/pkix-cert")
            else:
                self._reply(404, b"not found", "text/plain")

    return Handler


@contextlib.contextmanager
def running_trust_services(pki: DemoPKI) -> Iterator[TrustServiceUrls]:
    """Serve the PKI's TSA, OCSP responder and CRLs on ``pki.base_url`` until the block ends."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client closing its keep-alive connection is normal; anything else is logged."""
            import sys

            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

        allow_reuse_address = True
        request_queue_size = 128

    server = Server(("127.0.0.1", pki.port), _handler(_TrustServices(pki)))
    thread = threading.Thread(target=server.serve_forever, name="hocba-trust-services", daemon=True)
    thread.start()
    try:
        yield TrustServiceUrls(
            base=pki.base_url,
            timestamp=pki.timestamp_url,
            ocsp=pki.ocsp_url,
            crl=f"{pki.base_url}/crl/issuing.crl",
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""A local stand-in for a CA's remote signing service (SmartCA/MySign style), for tests and the demo.

It holds its users' private keys (the key never leaves it), answers the same JSON calls as
:class:`hocba.signing.core.backends.RemoteHashBackend` makes, and keeps each signing request
"waiting for user confirmation" until the simulated phone answers:

* ``fake.confirm(tran_code)`` / ``fake.reject(tran_code)`` — what the person does in the app,
* ``auto_confirm_after=N`` — confirm by itself after N status polls (``None``: never),
* ``fake.behaviour = "reject" | "expire"`` — answer every request that way,
* ``expire_after`` — seconds after which a waiting request becomes EXPIRED (SmartCA: ~5 min).

``with FakeRemoteCA(users={"user-id": (cert, key, chain)}, client_id=..., client_secret=...) as fake:``
serves on ``fake.base_url`` (127.0.0.1, a free port) in a background thread. No Django import.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}


@dataclass
class _Transaction:
    tran_code: str
    user_id: str
    digest: bytes
    hash_algorithm: str
    created: float
    status: str = "WAITING"
    polls: int = 0
    signature: bytes | None = None


@dataclass
class RemoteUser:
    """A user account at the fake provider: their certificate, chain and (server-side) key."""

    cert: x509.Certificate
    key: Any
    chain: list[x509.Certificate] = field(default_factory=list)
    cert_status: str = "VALID"


class FakeRemoteCA:
    """The fake remote-signing provider. See the module docstring."""

    def __init__(
        self,
        users: dict[str, RemoteUser],
        *,
        client_id: str = "hocba-sp",
        client_secret: str = "sp-secret",  # noqa: S107 - a fake service's test credential
        auto_confirm_after: int | None = None,
        expire_after: float = 300.0,
    ) -> None:
        self.users = users
        self.client_id = client_id
        self.client_secret = client_secret
        self.auto_confirm_after = auto_confirm_after
        self.expire_after = expire_after
        self.behaviour: Literal["normal", "reject", "expire"] = "normal"
        self.transactions: dict[str, _Transaction] = {}
        self.received_digests: list[bytes] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------- the simulated phone
    def pending(self) -> list[str]:
        """Transaction codes waiting for the user."""
        with self._lock:
            return [t.tran_code for t in self.transactions.values() if t.status == "WAITING"]

    def confirm(self, tran_code: str) -> None:
        """The user confirms on the phone: the provider signs the hash with the user's key."""
        with self._lock:
            self._confirm_locked(self.transactions[tran_code])

    def reject(self, tran_code: str) -> None:
        with self._lock:
            self.transactions[tran_code].status = "REJECTED"

    def _confirm_locked(self, tx: _Transaction) -> None:
        key = self.users[tx.user_id].key
        algo = Prehashed(_HASHES[tx.hash_algorithm]())
        if isinstance(key, ec.EllipticCurvePrivateKey):
            tx.signature = key.sign(tx.digest, ec.ECDSA(algo))
        else:
            assert isinstance(key, rsa.RSAPrivateKey)
            tx.signature = key.sign(tx.digest, padding.PKCS1v15(), algo)
        tx.status = "CONFIRMED"

    # ------------------------------------------------------------- the API
    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call (path, JSON body) → (HTTP status, JSON reply)."""
        if body.get("sp_id") != self.client_id or body.get("sp_password") != self.client_secret:
            return 401, {"error_code": "CREDENTIAL_INVALID", "message": "invalid sp_id/sp_password"}
        user = self.users.get(str(body.get("user_id")))
        if user is None:
            return 404, {"error_code": "USER_NOT_FOUND", "message": "unknown user_id"}
        der = serialization.Encoding.DER
        if path == "/v1/credentials/get_certificate":
            return 200, {
                "data": {
                    "user_certificates": [
                        {
                            "serial_number": format(user.cert.serial_number, "x"),
                            "cert_status": user.cert_status,
                            "cert_data": base64.b64encode(user.cert.public_bytes(der)).decode(),
                            "chain_data": [base64.b64encode(c.public_bytes(der)).decode() for c in user.chain],
                        }
                    ]
                }
            }
        if user.cert_status != "VALID":
            return 400, {"error_code": "CREDENTIAL_STATUS_INVALID", "message": user.cert_status}
        if path == "/v1/signatures/sign":
            try:
                item = body["sign_files"][0]
                digest = bytes.fromhex(item["data_to_be_signed"])
                algo = str(item.get("hash_algorithm", "SHA256")).upper()
            except (KeyError, IndexError, ValueError, TypeError):
                return 400, {"error_code": "BAD_REQUEST", "message": "sign_files"}
            if algo not in _HASHES or len(digest) != _HASHES[algo].digest_size:
                return 400, {"error_code": "BAD_REQUEST", "message": "hash"}
            tx = _Transaction(secrets.token_hex(8), str(body["user_id"]), digest, algo, time.monotonic())
            with self._lock:
                self.transactions[tx.tran_code] = tx
                self.received_digests.append(digest)
            return 200, {
                "message": "sig_wait_for_user_confirm",
                "data": {"tran_code": tx.tran_code, "status": "WAITING"},
            }
        if path.startswith("/v1/signatures/sign/") and path.endswith("/status"):
            tran_code = path[len("/v1/signatures/sign/") : -len("/status")]
            with self._lock:
                found = self.transactions.get(tran_code)
                if found is None or found.user_id != body.get("user_id"):
                    return 404, {"error_code": "TRANSACTION_NOT_FOUND", "message": tran_code}
                tx = found
                tx.polls += 1
                if tx.status == "WAITING":
                    if self.behaviour == "reject":
                        tx.status = "REJECTED"
                    elif self.behaviour == "expire" or time.monotonic() - tx.created > self.expire_after:
                        tx.status = "EXPIRED"
                    elif self.auto_confirm_after is not None and tx.polls >= self.auto_confirm_after:
                        self._confirm_locked(tx)
                data: dict[str, Any] = {"tran_code": tx.tran_code, "status": tx.status}
                if tx.status == "CONFIRMED" and tx.signature is not None:
                    data["signatures"] = [{"signature_value": base64.b64encode(tx.signature).decode()}]
            return 200, {"data": data}
        return 404, {"error_code": "NOT_FOUND", "message": path}

    # ------------------------------------------------------------- HTTP plumbing
    def __enter__(self) -> FakeRemoteCA:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                    status, reply = fake.handle(self.path, body if isinstance(body, dict) else {})
                except ValueError:
                    status, reply = 400, {"error_code": "BAD_REQUEST", "message": "json"}
                out = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client closing its keep-alive connection is normal; anything else is logged."""
            import sys

            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)  # type: ignore[misc]

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-remote-ca", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use FakeRemoteCA as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

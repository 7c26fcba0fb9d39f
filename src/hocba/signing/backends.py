"""Choosing the signer backend of a registered certificate (behind one interface, signing.core.backends).

``Certificate.backend_ref`` says where the key is — never the key itself:
- pkcs12: ``{"pki_key": "..."}`` (a demo PKI person) or ``{"path": "/…/x.p12"}``; the secret is the passphrase;
- pkcs11: ``{"module": "/usr/lib/softhsm/libsofthsm2.so", "token": "…", "key_label": "…"}``; the secret is the PIN;
- remote: ``{"base_url": "https://…", "user_id": "<CCCD>"}``; the service credentials come from settings
  (settings ``HOCBA_REMOTE_SIGNING_CLIENT_ID`` / ``…_SECRET``); the secret is unused (the person confirms on the phone).
"""

from __future__ import annotations

from django.conf import settings

from hocba.core.errors import DomainError
from hocba.signing.core.backends import Pkcs11Backend, Pkcs12Backend, RemoteHashBackend
from hocba.signing.models import BackendKind, Certificate


def backend_for(certificate: Certificate, secret: str):
    ref = certificate.backend_ref or {}
    try:
        if certificate.backend == BackendKind.PKCS12:
            if "pki_key" in ref:
                from hocba.signing.pki import demo_pki

                path = demo_pki().person(ref["pki_key"]).p12_path
            else:
                path = ref["path"]
            return Pkcs12Backend(path, secret)
        if certificate.backend == BackendKind.PKCS11:
            return Pkcs11Backend(ref["module"], ref["token"], secret, ref["key_label"])
        if certificate.backend == BackendKind.REMOTE:
            return RemoteHashBackend(ref["base_url"], settings.HOCBA_REMOTE_SIGNING_CLIENT_ID,
                                     settings.HOCBA_REMOTE_SIGNING_CLIENT_SECRET, ref["user_id"])
    except (ValueError, KeyError, OSError) as exc:
        raise DomainError(f"Không mở được khoá ký: {exc}") from exc
    raise DomainError("Phương thức ký của chứng thư số không được hỗ trợ.")

"""Where this installation's keys and trust services live.

Production: certificates come from licensed CAs (public CAs under Decree 23/2025, or the
government-service CA under Decree 68/2024); the time-stamping authority is ``HOCBA_TSA_URL``;
trust roots are registered in the database (``TrustRoot``). Demo and tests: a demo PKI under
``HOCBA_DATA_DIR/pki`` with its own CA, TSA and OCSP responder served on 127.0.0.1 by a thread of
the process that signs, so the demo signs end to end on a fresh machine.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from pathlib import Path

from cryptography import x509
from django.conf import settings

from hocba.signing.core.pki import DemoPKI

_services_lock = threading.Lock()
_running: dict[str, object] = {}


def demo_pki_dir() -> Path:
    return Path(settings.DATA_DIR) / "pki"


def demo_pki() -> DemoPKI:
    return DemoPKI.load_or_create(demo_pki_dir(), people=(), with_refusal_cases=False)


def has_demo_pki() -> bool:
    return (demo_pki_dir() / "pki.json").exists()


def ensure_demo_trust_services() -> str | None:
    """Start the demo TSA/OCSP/CRL server in this process (once); return its time-stamp URL."""
    if not has_demo_pki():
        return None
    from hocba.signing.core.services import running_trust_services

    with _services_lock:
        key = str(demo_pki_dir())
        if key not in _running:
            pki = demo_pki()
            manager = running_trust_services(pki)
            try:
                urls = manager.__enter__()
            except OSError:  # the port is served already (another process of this installation)
                _running[key] = pki.timestamp_url
            else:
                _running[key] = urls.timestamp
                _running[key + ":manager"] = manager
                # Stop the server while its thread still runs: a generator closed later, at interpreter
                # finalisation, would wait forever for a thread that no longer runs.
                atexit.register(stop_demo_trust_services)
        return str(_running[key])


def timestamp_url() -> str | None:
    return getattr(settings, "HOCBA_TSA_URL", None) or ensure_demo_trust_services()


def trust_roots() -> list[x509.Certificate]:
    """Accepted roots: those registered in the database (the demo root is registered by seed-demo)."""
    from hocba.signing.models import TrustRoot

    return [x509.load_pem_x509_certificate(r.pem.encode()) for r in TrustRoot.objects.all()]


def stop_demo_trust_services() -> None:
    with _services_lock:
        for key in [k for k in _running if k.endswith(":manager")]:
            manager = _running.pop(key)
            with contextlib.suppress(Exception):
                manager.__exit__(None, None, None)  # type: ignore[attr-defined]
        _running.clear()

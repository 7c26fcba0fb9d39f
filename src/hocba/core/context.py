"""Per-request context (request id, source) used by the audit log outside the request object."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("hocba_request_id", default="")
source_var: contextvars.ContextVar[str] = contextvars.ContextVar("hocba_source", default="system")


def new_request_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def audit_source(source: str):
    """Mark writes inside the block as coming from ``source`` (web, api, cli, import)."""
    token = source_var.set(source)
    try:
        yield
    finally:
        source_var.reset(token)

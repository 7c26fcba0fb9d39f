"""The học bạ document: one school year's record of one student, as canonical JSON and as PDF.

Học bạ: the student's official record book (Circular 22/2021/TT-BGDĐT form). This package is pure
(no Django): the records service composes a ``hocba.record/1`` dict from the database, checks it
with :func:`validate_record`, stores :func:`canonical_json` (content-addressed by
:func:`record_sha256`) and renders it with :func:`render_record`; the signing step places its PAdES
fields in ``RenderedRecord.signature_boxes``. See docs/record-format.md.
"""

from __future__ import annotations

from .canonical import canonical_json, nfc, record_sha256
from .codes import format_verification_code, new_verification_code, normalise_verification_code
from .render import (
    PRIMARY_ROLES,
    SECONDARY_ROLES,
    RenderedRecord,
    Renderer,
    RenderError,
    SignatureBox,
    default_renderer,
    render_record,
)
from .sample import sample_record
from .validation import FORMAT, RecordError, RecordInvalid, check_record, record_schema, validate_record

__all__ = [
    "FORMAT",
    "PRIMARY_ROLES",
    "SECONDARY_ROLES",
    "RecordError",
    "RecordInvalid",
    "RenderError",
    "RenderedRecord",
    "Renderer",
    "SignatureBox",
    "canonical_json",
    "check_record",
    "default_renderer",
    "format_verification_code",
    "new_verification_code",
    "nfc",
    "normalise_verification_code",
    "record_schema",
    "record_sha256",
    "render_record",
    "sample_record",
    "validate_record",
]

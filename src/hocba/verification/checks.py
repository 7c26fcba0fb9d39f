"""Pure helpers: summarise a signature validation report, and facts read from the PDF bytes.

No Django here. A *summary* is plain JSON (cached by the PDF's SHA-256): what the page and the
API need from :class:`hocba.signing.core.validate.ValidationReport`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from hocba.signing.core.validate import ValidationReport

_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|SubmitForm|ImportData|RichMedia)\b")
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def summarise(report: ValidationReport) -> dict[str, Any]:
    """The JSON-able facts of a validation report."""
    return {
        "sha256": report.sha256,
        "is_pdf": report.is_pdf,
        "all_valid": report.all_valid,
        "empty_fields": list(report.empty_signature_fields),
        "problems": list(report.problems),
        "signatures": [{
            "field": s.field_name,
            "signer": s.signer_name,
            "role_label": s.role_label,
            "serial": s.signer_serial,
            "signed_at": s.when.isoformat() if s.when else "",
            "ok": s.ok,
            "intact": bool(s.intact and s.valid),
            "trusted": s.trusted,
            "trust_problem": s.trust_problem or "",
            "timestamp_present": s.timestamp_present,
            "timestamp_valid": s.timestamp_valid,
            "tsa": s.tsa_name,
            "revocation": s.revocation,
            "modification": s.modification_level,
            "covers_whole_file": s.covers_whole_file,
        } for s in report.signatures],
    }


def active_content(pdf: bytes) -> list[str]:
    """Names of active-content keys found in the file (JavaScript, launch actions…); never executed."""
    return sorted({m.group(1).decode() for m in _ACTIVE.finditer(pdf)})


def signed_prefix_hashes(pdf: bytes) -> list[str]:
    """SHA-256 of each signed revision's bytes (the file up to the end of each /ByteRange).

    A file that was re-saved incrementally after signing still contains the exact signed bytes
    as a prefix; their hash finds the archived revision even though the whole file's hash differs.
    """
    out = []
    for m in _BYTE_RANGE.finditer(pdf):
        start, length = int(m.group(3)), int(m.group(4))
        end = start + length
        if 0 < end <= len(pdf):
            out.append(hashlib.sha256(pdf[:end]).hexdigest())
    return out

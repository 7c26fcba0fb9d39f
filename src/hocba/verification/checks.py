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
_EOF = re.compile(rb"%%EOF(\r\n|\r|\n)?")


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


def revision_prefix_hashes(pdf: bytes) -> list[str]:
    """SHA-256 of each earlier revision of the file (the bytes up to each ``%%EOF``).

    A file re-saved incrementally after signing still holds the exact archived bytes as a prefix;
    their hash finds the archived revision even though the whole file's hash differs.
    """
    out: list[str] = []
    for m in _EOF.finditer(pdf):
        for end in {m.start() + 5, m.end()}:
            if end < len(pdf):
                out.append(hashlib.sha256(pdf[:end]).hexdigest())
    return out[:200]

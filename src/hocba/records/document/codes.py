"""Verification codes (mã xác thực): the unguessable code printed on every page and in the QR code.

A code is 16 characters of Crockford's base32 (digits and capital letters without I, L, O, U),
80 random bits from :mod:`secrets`. It is stored ungrouped and shown in groups of four
("7KQ2-M9XD-…"). :func:`normalise_verification_code` accepts what a person types or reads aloud:
lower case, spaces, dashes, and the look-alikes O→0, I/L→1, U→V.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
CODE_BITS = CODE_LENGTH * 5  # 80
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\u2010\u2011\u2012\u2013\u2014\t")


def new_verification_code() -> str:
    """A fresh 16-character code (80 bits from the OS's CSPRNG), ungrouped."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_verification_code(text: str) -> str | None:
    """The stored form of a typed or scanned code, or ``None`` when it cannot be a code.

    Also accepts a verification URL whose last path segment is the code.
    """
    if not isinstance(text, str):
        return None
    candidate = text.strip().rstrip("/")
    if "/" in candidate:
        candidate = candidate.rsplit("/", 1)[1]
    candidate = candidate.split("?", 1)[0].split("#", 1)[0]
    candidate = candidate.translate(_SEPARATORS).upper().translate(_LOOK_ALIKES)
    if len(candidate) != CODE_LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    return candidate


def format_verification_code(code: str) -> str:
    """Display form: groups of four joined by dashes ("ABCD-EFGH-JKMN-PQRS")."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

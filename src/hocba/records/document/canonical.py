"""Canonical serialisation of a year record: the exact bytes that are hashed, signed and attached.

Rules (hocba.record/1): every string (keys and values) in Unicode NFC, keys sorted, UTF-8 without
escapes, no insignificant whitespace, no floating-point numbers (scores are text such as "7,8").
Two records that mean the same thing therefore have the same bytes and the same SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any


def nfc(value: Any) -> Any:
    """Return ``value`` with every string (dict keys included) normalised to Unicode NFC.

    Raises ``TypeError`` on a float or any type JSON cannot carry: a record holds scores as text.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"Khóa JSON phải là chuỗi, không phải {type(key).__name__}")
            k = unicodedata.normalize("NFC", key)
            if k in out:
                raise ValueError(f"Khóa JSON «{k}» bị trùng sau khi chuẩn hoá NFC")
            out[k] = nfc(item)
        return out
    if isinstance(value, list | tuple):
        return [nfc(item) for item in value]
    raise TypeError(
        "Học bạ chỉ chứa chuỗi, số nguyên, true/false, null, danh sách và đối tượng; "
        f"gặp {type(value).__name__}"
    )


def canonical_json(record: dict[str, Any]) -> bytes:
    """The canonical bytes of ``record``: sorted keys, UTF-8, NFC, no spaces."""
    return json.dumps(
        nfc(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def record_sha256(record: dict[str, Any]) -> str:
    """Hex SHA-256 of :func:`canonical_json` of ``record`` (the record's content address)."""
    return hashlib.sha256(canonical_json(record)).hexdigest()

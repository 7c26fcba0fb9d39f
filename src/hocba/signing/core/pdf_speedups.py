"""A faster reader for PDF hex strings in pyHanko's parser (same results, same errors).

pyHanko reads a hex string ``<…>`` one byte at a time through a Python generator. A signature's
``/Contents`` is such a string, as long as the space reserved for the CMS (32,768 hex digits for
16 KB): reading the earlier signatures' ``/Contents`` cost ~10 ms of each new signature (pyHanko
reads the certification signature to honour its DocMDP permissions) and of each validation.

:func:`install` replaces ``pyhanko.pdf_utils.generic.read_hex_string_from_stream`` (looked up by
name in pyHanko's ``read_object``) with :func:`read_hex_string_from_stream`, which finds the closing
``>`` in blocks and decodes with ``binascii``. Anything unusual — a comment inside the string, a
character that is not a hex digit or whitespace, the end of the stream, an unseekable stream — is
handed back to pyHanko's own reader at the same position, so errors stay pyHanko's. Parsing only:
no cryptography here. No Django import here.
"""

from __future__ import annotations

import binascii
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

_BLOCK = 4096
_original = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream: Any) -> Any:
    """Read ``<hex digits>`` at the stream's position (like pyHanko's reader, in blocks)."""
    try:
        start = stream.tell()
    except (AttributeError, OSError):
        return _original(stream)
    stream.read(1)  # "<"
    parts: list[bytes] = []
    while True:
        block = stream.read(_BLOCK)
        if not block:  # no closing ">": pyHanko's reader raises its own error
            stream.seek(start)
            return _original(stream)
        end = block.find(b">")
        if end >= 0:
            parts.append(block[:end])
            break
        parts.append(block)
    body = b"".join(parts)
    digits = body.translate(None, PDF_WHITESPACE)
    if b"%" in body or digits.translate(None, generic.HEX_DIGITS):
        stream.seek(start)
        return _original(stream)
    stream.seek(start + 1 + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Make pyHanko's PDF parser use :func:`read_hex_string_from_stream` (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream

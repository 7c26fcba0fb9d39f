"""Empty signature fields written as one small incremental update, without parsing the whole PDF.

:func:`hocba.signing.core.pades.prepare_signature_fields` used to go through pyHanko's incremental
writer, which reads every cross-reference entry and rewrites the document's Info dictionary and
XMP metadata — about 10 ms per học bạ, more than a third of rendering it. Typst's PDFs have one
plain structure (a classic cross-reference table, a flat page tree, no form yet), so the update can
be written directly: read the trailer, the catalog and the pages that receive a widget, then
append the new objects (AcroForm, one merged field/widget per box with its FieldMDP lock and an
empty appearance), the page dictionaries with their ``/Annots`` and the catalog pointing at the
AcroForm, a cross-reference section and a trailer with ``/Prev``. Metadata are left as they
were, so the result depends only on the input (the same record gives the same PDF bytes).

Anything this reader does not recognise — a cross-reference stream, an earlier update, an
existing form, pages that already carry annotations, encryption — returns ``None`` and the caller
falls back to pyHanko. No Django import here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_DELIMITERS = b"()<>[]{}/%"
_WHITESPACE = b"\x00\t\n\x0c\r "


@dataclass(frozen=True)
class FieldPlan:
    """One empty signature field: its name, 0-based page, integer rectangle and the fields its lock spares."""

    name: str
    page: int
    rect: tuple[int, int, int, int]
    lock_excludes: tuple[str, ...] | None
    """``None``: no FieldMDP lock; otherwise the names of the later fields left unlocked."""


class _Unsupported(Exception):
    pass


def pdf_string(text: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with a byte-order mark."""
    if text.isascii() and text.isprintable():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _dict_end(data: bytes, start: int) -> int:
    """Index just past the ``>>`` closing the dictionary that opens at ``data[start:start+2] == b"<<"``."""
    depth = 0
    i = start
    n = len(data)
    while i < n:
        c = data[i]
        if c == 0x28:  # "(": literal string, balanced parentheses, backslash escapes
            level = 1
            i += 1
            while level and i < n:
                c = data[i]
                if c == 0x5C:
                    i += 2
                    continue
                if c == 0x28:
                    level += 1
                elif c == 0x29:
                    level -= 1
                i += 1
            continue
        if c == 0x3C:  # "<"
            if data[i + 1 : i + 2] == b"<":
                depth += 1
                i += 2
                continue
            close = data.find(b">", i)  # hex string
            if close < 0:
                raise _Unsupported("unterminated hex string")
            i = close + 1
            continue
        if c == 0x3E and data[i + 1 : i + 2] == b">":
            depth -= 1
            i += 2
            if depth == 0:
                return i
            continue
        if c == 0x25:  # "%": comment to end of line
            eol = data.find(b"\n", i)
            i = n if eol < 0 else eol
            continue
        i += 1
    raise _Unsupported("unterminated dictionary")


def _has_key(dictionary: bytes, key: bytes) -> bool:
    """Whether ``/key`` occurs as a name in the dictionary text (conservatively: anywhere in it)."""
    pos = dictionary.find(key)
    while pos >= 0:
        after = dictionary[pos + len(key) : pos + len(key) + 1]
        if not after or after in _DELIMITERS or after in _WHITESPACE:
            return True
        pos = dictionary.find(key, pos + 1)
    return False


def _ref_after(dictionary: bytes, key: bytes) -> int:
    m = re.search(re.escape(key) + rb"\s*(\d+)\s+0\s+R", dictionary)
    if m is None:
        raise _Unsupported(f"no {key!r} reference")
    return int(m.group(1))


class _Reader:
    """Just enough of a typst PDF: the one cross-reference table, the trailer, single objects."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        m = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
        if m is None:
            raise _Unsupported("no startxref")
        self.startxref = int(m.group(1))
        if not pdf.startswith(b"xref", self.startxref):
            raise _Unsupported("not a classic cross-reference table")
        trailer_at = pdf.find(b"trailer", self.startxref)
        if trailer_at < 0:
            raise _Unsupported("no trailer")
        self.offsets = self._read_table(pdf[self.startxref + 4 : trailer_at])
        dict_at = pdf.find(b"<<", trailer_at)
        self.trailer = pdf[dict_at : _dict_end(pdf, dict_at)]
        if _has_key(self.trailer, b"/Prev") or _has_key(self.trailer, b"/Encrypt"):
            raise _Unsupported("updated or encrypted PDF")
        size = re.search(rb"/Size\s+(\d+)", self.trailer)
        if size is None:
            raise _Unsupported("no /Size")
        self.size = int(size.group(1))
        self.root = _ref_after(self.trailer, b"/Root")
        info = re.search(rb"/Info\s*(\d+\s+\d+\s+R)", self.trailer)
        self.info = info.group(1) if info else None
        ident = re.search(rb"/ID\s*\[", self.trailer)
        self.first_id = self._first_id(self.trailer, ident.end()) if ident else None

    @staticmethod
    def _read_table(section: bytes) -> dict[int, int]:
        offsets: dict[int, int] = {}
        lines = section.split(b"\n")
        i = 0
        while i < len(lines):
            head = lines[i].split()
            i += 1
            if not head:
                continue
            if len(head) != 2:
                raise _Unsupported("malformed cross-reference subsection")
            first, count = int(head[0]), int(head[1])
            for k in range(count):
                entry = _XREF_ENTRY.match(lines[i + k].strip(b"\r "))
                if entry is None:
                    raise _Unsupported("malformed cross-reference entry")
                if entry.group(3) == b"n":
                    if entry.group(2) != b"00000":
                        raise _Unsupported("object generations")
                    offsets[first + k] = int(entry.group(1))
            i += count
        return offsets

    @staticmethod
    def _first_id(trailer: bytes, at: int) -> bytes:
        while trailer[at : at + 1] in _WHITESPACE:
            at += 1
        opener = trailer[at : at + 1]
        if opener == b"<":
            end = trailer.index(b">", at) + 1
        elif opener == b"(":
            end = at + 1
            level = 1
            while level:
                c = trailer[end : end + 1]
                if c == b"\\":
                    end += 2
                    continue
                level += {b"(": 1, b")": -1}.get(c, 0)
                end += 1
        else:
            raise _Unsupported("malformed /ID")
        return trailer[at:end]

    def dictionary(self, number: int) -> bytes:
        """The text of object ``number``'s dictionary (``<<`` … ``>>``), which must be a plain object."""
        offset = self.offsets.get(number)
        if offset is None:
            raise _Unsupported(f"object {number} not in the table")
        head = re.compile(rb"%d\s+0\s+obj\s*" % number).match(self.pdf, offset)
        if head is None or not self.pdf.startswith(b"<<", head.end()):
            raise _Unsupported(f"object {number} is not a dictionary")
        end = _dict_end(self.pdf, head.end())
        if not self.pdf[end : end + 16].lstrip().startswith(b"endobj"):
            raise _Unsupported(f"object {number} is a stream")
        return self.pdf[head.end() : end]


def add_empty_signature_fields(pdf: bytes, fields: Sequence[FieldPlan]) -> bytes | None:
    """``pdf`` with the empty signature fields appended as one incremental update.

    ``None`` when the PDF is not of the simple kind this writer handles (the caller then uses
    pyHanko), including when it already has a form: existing fields are pyHanko's business.
    """
    if not fields:
        return pdf
    try:
        return _write(_Reader(pdf), fields)
    except (_Unsupported, ValueError, IndexError):
        return None


def _write(reader: _Reader, fields: Sequence[FieldPlan]) -> bytes:
    catalog = reader.dictionary(reader.root)
    if _has_key(catalog, b"/AcroForm"):
        raise _Unsupported("the PDF already has a form")
    pages_dict = reader.dictionary(_ref_after(catalog, b"/Pages"))
    kids_at = re.search(rb"/Kids\s*\[([^\]]*)\]", pages_dict)
    count = re.search(rb"/Count\s+(\d+)", pages_dict)
    if kids_at is None or count is None:
        raise _Unsupported("no page list")
    kids = [int(m.group(1)) for m in _REF.finditer(kids_at.group(1))]
    if len(kids) != int(count.group(1)):
        raise _Unsupported("nested page tree")

    next_number = reader.size
    objects: list[tuple[int, bytes]] = []
    annots: dict[int, list[int]] = {}
    field_refs: list[int] = []
    for plan in fields:
        if not 0 <= plan.page < len(kids):
            raise _Unsupported("page out of range")
        page_ref = kids[plan.page]
        field_number, next_number = next_number, next_number + 1
        lock = b""
        if plan.lock_excludes is not None:
            lock_number, next_number = next_number, next_number + 1
            spared = b"".join(pdf_string(n) for n in plan.lock_excludes)
            objects.append((lock_number, b"<</Type/SigFieldLock/Action/Exclude/Fields[" + spared + b"]>>"))
            lock = b"/Lock %d 0 R" % lock_number
        ap_number, next_number = next_number, next_number + 1
        x1, y1, x2, y2 = plan.rect
        objects.append((ap_number, b"<</Type/XObject/Subtype/Form/BBox[0 0 %d %d]/Resources<<>>/Length 0>>\n"
                                   b"stream\n\nendstream" % (x2 - x1, y2 - y1)))
        objects.append((field_number, b"<</FT/Sig/T" + pdf_string(plan.name)
                        + b"/Type/Annot/Subtype/Widget/F 132/Rect[%d %d %d %d]/P %d 0 R" % (x1, y1, x2, y2, page_ref)
                        + lock + b"/AP<</N %d 0 R>>>>" % ap_number))
        field_refs.append(field_number)
        annots.setdefault(page_ref, []).append(field_number)
    acroform_number = next_number
    next_number += 1
    objects.append((acroform_number, b"<</Fields[" + _refs(field_refs) + b"]/SigFlags 1>>"))
    for page_ref, widgets in annots.items():
        page = reader.dictionary(page_ref)
        if not re.search(rb"/Type\s*/Page(?![A-Za-z])", page) or _has_key(page, b"/Annots"):
            raise _Unsupported("page already has annotations")
        objects.append((page_ref, page[:-2] + b"/Annots[" + _refs(widgets) + b"]>>"))
    objects.append((reader.root, catalog[:-2] + b"/AcroForm %d 0 R>>" % acroform_number))

    pdf = reader.pdf
    out = bytearray(pdf)
    if not pdf.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for number, body in objects:
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f\r\n"
    numbers = sorted(offsets)
    run_start = 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
            run = numbers[run_start:i]
            out += b"%d %d\n" % (run[0], len(run))
            for number in run:
                out += b"%010d 00000 n\r\n" % offsets[number]
            run_start = i
    trailer = b"<</Size %d/Root %d 0 R" % (next_number, reader.root)
    if reader.info:
        trailer += b"/Info " + reader.info
    if reader.first_id:
        # The first identifier is permanent; the second names this revision (derived, so deterministic).
        # (from this update's bytes: they name the new revision, and hashing the whole file costs 0.1 ms)
        revision = hashlib.md5(memoryview(out)[len(pdf):], usedforsecurity=False).hexdigest().encode("ascii")
        trailer += b"/ID[" + reader.first_id + b"<" + revision + b">]"
    trailer += b"/Prev %d>>" % reader.startxref
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _refs(numbers: Sequence[int]) -> bytes:
    return b" ".join(b"%d 0 R" % n for n in numbers)

"""The block hex-string reader gives pyHanko's results and errors (it only changes the speed)."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.signing.core import pdf_speedups


def _both(data: bytes):
    out = []
    for reader in (pdf_speedups._original, pdf_speedups.read_hex_string_from_stream):
        stream = BytesIO(data)
        try:
            value = reader(stream)
            out.append((type(value), bytes(value.original_bytes), stream.tell(), stream.read()))
        except PdfStreamError as exc:
            out.append(("error", str(exc), stream.tell() >= 0))
    return out


@pytest.mark.parametrize("data", [
    b"<48656c6c6f> rest",
    b"<4 8 6\n5\r6c\t6c\f6f\x00> /Next",
    b"<486>x",  # odd number of digits: the last is padded with 0
    b"<>",
    b"<FEFF00480069>",  # UTF-16 text string
    b"<" + b"ab" * 20000 + b">endobj",  # longer than a block: a signature's /Contents
    b"<" + b"0" * 4095 + b">tail",  # ">" right at a block boundary
    b"<" + b"0" * 4096 + b">tail",
    b"<4865 % a comment > with a bracket\n6c6c>tail",  # comments go to pyHanko's reader
    b"<48zz>",  # not a hex digit
    b"<4865",  # no closing bracket
])
def test_same_result_and_position_as_pyhanko(data: bytes) -> None:
    theirs, ours = _both(data)
    assert ours == theirs


def test_installed_in_pyhankos_parser_and_signatures_still_parse(signed_chain) -> None:
    import hocba.signing.core.pades  # noqa: F401 - installs the reader

    assert generic.read_hex_string_from_stream is pdf_speedups.read_hex_string_from_stream

    def contents() -> list[bytes]:
        sigs = PdfFileReader(BytesIO(signed_chain[-1])).embedded_signatures
        return [bytes(sig.sig_object["/Contents"]) for sig in sigs]

    ours = contents()
    generic.read_hex_string_from_stream = pdf_speedups._original
    try:
        theirs = contents()
    finally:
        pdf_speedups.install()
    assert len(ours) == 3 and ours == theirs
    assert all(len(c) > 4000 and c[:1] == b"\x30" for c in ours)  # whole DER CMS blobs

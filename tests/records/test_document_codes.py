"""Verification codes: unguessable, easy to type back."""

from __future__ import annotations

import pytest

from hocba.records.document import (
    format_verification_code,
    new_verification_code,
    normalise_verification_code,
)
from hocba.records.document.codes import ALPHABET, CODE_BITS


def test_codes_are_16_unambiguous_characters_carrying_80_bits():
    codes = {new_verification_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert CODE_BITS >= 80 and len(ALPHABET) ** 16 >= 2**80
    for code in codes:
        assert len(code) == 16 and set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")
    # every character position takes many values (not a counter or a timestamp)
    for position in range(16):
        assert len({c[position] for c in codes}) > 25


def test_display_form_round_trips_through_what_people_type():
    code = new_verification_code()
    shown = format_verification_code(code)
    assert shown.count("-") == 3 and shown.replace("-", "") == code
    assert normalise_verification_code(shown) == code
    assert normalise_verification_code(" " + shown.lower().replace("-", " ") + " ") == code
    assert normalise_verification_code(f"https://hocba.example/xac-thuc/{code}") == code


def test_look_alike_letters_are_read_as_digits():
    assert normalise_verification_code("O0IL-1234-5678-9ABC") == "0011123456789ABC"


@pytest.mark.parametrize(
    "text", ["", "ABCD", "ABCD-EFGH-JKMN-PQRS-T", "ABCD-EFGH-JKMN-PQR!", "ẮBCD-EFGH-JKMN-PQRS"]
)
def test_things_that_are_not_codes(text):
    assert normalise_verification_code(text) is None

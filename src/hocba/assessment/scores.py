"""Scores (điểm): parse, round and format scores on the 0–10 scale with one decimal.

Circular 22 Điều 5 khoản 3 điểm b: "Điểm đánh giá là số nguyên hoặc số thập phân được lấy đến
chữ số thập phân thứ nhất sau khi làm tròn số." At the API edges a score is a ``Decimal`` with one
decimal place; inside the rules it is an ``int`` of tenths (8,5 → 85), on which every formula of the
circular is exact and rounding half up is exact integer arithmetic.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from hocba.assessment.errors import AssessmentInputError

TENTH = Decimal("0.1")
MAX_TENTHS = 100

#: ``DECIMALS[t]`` is the Decimal of ``t`` tenths (0 ≤ t ≤ 100), e.g. ``DECIMALS[85] == Decimal("8.5")``.
DECIMALS: tuple[Decimal, ...] = tuple(Decimal(t).scaleb(-1) for t in range(MAX_TENTHS + 1))
#: ``FLOATS[t]`` is the float used only when writing JSON numbers (8.5, 8.0).
FLOATS: tuple[float, ...] = tuple(float(d) for d in DECIMALS)
#: ``TEXTS[t]`` is the score as shown to Vietnamese readers: "8,5", "10,0".
TEXTS: tuple[str, ...] = tuple(str(d).replace(".", ",") for d in DECIMALS)

# Every valid way a score arrives in JSON (int, float, "8.5", "8,5", "8") → tenths, for the fast path.
_FAST: dict[object, int] = {}
for _t in range(MAX_TENTHS + 1):
    _FAST[FLOATS[_t]] = _t  # 8.0 == 8, so ints 0..10 share these keys
    _FAST[str(DECIMALS[_t])] = _t
    _FAST[TEXTS[_t]] = _t
    if _t % 10 == 0:
        _FAST[str(_t // 10)] = _t
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")


def parse_score(value: object) -> Decimal:
    """A score from a form, a spreadsheet or JSON, as a Decimal with one decimal place.

    Accepts ``"8,5"``, ``"8.5"``, ``8.5``, ``8`` and ``Decimal("8.5")``; raises
    :class:`AssessmentInputError` (Vietnamese message, no field name: the caller adds it) for
    anything else, a value outside 0–10 or a value with a second decimal ("8,25").
    """
    if isinstance(value, bool) or value is None:
        raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số")
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not _NUMBER.match(text):
            raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số")
        number = Decimal(text)
    else:
        raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số")
    if not number.is_finite():
        raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số")
    if number < 0 or number > 10:
        raise AssessmentInputError(f"điểm {_show(value)} nằm ngoài thang điểm 0–10")
    try:
        rounded = number.quantize(TENTH)
    except InvalidOperation:  # pragma: no cover - impossible within 0..10
        raise AssessmentInputError(f"giá trị {_show(value)} không phải là điểm số") from None
    if rounded != number:
        raise AssessmentInputError(
            f"điểm {_show(value)} có quá một chữ số thập phân (điểm chỉ lấy đến một chữ số thập phân)"
        )
    return rounded


def score_tenths(value: object) -> int:
    """The score as an int of tenths (8,5 → 85); same acceptance and errors as :func:`parse_score`."""
    kind = type(value)
    if kind is int or kind is float or kind is str:
        tenths = _FAST.get(value)
        if tenths is not None:
            return tenths
    return to_tenths(parse_score(value))


def to_tenths(score: Decimal) -> int:
    """An already valid one-decimal Decimal score as an int of tenths."""
    return int(score.scaleb(1))


def format_score(score: Decimal | int) -> str:
    """A score as Vietnamese readers write it: ``Decimal("8.5")`` → ``"8,5"``; ``8`` → ``"8,0"``.

    An ``int`` is taken as a number of points (not tenths).
    """
    number = Decimal(score) if isinstance(score, int) else score
    return str(number.quantize(TENTH)).replace(".", ",")


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and math.isfinite(value):
        return repr(value).replace(".", ",")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if value is None:
        return "trống"
    return str(value)

"""The gradebook's bridge to the pure assessment engine (``hocba.assessment``).

Stored cells are canonical strings; the engine takes Decimals and Đ/CĐ. This module turns
one into the other, so the gradebook never re-implements a rule of Circular 22.
"""

from __future__ import annotations

from decimal import Decimal

from hocba import assessment
from hocba.assessment import tt22
from hocba.assessment.engine import assess_json, assess_prepared
from hocba.assessment.parse import LEVELS, comment_term

#: The engine's own input, for the closing that builds it from stored cells (see ``assess_prepared``).
Prepared, PreparedScored, PreparedComment = tt22.Prepared, tt22.PreparedScored, tt22.PreparedComment
tx_count = tt22.tx_count

__all__ = ["LEVELS", "Prepared", "PreparedComment", "PreparedScored", "assess_json", "assess_prepared",
           "comment_term", "term_missing", "term_result", "tx_count"]


def term_missing(tx: list[str | None], gk: str | None, ck: str | None, tx_count: int) -> list[str]:
    """The cells :func:`term_result` still waits for, in sheet order ("tx4", "gk", "ck"); empty once it has all."""
    values = list(tx)[:tx_count]
    values += [None] * (tx_count - len(values))
    missing = [f"tx{i}" for i, v in enumerate(values, start=1) if v is None]
    return missing + [name for name, v in (("gk", gk), ("ck", ck)) if v is None]


def term_result(mode: str, tx: list[str | None], gk: str | None, ck: str | None, tx_count: int) -> str | None:
    """ĐTBmhk ("7.8") for a score subject, the term level (Đ/CĐ) for a comment subject; None while incomplete
    (:func:`term_missing` names what is missing)."""
    if term_missing(tx, gk, ck, tx_count):
        return None
    values = list(tx)[:tx_count]
    if mode == "score":
        return str(assessment.term_average([Decimal(v) for v in values], Decimal(gk), Decimal(ck)))
    passed = tt22.comment_term_passed(tuple(v == "Đ" for v in values), gk == "Đ", ck == "Đ", tx_count)
    return "Đ" if passed else "CĐ"

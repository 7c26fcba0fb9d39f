"""Cell values as teachers type them, and as stored.

Scores: ``8,5`` and ``8.5`` are the same; at most one decimal; 0–10; stored ``"8.5"``.
Comment-assessed subjects: ``Đ`` (Đạt) or ``CĐ`` (Chưa đạt); ``D``/``CD`` and the full words are accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

COMMENT_ALIASES = {"đ": "Đ", "d": "Đ", "đạt": "Đ", "dat": "Đ", "cđ": "CĐ", "cd": "CĐ", "chưa đạt": "CĐ",
                   "chua dat": "CĐ"}
CONDUCT_ALIASES = {"t": "Tốt", "tốt": "Tốt", "tot": "Tốt", "k": "Khá", "khá": "Khá", "kha": "Khá",
                   "đ": "Đạt", "d": "Đạt", "đạt": "Đạt", "dat": "Đạt", "cđ": "Chưa đạt", "cd": "Chưa đạt",
                   "chưa đạt": "Chưa đạt", "chua dat": "Chưa đạt"}


#: A score as typed, once its comma is a dot: digits, at most one decimal point (the sign is judged by the scale).
_DECIMAL = re.compile(r"[+-]?\d+(\.\d*)?|[+-]?\.\d+")


class CellError(ValueError):
    """A value a teacher typed that cannot be stored; the message is Vietnamese."""


def parse_score(raw: str | int | float | Decimal | None) -> str | None:
    """``"8,5"`` → ``"8.5"``, ``"-0"`` → ``"0.0"``; empty → None; raises CellError for anything else."""
    if raw is None:
        return None
    text = str(raw).strip().replace(",", ".")
    if text == "":
        return None
    if not _DECIMAL.fullmatch(text):  # Decimal alone would also take "1e1", "1_0", "NaN", "Infinity"
        raise CellError(f"'{raw}' không phải là điểm số (ví dụ hợp lệ: 8,5).")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{raw}' không phải là điểm số (ví dụ hợp lệ: 8,5).") from exc
    if not value.is_finite() or value < 0 or value > 10:
        raise CellError(f"Điểm {str(raw).strip()} nằm ngoài thang 0–10.")
    if value != value.quantize(Decimal("0.1")):
        raise CellError(f"Điểm {str(raw).strip()} có quá một chữ số thập phân.")
    if value == 0:  # "-0", "+0,0": a zero, stored "0.0" (Decimal keeps the sign of a negative zero)
        value = Decimal(0)
    return str(value.quantize(Decimal("0.1")))


def parse_comment_level(raw: str | None) -> str | None:
    if raw is None or str(raw).strip() == "":
        return None
    key = " ".join(str(raw).strip().lower().split())
    if key in COMMENT_ALIASES:
        return COMMENT_ALIASES[key]
    raise CellError(f"'{raw}' không hợp lệ: môn đánh giá bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).")


def parse_conduct(raw: str | None) -> str | None:
    if raw is None or str(raw).strip() == "":
        return None
    key = " ".join(str(raw).strip().lower().split())
    if key in CONDUCT_ALIASES:
        return CONDUCT_ALIASES[key]
    raise CellError(f"'{raw}' không hợp lệ: kết quả rèn luyện là Tốt, Khá, Đạt hoặc Chưa đạt.")


def parse_count(raw) -> int:
    if raw is None or str(raw).strip() == "":
        return 0
    text = str(raw).strip()
    if not text.isdigit() or int(text) > 365:
        raise CellError(f"'{raw}' không hợp lệ: số buổi nghỉ là số nguyên từ 0 đến 365.")
    return int(text)


def parse_cell(raw, mode: str) -> str | None:
    return parse_score(raw) if mode == "score" else parse_comment_level(raw)


def display(value: str | None) -> str:
    """Stored → shown: ``"8.5"`` → ``"8,5"``."""
    if value is None:
        return ""
    return value.replace(".", ",")

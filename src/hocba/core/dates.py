"""Dates as Vietnamese people write them: dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt


def parse_vn_date(value: str | dt.date) -> dt.date:
    """Parse ``dd/mm/yyyy`` (or ISO ``yyyy-mm-dd``); raise ValueError with a Vietnamese message."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise ValueError(f"Ngày '{text}' không hợp lệ (định dạng dd/mm/yyyy, ví dụ 05/09/2012).")


def format_vn_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""

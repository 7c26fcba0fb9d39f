"""The year's plan deadlines (hạn nhập dữ liệu 20/5, hạn ký số 31/5 and 21/5 for grades 9 and 12, …) as they
apply to one grade: a pure rule shared by the gradebook's locks, the signing pages and the officers' numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hocba.org.models import Deadline


def due_date(deadlines: Iterable[Deadline], kind: str, grade: int) -> dt.date | None:
    """The earliest deadline of ``kind`` that applies to ``grade`` (one narrowed to some grades applies to those
    only; an unnarrowed one to every grade), or None when the year has none."""
    return min((d.due_date for d in deadlines if d.kind == kind and (not d.grades or grade in d.grades)),
               default=None)

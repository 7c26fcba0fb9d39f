"""The shape of a subject sheet: which cells a class × subject × term has."""

from __future__ import annotations

from dataclasses import dataclass

from hocba.org.models import ClassGroup, CurriculumEntry, Subject


@dataclass(frozen=True)
class SheetShape:
    """Columns of a sheet: ``tx1…txN``, ``gk``, ``ck`` and the teacher's comment."""

    subject: Subject
    mode: str
    periods_per_year: int
    tx_count: int

    @property
    def fields(self) -> list[str]:
        return [f"tx{i}" for i in range(1, self.tx_count + 1)] + ["gk", "ck"]

    @property
    def headers(self) -> list[str]:
        return [f"TX{i}" for i in range(1, self.tx_count + 1)] + ["GK", "CK"]

    def missing_text(self, missing: list[str]) -> str:
        """Why the term result (ĐTBmhk, or Đ/CĐ) of a row is empty, as the grid says it: the cells ``missing``
        (fields, from :func:`hocba.gradebook.engine.term_missing`) by their column headers, and what the subject
        needs — "Chưa đủ điểm: thiếu TX4 (cần 4 ĐĐGtx, GK và CK)"; "" when nothing is missing."""
        if not missing:
            return ""
        what = "Chưa đủ điểm" if self.mode == "score" else "Chưa đủ đánh giá"
        regular = "ĐĐGtx" if self.mode == "score" else "ĐGtx"  # a comment subject's are not marks (điểm)
        needed = _and(([f"{self.tx_count} {regular}"] if self.tx_count else []) + ["GK", "CK"])
        if len(missing) == len(self.fields):
            return f"{what}: cần {needed}"
        by_field = dict(zip(self.fields, self.headers, strict=True))
        return f"{what}: thiếu {_and([by_field[f] for f in missing])} (cần {needed})"


def _and(items: list[str]) -> str:
    """["TX2", "TX4", "CK"] → "TX2, TX4 và CK"."""
    return f"{', '.join(items[:-1])} và {items[-1]}" if len(items) > 1 else "".join(items)


def sheet_shape(*, class_group: ClassGroup, subject: Subject) -> SheetShape:
    entry = (CurriculumEntry.objects.filter(subject=subject, grade=class_group.grade,
                                            school_year_id__in=[class_group.school_year_id])
             .first()
             or CurriculumEntry.objects.filter(subject=subject, grade=class_group.grade, school_year=None).first())
    if entry is None:
        periods, tx = 70, 3
    else:
        periods, tx = entry.periods_per_year, entry.tx_count
    return SheetShape(subject=subject, mode=subject.mode, periods_per_year=periods, tx_count=tx)

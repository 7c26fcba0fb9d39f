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

"""Reads of the signing workflow: where each class of a school stands against the year's signing deadline
(31/5 by the plan; 21/5 for the last grades of a level, 9 and 12)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from hocba.org.deadlines import due_date
from hocba.org.models import ClassGroup, Deadline, DeadlineKind, School
from hocba.people.models import ACTIVE_STATUSES, Enrolment
from hocba.records.models import YearRecord
from hocba.signing.models import Signature, SignRole

#: The plan's date for every signer's certificate, when the current year has no deadline of its own.
PLAN_CERTIFICATE_DEADLINE = dt.date(2025, 12, 16)


def certificate_deadline() -> dt.date:
    """The current year's deadline for certificates of all staff (16/12/2025 in the 2025-2026 plan)."""
    due = (Deadline.objects.filter(school_year__is_current=True, kind=DeadlineKind.CERTIFICATES)
           .order_by("due_date").values_list("due_date", flat=True).first())
    return due or PLAN_CERTIFICATE_DEADLINE


@dataclass(frozen=True)
class ClassProgress:
    """One class's records: students, composed, signed by the homeroom teacher, by the principal, sealed."""

    class_group: ClassGroup
    students: int
    composed: int
    homeroom: int
    principal: int
    sealed: int
    deadline: dt.date | None
    today: dt.date

    @property
    def unsealed(self) -> int:
        """Students whose record is not complete ("Đã ký đủ") yet."""
        return max(self.students - self.sealed, 0)

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline else None

    @property
    def days_over(self) -> int:
        """Days past the deadline (0 before it and on the day itself)."""
        return max(-(self.days_left or 0), 0)

    @property
    def late(self) -> bool:
        return self.unsealed > 0 and self.deadline is not None and self.today > self.deadline

    @property
    def waiting(self) -> list[tuple[str, int]]:
        """Who the unfinished records wait for, in signing order, with how many records each."""
        steps = [("lập học bạ", self.students - self.composed), ("GVCN ký", self.composed - self.homeroom),
                 ("Hiệu trưởng ký", self.homeroom - self.principal), ("đóng dấu", self.principal - self.sealed)]
        return [(who, n) for who, n in steps if n > 0]


def signing_progress(*, school: School, today: dt.date, class_group: ClassGroup | None = None) -> list[ClassProgress]:
    """Every class of the school's current year (or just ``class_group``), counting active students' current
    records only. Four queries whatever the school's size."""
    classes = ClassGroup.objects.filter(school=school, school_year__is_current=True) if class_group is None \
        else ClassGroup.objects.filter(pk=class_group.pk)
    classes = list(classes.select_related("homeroom_teacher").order_by("grade", "name"))
    ids = [c.pk for c in classes]
    active = set(Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
                 .values_list("class_group_id", "student_id"))
    current = {version_id: class_id for class_id, student_id, version_id in
               YearRecord.objects.filter(class_group_id__in=ids).exclude(current_version=None)
               .values_list("class_group_id", "student_id", "current_version_id")
               if (class_id, student_id) in active}
    students = Counter(class_id for class_id, _ in active)
    composed = Counter(current.values())
    signed = Counter((current[version_id], role) for version_id, role in
                     Signature.objects.filter(version_id__in=list(current)).values_list("version_id", "role"))
    deadlines = list(Deadline.objects.filter(school_year_id__in={c.school_year_id for c in classes},
                                             kind=DeadlineKind.SIGNING))
    out = []
    for c in classes:
        out.append(ClassProgress(
            class_group=c, students=students[c.pk], composed=composed[c.pk],
            homeroom=signed[(c.pk, SignRole.HOMEROOM)], principal=signed[(c.pk, SignRole.PRINCIPAL)],
            sealed=signed[(c.pk, SignRole.SEAL)],
            deadline=due_date([d for d in deadlines if d.school_year_id == c.school_year_id],
                              DeadlineKind.SIGNING, c.grade),
            today=today))
    return out

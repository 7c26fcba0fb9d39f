"""Locks and the data-entry deadline: may this sheet be edited now, and if not, why (in Vietnamese)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from hocba.core.dates import format_vn_date
from hocba.gradebook.models import EditGrant, GradebookLock, LockLevel
from hocba.org.deadlines import due_date
from hocba.org.models import ClassGroup, Deadline, DeadlineKind


def entry_deadline(school_year_id: int, grade: int) -> dt.date | None:
    """The data-entry deadline (20/5 by the plan) applying to a grade, if the year has one."""
    return due_date(Deadline.objects.filter(school_year_id=school_year_id, kind=DeadlineKind.DATA_ENTRY),
                    DeadlineKind.DATA_ENTRY, grade)


def active_locks(*, class_group: ClassGroup, term: int, subject_id: int | None = None) -> list[GradebookLock]:
    q = Q(level=LockLevel.SCHOOL) | Q(level=LockLevel.CLASS, class_group=class_group)
    if subject_id is not None:
        q |= Q(level=LockLevel.SUBJECT, class_group=class_group, subject_id=subject_id)
    return list(GradebookLock.objects.filter(q, school_year_id=class_group.school_year_id, term=term,
                                             school_id=class_group.school_id).select_related("subject"))


def active_grant(*, class_group: ClassGroup, subject_id: int | None, now: dt.datetime) -> EditGrant | None:
    """The principal's permission to edit this sheet after the deadline that lasts longest, if any."""
    return grant_for(EditGrant.objects.filter(school_id=class_group.school_id, expires_at__gt=now),
                      class_group, subject_id)


def grant_for(grants, class_group: ClassGroup, subject_id: int | None) -> EditGrant | None:
    """Of unexpired grants, the one lasting longest that covers the sheet (its class or the whole school; its
    subject or every subject)."""
    return max((g for g in grants if g.school_year_id == class_group.school_year_id
                and g.school_id == class_group.school_id and g.class_group_id in (None, class_group.pk)
                and g.subject_id in (None, subject_id)), key=lambda g: g.expires_at, default=None)


def edit_status(*, class_group: ClassGroup, term: int, subject_id: int | None,
                now: dt.datetime | None = None) -> tuple[str | None, str]:
    """(why edits are refused, in Vietnamese, or None; what a teacher editing after the deadline under the
    principal's permission is told: until when and why, or "")."""
    return edit_reading(class_group=class_group, term=term, subject_id=subject_id, now=now)[1:]


def edit_reading(*, class_group: ClassGroup, term: int, subject_id: int | None,
                 now: dt.datetime | None = None) -> tuple[set[str], str | None, str]:
    """:func:`edit_status` with the levels of the locks it read (a page that also shows which locks hold)."""
    now = now or timezone.now()
    levels = {lock.level for lock in active_locks(class_group=class_group, term=term, subject_id=subject_id)}
    deadline = entry_deadline(class_group.school_year_id, class_group.grade)
    late = bool(deadline) and timezone.localtime(now).date() > deadline
    grant = active_grant(class_group=class_group, subject_id=subject_id, now=now) if late and not levels else None
    return (levels, *status_of(levels=levels, deadline=deadline if late else None, grant=grant))


_LOCK_TEXTS = ((LockLevel.SCHOOL, "Hiệu trưởng đã khoá sổ học kì của trường"),
               (LockLevel.CLASS, "Giáo viên chủ nhiệm đã khoá sổ học kì của lớp"),
               (LockLevel.SUBJECT, "Giáo viên bộ môn đã chốt điểm môn này"))


def status_of(*, levels: set[str], deadline: dt.date | None, grant: EditGrant | None) -> tuple[str | None, str]:
    """The rule behind :func:`edit_status`, from what was read: the levels of the locks on the sheet, the
    data-entry deadline when it has passed (else None) and the principal's permission that applies."""
    for level, text in _LOCK_TEXTS:
        if level in levels:
            return f"{text}; muốn sửa cần Hiệu trưởng mở khoá (kèm lý do).", ""
    if deadline is None:
        return None, ""
    late = f"Đã quá hạn nhập dữ liệu ({format_vn_date(deadline)})"
    if grant is None:
        return f"{late}; muốn sửa cần Hiệu trưởng cho phép (kèm lý do).", ""
    until = timezone.localtime(grant.expires_at)
    return None, (f"{late}; Hiệu trưởng cho phép sửa đến {until:%H:%M} {format_vn_date(until.date())}. "
                  f"Lý do: {grant.reason}")


@dataclass(frozen=True)
class SheetState:
    """Where a sheet stands for its teacher: locked, open under the principal's permission (until), late."""

    locked: bool
    late: bool
    open_until: dt.datetime | None


def sheet_states(sheets: list[tuple[ClassGroup, int]], *, now: dt.datetime | None = None,
                 ) -> dict[tuple[int, int, int], SheetState]:
    """(class id, subject id, term) → its state, for many sheets in three queries (the list of a teacher's
    sheets); the same rule as :func:`edit_status`."""
    now = now or timezone.now()
    classes = {c.pk: c for c, _ in sheets}
    locks: dict[tuple, set[str]] = {}
    for level, school_id, class_id, subject_id, term in GradebookLock.objects.filter(
            school_id__in={c.school_id for c in classes.values()},
            school_year_id__in={c.school_year_id for c in classes.values()}).values_list(
            "level", "school_id", "class_group_id", "subject_id", "term"):
        key = (school_id, term) if level == LockLevel.SCHOOL else (class_id, term, subject_id)
        locks.setdefault(key, set()).add(level)
    grants = list(EditGrant.objects.filter(school_id__in={c.school_id for c in classes.values()},
                                           expires_at__gt=now))
    deadlines = list(Deadline.objects.filter(school_year_id__in={c.school_year_id for c in classes.values()},
                                             kind=DeadlineKind.DATA_ENTRY))
    today = timezone.localtime(now).date()
    out = {}
    for c, subject_id in sheets:
        due = due_date((d for d in deadlines if d.school_year_id == c.school_year_id), DeadlineKind.DATA_ENTRY,
                       c.grade)
        late = due is not None and today > due
        grant = grant_for(grants, c, subject_id)
        for term in (1, 2):
            levels = (locks.get((c.school_id, term), set()) | locks.get((c.pk, term, None), set())
                      | locks.get((c.pk, term, subject_id), set()))
            blocked, notice = status_of(levels=levels, deadline=due if late else None, grant=grant)
            out[(c.pk, subject_id, term)] = SheetState(locked=bool(levels), late=late and blocked is not None,
                                                       open_until=grant.expires_at if notice else None)
    return out


def edit_block_reason(*, class_group: ClassGroup, term: int, subject_id: int | None,
                      now: dt.datetime | None = None) -> str | None:
    """None when edits are allowed; else the Vietnamese reason shown to the teacher."""
    return edit_status(class_group=class_group, term=term, subject_id=subject_id, now=now)[0]

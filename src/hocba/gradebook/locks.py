"""Locks and the data-entry deadline: may this sheet be edited now, and if not, why (in Vietnamese)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from hocba.core.dates import format_vn_date
from hocba.gradebook.models import EditGrant, GradebookLock, LockLevel
from hocba.org.models import ClassGroup, Deadline, DeadlineKind


def entry_deadline(school_year_id: int, grade: int) -> dt.date | None:
    """The data-entry deadline (20/5 by the plan) applying to a grade, if the year has one."""
    best = None
    for d in Deadline.objects.filter(school_year_id=school_year_id, kind=DeadlineKind.DATA_ENTRY):
        if not d.grades or grade in d.grades:
            best = d.due_date if best is None else min(best, d.due_date)
    return best


def active_locks(*, class_group: ClassGroup, term: int, subject_id: int | None = None) -> list[GradebookLock]:
    q = Q(level=LockLevel.SCHOOL) | Q(level=LockLevel.CLASS, class_group=class_group)
    if subject_id is not None:
        q |= Q(level=LockLevel.SUBJECT, class_group=class_group, subject_id=subject_id)
    return list(GradebookLock.objects.filter(q, school_year_id=class_group.school_year_id, term=term,
                                             school_id=class_group.school_id).select_related("subject"))


def active_grant(*, class_group: ClassGroup, subject_id: int | None, now: dt.datetime) -> EditGrant | None:
    """The principal's permission to edit this sheet after the deadline that lasts longest, if any."""
    return EditGrant.objects.filter(
        Q(class_group__isnull=True) | Q(class_group=class_group),
        Q(subject__isnull=True) | Q(subject_id=subject_id),
        school_year_id=class_group.school_year_id, school_id=class_group.school_id, expires_at__gt=now,
    ).order_by("-expires_at").first()


def edit_status(*, class_group: ClassGroup, term: int, subject_id: int | None,
                now: dt.datetime | None = None) -> tuple[str | None, str]:
    """(why edits are refused, in Vietnamese, or None; what a teacher editing after the deadline under the
    principal's permission is told: until when and why, or "")."""
    now = now or timezone.now()
    locks = active_locks(class_group=class_group, term=term, subject_id=subject_id)
    for level, text in ((LockLevel.SCHOOL, "Hiệu trưởng đã khoá sổ học kì của trường"),
                        (LockLevel.CLASS, "Giáo viên chủ nhiệm đã khoá sổ học kì của lớp"),
                        (LockLevel.SUBJECT, "Giáo viên bộ môn đã chốt điểm môn này")):
        if any(lock.level == level for lock in locks):
            return f"{text}; muốn sửa cần Hiệu trưởng mở khoá (kèm lý do).", ""
    deadline = entry_deadline(class_group.school_year_id, class_group.grade)
    if not deadline or timezone.localtime(now).date() <= deadline:
        return None, ""
    late = f"Đã quá hạn nhập dữ liệu ({format_vn_date(deadline)})"
    grant = active_grant(class_group=class_group, subject_id=subject_id, now=now)
    if grant is None:
        return f"{late}; muốn sửa cần Hiệu trưởng cho phép (kèm lý do).", ""
    until = timezone.localtime(grant.expires_at)
    return None, (f"{late}; Hiệu trưởng cho phép sửa đến {until:%H:%M} {format_vn_date(until.date())}. "
                  f"Lý do: {grant.reason}")


def edit_block_reason(*, class_group: ClassGroup, term: int, subject_id: int | None,
                      now: dt.datetime | None = None) -> str | None:
    """None when edits are allowed; else the Vietnamese reason shown to the teacher."""
    return edit_status(class_group=class_group, term=term, subject_id=subject_id, now=now)[0]

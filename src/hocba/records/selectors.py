"""Reads of học bạ records, restricted to the caller's scope."""

from __future__ import annotations

from django.db.models import Prefetch

from hocba.core.errors import PermissionDeniedError
from hocba.core.permissions import restrict
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student
from hocba.records.models import CompositionFailure, RecordVersion, YearRecord


def book_get(*, user, student_id: int) -> tuple[Student, list[YearRecord]]:
    """A student's book: every year record visible to the user, each with all its versions."""
    records = list(restrict(YearRecord.objects.all(), user, "records:record:view")
                   .filter(student_id=student_id)
                   .select_related("school", "school_year", "class_group", "current_version", "student")
                   .prefetch_related(Prefetch("versions", queryset=RecordVersion.objects.order_by("-number")))
                   .order_by("grade"))
    if not records:
        student = Student.objects.filter(pk=student_id).first()
        if student is None:
            raise PermissionDeniedError("Không tìm thấy học sinh hoặc bạn không có quyền xem.")
        from hocba.core.permissions import can

        if not can(user, "people:student:view", student):
            raise PermissionDeniedError("Không tìm thấy học sinh hoặc bạn không có quyền xem.")
        return student, []
    return records[0].student, records


def version_get(*, user, version_id: int) -> RecordVersion:
    version = RecordVersion.objects.select_related("year_record").filter(pk=version_id).first()
    if version is None or not restrict(YearRecord.objects.filter(pk=version.year_record_id), user,
                                       "records:record:view").exists():
        raise PermissionDeniedError("Không tìm thấy học bạ hoặc bạn không có quyền xem.")
    return version


def class_records(*, class_group: ClassGroup) -> list[dict]:
    """Every active student of the class with their record's status or the reason it failed."""
    enrolments = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                      .select_related("student").order_by("student__sort_name", "student_id"))
    records = {r.student_id: r for r in YearRecord.objects.filter(class_group=class_group)
               .select_related("current_version")}
    failures = {f.student_id: f.reasons for f in CompositionFailure.objects.filter(class_group=class_group)}
    out = []
    for n, e in enumerate(enrolments, start=1):
        record = records.get(e.student_id)
        version = record.current_version if record else None
        out.append({"number": n, "student": e.student, "record": record, "version": version,
                    "failure": failures.get(e.student_id)})
    return out

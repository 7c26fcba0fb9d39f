"""Reads of học bạ records, restricted to the caller's scope."""

from __future__ import annotations

from django.db.models import Prefetch

from hocba.core.errors import PermissionDeniedError
from hocba.core.permissions import restrict
from hocba.gradebook.models import Period, StudentResult, YearEntry
from hocba.gradebook.selectors import results_staleness
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student
from hocba.records.compose import ClassContext, NotComposable, compose_again, content_of
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
        from hocba.records.permissions import may_open_book

        if not may_open_book(user, student):
            raise PermissionDeniedError("Không tìm thấy học sinh hoặc bạn không có quyền xem.")
        return student, []
    return records[0].student, records


def version_get(*, user, version_id: int) -> RecordVersion:
    version = RecordVersion.objects.select_related("year_record").filter(pk=version_id).first()
    if version is None or not restrict(YearRecord.objects.filter(pk=version.year_record_id), user,
                                       "records:record:view").exists():
        raise PermissionDeniedError("Không tìm thấy học bạ hoặc bạn không có quyền xem.")
    return version


def out_of_date(*, version: RecordVersion | None, score_changed: bool, would_change: bool,
                facts_changed: bool = False) -> str:
    """Why a student's current record no longer shows what the gradebook holds, in Vietnamese, or "".

    A mark corrected after the year's closing is not in the results yet (the closing must run again); a
    record that a newer closing, or the homeroom teacher's year facts changed since (``facts_changed``: the
    year comment, awards, certificates…), would change is behind (it must be composed again: a new version,
    to be signed again)."""
    if version is None:
        return ""
    if score_changed:
        return ("Điểm đã sửa sau lần tổng kết năm: cần tổng kết lại, rồi lập lại học bạ "
                "(phiên bản mới, ký lại).")
    if would_change and facts_changed:
        return ("Thông tin cả năm của GVCN (nhận xét, khen thưởng, chứng chỉ…) đã sửa sau khi lập học bạ: "
                "cần lập lại học bạ (phiên bản mới, ký lại).")
    if would_change:
        return "Kết quả tổng kết mới hơn học bạ: cần lập lại học bạ (phiên bản mới, ký lại)."
    return ""


def _would_change(*, class_group: ClassGroup, candidates: list[tuple[Student, RecordVersion]]) -> set[int]:
    """The students whose current version composing now would change (the same comparison as composing),
    among those whose year result was computed after the version."""
    if not candidates:
        return set()
    ids = [student.pk for student, _ in candidates]
    context = ClassContext.load(class_group, ids)
    results = {r.student_id: r for r in StudentResult.objects.filter(class_group=class_group, period=Period.YEAR,
                                                                     student_id__in=ids)}
    changed = set()
    for student, version in candidates:
        try:
            document = compose_again(student=student, class_group=class_group, result=results.get(student.pk),
                                     current=version, context=context)
        except NotComposable:  # shown as a failure when composing; nothing newer to put in the record
            continue
        if content_of(document) != content_of(version.document):
            changed.add(student.pk)
    return changed


def class_records(*, class_group: ClassGroup) -> list[dict]:
    """Every active student of the class with their record's status or the reason it failed, and whether
    the record is out of date against the gradebook (:func:`out_of_date`)."""
    staleness = results_staleness(class_group=class_group, period="year")
    changed = {s.pk for s in staleness.changed}
    enrolments = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                      .select_related("student").order_by("student__sort_name", "student_id"))
    records = {r.student_id: r for r in YearRecord.objects.filter(class_group=class_group)
               .select_related("current_version")}
    failures = {f.student_id: f.reasons for f in CompositionFailure.objects.filter(class_group=class_group)}
    versions = {e.student_id: records[e.student_id].current_version for e in enrolments
                if e.student_id in records and records[e.student_id].current_version is not None}
    facts = dict(YearEntry.objects.filter(class_group=class_group, updated_at__isnull=False)
                 .values_list("student_id", "updated_at"))
    facts_after = {sid for sid, v in versions.items() if facts.get(sid, v.created_at) > v.created_at}
    behind = [(e.student, v) for e in enrolments if (v := versions.get(e.student_id)) is not None
              and e.student_id not in changed
              and (e.student_id in facts_after or staleness.computed.get(e.student_id, v.created_at) > v.created_at)]
    newer = _would_change(class_group=class_group, candidates=behind)
    out = []
    for n, e in enumerate(enrolments, start=1):
        record = records.get(e.student_id)
        version = versions.get(e.student_id)
        out.append({"number": n, "student": e.student, "record": record, "version": version,
                    "failure": failures.get(e.student_id),
                    "out_of_date": out_of_date(version=version, score_changed=e.student_id in changed,
                                               would_change=e.student_id in newer,
                                               facts_changed=e.student_id in facts_after)})
    return out

"""Writes of the học bạ: compose a student's year record (a new version when it changed), store it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.core.audit import audit_record, audit_record_many
from hocba.core.errors import DomainError
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student
from hocba.records import archive
from hocba.records.compose import (
    ClassContext,
    NotComposable,
    compose_again,
    compose_document,
    content_of,
    record_level,
    year_result,
)
from hocba.records.corrections import build_corrections
from hocba.records.models import CompositionFailure, RecordStatus, RecordVersion, YearRecord
from hocba.records.signals import version_superseded


def render(document: dict):
    from hocba.records.document import render_record

    return render_record(document)


def _boxes(rendered) -> dict:
    out = {}
    for role, box in rendered.signature_boxes.items():
        out[role] = [box.page_index, box.x1, box.y1, box.x2, box.y2]
    return out


def _new_code() -> str:
    from hocba.records.document import new_verification_code

    return new_verification_code()


def with_signature_fields(rendered) -> bytes:
    """The PDF with an empty signature field in each signer's block, created before anyone signs:
    the first signature certifies the document, and later signers may then only fill their field."""
    from hocba.records.document import PRIMARY_ROLES
    from hocba.signing.core.pades import SignatureBox, prepare_signature_fields
    from hocba.signing.workflow import field_name

    # In signing order (not the layout order of the boxes): each field's FieldMDP lock excludes the
    # fields that come after it, so a principal field prepared after the seal's would lock the seal.
    boxes = [SignatureBox(field_name(role), b.page_index, b.x1, b.y1, b.x2, b.y2)
             for role in PRIMARY_ROLES if (b := rendered.signature_boxes.get(role)) is not None]
    return prepare_signature_fields(rendered.pdf, boxes)


def _rendered_files(version: RecordVersion, document: dict) -> list[tuple[bytes, str]]:
    """Render ``document`` for ``version`` (its document and signature boxes set); the two files to archive:
    the canonical JSON and the PDF with its empty signature fields."""
    rendered = render(document)
    version.document = document
    version.signature_boxes = _boxes(rendered)
    return [(rendered.record_json, "application/json"), (with_signature_fields(rendered), "application/pdf")]


def _store(version: RecordVersion, document: dict) -> None:
    version.json_sha256, version.pdf_sha256 = archive.archive_put_many(_rendered_files(version, document))


@dataclass
class ComposeOutcome:
    status: str  # "created" | "updated" | "unchanged" | "new_version"
    version: RecordVersion


_UNSET = object()


def record_compose(*, student: Student, class_group: ClassGroup, by=None, context: ClassContext | None = None,
                   result=_UNSET, known: tuple[bool, bool] | None = None) -> ComposeOutcome:
    """Compose (or re-compose) the student's record of this class's year.

    Unsigned versions are re-rendered in place; a version on which signing has started never
    changes — a different content makes version n+1 with its correction list, and n is superseded.
    ``known`` — (the year record exists, a composition failure is recorded), as a caller composing
    a whole class read them for all its students at once — saves the queries that would ask.
    """
    level = record_level(class_group.grade)
    if result is _UNSET:
        result = year_result(class_group, student.pk)
    context = context or ClassContext.load(class_group, [student.pk])
    now = timezone.now()
    with transaction.atomic():
        key = {"student": student, "school_year": class_group.school_year, "level": level}
        record = None
        if known is not None and not known[0]:
            try:
                with transaction.atomic():
                    record = YearRecord.objects.create(**key, school=class_group.school, class_group=class_group,
                                                       grade=class_group.grade)
            except IntegrityError:  # a concurrent composer created it meanwhile: wait for its lock below
                record = None
        if record is None:
            record, _ = YearRecord.objects.select_for_update().get_or_create(
                **key, defaults={"school": class_group.school, "class_group": class_group, "grade": class_group.grade})
        current = record.current_version
        if current is None:
            code = _new_code()
            document = compose_document(student=student, class_group=class_group, result=result,
                                        verification_code=code, version=1, now=now, context=context)
            version = RecordVersion(year_record=record, number=1, verification_code=code, created_at=now,
                                    created_by=by if getattr(by, "pk", None) else None,
                                    approval_signer_id=context.approver_id)
            _store(version, document)
            version.save()
            record.current_version = version
            record.save(update_fields=["current_version"])
            outcome = "created"
        else:
            document = compose_again(student=student, class_group=class_group, result=result, current=current,
                                     now=now, context=context)
            # An unsigned version also follows a change of approver to a namesake (same printed document).
            if content_of(document) == content_of(current.document) and (
                    current.status != RecordStatus.COMPOSED or current.approval_signer_id == context.approver_id):
                return ComposeOutcome("unchanged", current)
            if current.status == RecordStatus.COMPOSED:
                _store(current, document)
                current.approval_signer_id = context.approver_id
                current.created_at = now
                current.save()
                version, outcome = current, "updated"
            else:
                version, outcome = _new_version(record=record, current=current, student=student,
                                                class_group=class_group, result=result, now=now, by=by,
                                                context=context), "new_version"
        if known is None or known[1]:
            CompositionFailure.objects.filter(class_group=class_group, student=student).delete()
        audit_record(actor=by, action=f"records:version:{outcome}", object_type="record_version",
                     object_id=version.pk, school_id=class_group.school_id,
                     after={"student": student.pk, "number": version.number, "pdf_sha256": version.pdf_sha256})
    return ComposeOutcome(outcome, version)


def _new_version(*, record, current, student, class_group, result, now, by, context) -> RecordVersion:
    code = _new_code()
    number = current.number + 1
    probe = compose_document(student=student, class_group=class_group, result=result, verification_code=code,
                             version=number, now=now, context=context)
    corrections = build_corrections(old=current.document, new=probe, student_id=student.pk,
                                    class_id=class_group.pk, school_id=class_group.school_id,
                                    since=current.created_at, today=timezone.localdate(now))
    document = compose_document(student=student, class_group=class_group, result=result, verification_code=code,
                                version=number, now=now, corrections=corrections,
                                supersedes_sha256=current.json_sha256, context=context)
    version = RecordVersion(year_record=record, number=number, verification_code=code, created_at=now,
                            created_by=by if getattr(by, "pk", None) else None, corrections=corrections,
                            approval_signer_id=context.approver_id)
    _store(version, document)
    version.save()
    RecordVersion.objects.filter(pk=current.pk).update(status=RecordStatus.SUPERSEDED, superseded_at=now)
    record.current_version = version
    record.save(update_fields=["current_version"])
    version_superseded.send(sender=RecordVersion, new=version, old=current, by=by)
    return version


@dataclass
class ClassComposeReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_versions: int = 0
    failed: dict[str, list[str]] = field(default_factory=dict)

    def count(self, status: str) -> None:
        """Count one record by its :class:`ComposeOutcome` status."""
        attr = {"created": "created", "updated": "updated", "unchanged": "unchanged",
                "new_version": "new_versions"}[status]
        setattr(self, attr, getattr(self, attr) + 1)


def compose_class(*, class_group: ClassGroup, by=None) -> ClassComposeReport:
    """Compose every active student of the class; a failure for one never blocks the rest."""
    report = ClassComposeReport()
    class_group = ClassGroup.objects.select_related("school__department", "school__commune", "school_year",
                                                    "homeroom_teacher").get(pk=class_group.pk)
    enrolments = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                      .select_related("student").order_by("student__sort_name"))
    context = ClassContext.load(class_group, [e.student_id for e in enrolments])
    from hocba.gradebook.models import Period, StudentResult

    results = {r.student_id: r for r in StudentResult.objects.filter(class_group=class_group, period=Period.YEAR)}
    ids = [e.student_id for e in enrolments]
    level = record_level(class_group.grade)
    with_record = set(YearRecord.objects.filter(student_id__in=ids, school_year=class_group.school_year_id,
                                                level=level).values_list("student_id", flat=True))
    with_failure = set(CompositionFailure.objects.filter(class_group=class_group, student_id__in=ids)
                       .values_list("student_id", flat=True))
    first = [e for e in enrolments if e.student_id not in with_record]
    for i in range(0, len(first), NEW_RECORDS_PER_TRANSACTION):
        _create_records(class_group=class_group, enrolments=first[i:i + NEW_RECORDS_PER_TRANSACTION], by=by,
                        context=context, results=results, with_failure=with_failure, report=report)
    for enrolment in enrolments:
        if enrolment.student_id in with_record:
            _compose_one(class_group=class_group, enrolment=enrolment, by=by, context=context, results=results,
                         known=(True, enrolment.student_id in with_failure), report=report)
    return report


def _compose_one(*, class_group: ClassGroup, enrolment: Enrolment, by, context: ClassContext, results: dict,
                 known: tuple[bool, bool] | None, report: ClassComposeReport) -> None:
    try:
        outcome = record_compose(student=enrolment.student, class_group=class_group, by=by, context=context,
                                 result=results.get(enrolment.student_id), known=known)
    except NotComposable as exc:
        _record_failure(class_group, enrolment.student, exc, report)
        return
    except IntegrityError as exc:  # pragma: no cover - a concurrent composer won; the next run catches up
        raise DomainError("Học bạ đang được lập bởi một tiến trình khác; hãy thử lại.") from exc
    report.count(outcome.status)


def _record_failure(class_group: ClassGroup, student: Student, exc: NotComposable,
                    report: ClassComposeReport) -> None:
    report.failed[student.full_name] = exc.reasons
    CompositionFailure.objects.update_or_create(class_group=class_group, student=student,
                                                defaults={"reasons": exc.reasons, "at": timezone.now()})


#: Students whose first record of the year is composed and stored together (one transaction, a few queries).
NEW_RECORDS_PER_TRANSACTION = 50


def _create_records(*, class_group: ClassGroup, enrolments: list[Enrolment], by, context: ClassContext,
                    results: dict, with_failure: set[int], report: ClassComposeReport) -> None:
    """Compose the first version of records that do not exist yet, and store them together.

    Each record is composed and rendered on its own (a student who cannot be composed is recorded as a
    failure and never blocks the others); then the records, their versions, the archive rows and the
    audit entries of the group are written in one transaction with one query per table. If another
    composer created one of these records meanwhile (the unique record per student, year and level
    refuses the group), nothing of the group is kept and each is composed the usual way, one by one.
    """
    now = timezone.now()
    created_by = by if getattr(by, "pk", None) else None
    ready: list[tuple[Enrolment, RecordVersion]] = []
    files: list[tuple[bytes, str]] = []
    for enrolment in enrolments:
        code = _new_code()
        try:
            document = compose_document(student=enrolment.student, class_group=class_group,
                                        result=results.get(enrolment.student_id), verification_code=code,
                                        version=1, now=now, context=context)
        except NotComposable as exc:
            _record_failure(class_group, enrolment.student, exc, report)
            continue
        version = RecordVersion(number=1, verification_code=code, created_at=now, created_by=created_by,
                                approval_signer_id=context.approver_id)
        files.extend(_rendered_files(version, document))
        ready.append((enrolment, version))
    if not ready:
        return
    level = record_level(class_group.grade)
    try:
        with transaction.atomic():
            digests = archive.archive_put_many(files)
            records = YearRecord.objects.bulk_create([
                YearRecord(student_id=e.student_id, school_year_id=class_group.school_year_id, level=level,
                           school_id=class_group.school_id, class_group=class_group, grade=class_group.grade)
                for e, _ in ready])
            for i, (record, (_, version)) in enumerate(zip(records, ready, strict=True)):
                version.year_record = record
                version.json_sha256, version.pdf_sha256 = digests[2 * i], digests[2 * i + 1]
            RecordVersion.objects.bulk_create([version for _, version in ready])
            for record, (_, version) in zip(records, ready, strict=True):
                record.current_version = version
            YearRecord.objects.bulk_update(records, ["current_version"])
            cleared = [e.student_id for e, _ in ready if e.student_id in with_failure]
            if cleared:
                CompositionFailure.objects.filter(class_group=class_group, student_id__in=cleared).delete()
            audit_record_many(actor=by, entries=[
                {"action": "records:version:created", "object_type": "record_version", "object_id": version.pk,
                 "school_id": class_group.school_id,
                 "after": {"student": e.student_id, "number": 1, "pdf_sha256": version.pdf_sha256}}
                for e, version in ready])
    except IntegrityError:  # a concurrent composer created some of them: the one-by-one path sorts it out
        for enrolment, _ in ready:
            _compose_one(class_group=class_group, enrolment=enrolment, by=by, context=context, results=results,
                         known=None, report=report)
        return
    report.created += len(ready)

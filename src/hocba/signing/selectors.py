"""Reads of the signing workflow: where each class of a school stands against the year's signing deadline
(31/5 by the plan; 21/5 for the last grades of a level, 9 and 12)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from hocba.core.permissions import scope_of
from hocba.org.deadlines import due_date
from hocba.org.models import ClassGroup, Deadline, DeadlineKind, School, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment
from hocba.records.models import RecordVersion, YearRecord
from hocba.signing.models import Signature, SignRole, SubjectConfirmation

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
    #: Composed records not signed by the homeroom teacher yet that still miss a subject teacher's confirmation
    #: (the homeroom teacher cannot sign them: they wait for the subject teachers, not for the homeroom teacher).
    unconfirmed: int = 0

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
        steps = [("lập học bạ", self.students - self.composed),
                 ("giáo viên bộ môn xác nhận", self.unconfirmed),
                 ("GVCN ký", self.composed - self.homeroom - self.unconfirmed),
                 ("Hiệu trưởng ký", self.homeroom - self.principal), ("đóng dấu", self.principal - self.sealed)]
        return [(who, n) for who, n in steps if n > 0]


def signing_progress(*, school: School, today: dt.date, class_group: ClassGroup | None = None) -> list[ClassProgress]:
    """Every class of the school's current year (or just ``class_group``), counting active students' current
    records only. At most six queries whatever the school's size (four once every record is signed by its
    homeroom teacher)."""
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
    roles = list(Signature.objects.filter(version_id__in=list(current)).values_list("version_id", "role"))
    signed = Counter((current[version_id], role) for version_id, role in roles)
    homeroom_signed = {version_id for version_id, role in roles if role == SignRole.HOMEROOM}
    unconfirmed = Counter(current[version_id] for version_id, missing in
                          missing_subjects_of([v for v in current if v not in homeroom_signed]).items() if missing)
    deadlines = list(Deadline.objects.filter(school_year_id__in={c.school_year_id for c in classes},
                                             kind=DeadlineKind.SIGNING))
    out = []
    for c in classes:
        out.append(ClassProgress(
            class_group=c, students=students[c.pk], composed=composed[c.pk],
            homeroom=signed[(c.pk, SignRole.HOMEROOM)], principal=signed[(c.pk, SignRole.PRINCIPAL)],
            sealed=signed[(c.pk, SignRole.SEAL)], unconfirmed=unconfirmed[c.pk],
            deadline=due_date([d for d in deadlines if d.school_year_id == c.school_year_id],
                              DeadlineKind.SIGNING, c.grade),
            today=today))
    return out


def missing_subjects_of(version_ids: Iterable[int], *,
                        among: dict[int, set[str]] | None = None) -> dict[int, list[str]]:
    """version id → its subject rows still awaiting their teacher's confirmation (a confirmation counts only for
    the version's JSON hash; an exempt row, "Miễn", needs none), like ``workflow.missing_confirmations_of`` but
    from ids, reading only the documents' subject rows. Two queries, none for no ids.

    ``among`` (version id → subject names) limits the answer to those subjects of those versions: the documents
    of versions whose listed subjects are all confirmed are not read at all.
    """
    ids = list(among) if among is not None else list(version_ids)
    if not ids:
        return {}
    confirmed: dict[int, set[str]] = {pk: set() for pk in ids}
    for version_id, subject, sha, current_sha in (
            SubjectConfirmation.objects.filter(version_id__in=ids)
            .values_list("version_id", "subject_name", "json_sha256", "version__json_sha256")):
        if sha == current_sha:
            confirmed[version_id].add(subject)
    if among is not None:
        ids = [pk for pk in ids if among[pk] - confirmed[pk]]
        if not ids:
            return {}
    out = {}
    for pk, subjects in RecordVersion.objects.filter(pk__in=ids).values_list("pk", "document__subjects"):
        out[pk] = [s["name"] for s in subjects or () if s.get("term1") != "Miễn" and s["name"] not in confirmed[pk]
                   and (among is None or s["name"] in among[pk])]
    return out


@dataclass(frozen=True)
class ConfirmationsDue:
    """One class whose records wait for the user's "Xác nhận các môn tôi dạy": how many, for which subjects."""

    class_group: ClassGroup
    records: int
    subjects: list[str] = field(default_factory=list)


def confirmation_due_list(*, user) -> list[ConfirmationsDue]:
    """The classes (current year) whose current records, not yet signed by the homeroom teacher, still miss the
    user's confirmation of a subject they teach there, by class name. At most four queries whatever the number
    of classes and records (none for a user who teaches nothing)."""
    scope = scope_of(user)
    if not scope.taught or scope.teacher_id is None:
        return []
    assignments = list(TeachingAssignment.objects.filter(teacher_id=scope.teacher_id,
                                                         class_group_id__in=scope.taught_class_ids)
                       .select_related("class_group", "subject"))
    taught: dict[int, set[str]] = {}
    classes = {}
    for a in assignments:
        taught.setdefault(a.class_group_id, set()).add(a.subject.name)
        classes[a.class_group_id] = a.class_group
    homeroom_signed = Signature.objects.filter(version_id=OuterRef("current_version_id"), role=SignRole.HOMEROOM)
    active = Enrolment.objects.filter(class_group_id=OuterRef("class_group_id"), student_id=OuterRef("student_id"),
                                      status__in=ACTIVE_STATUSES)
    waiting = dict(YearRecord.objects.filter(Exists(active), class_group_id__in=list(taught))
                   .exclude(current_version=None).exclude(Exists(homeroom_signed))
                   .values_list("current_version_id", "class_group_id"))
    missing = missing_subjects_of((), among={v: taught[c] for v, c in waiting.items()})
    records: Counter[int] = Counter()
    subjects: dict[int, set[str]] = {}
    for version_id, names in missing.items():
        if names:
            records[waiting[version_id]] += 1
            subjects.setdefault(waiting[version_id], set()).update(names)
    return sorted((ConfirmationsDue(class_group=classes[c], records=n, subjects=sorted(subjects[c]))
                   for c, n in records.items()), key=lambda due: (due.class_group.grade, due.class_group.name))

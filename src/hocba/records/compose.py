"""Composition: from the closed gradebook and the student's profile to the year record document.

The document (format ``hocba.record/1``, schema in ``docs/record.schema.json``) keeps every
name as text at composition time — school, class, subjects, teachers — so a later rename, a
deleted course or a transfer never changes what was signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from hocba.core.dates import format_vn_date
from hocba.gradebook.models import Period, StudentResult, YearEntry
from hocba.org.models import ClassGroup, TeachingAssignment
from hocba.people.models import Enrolment, Guardianship, Position, Student, Teacher, TeacherStatus

FORMAT = "hocba.record/1"
IDENTITY_REQUIRED = {"full_name": "Họ và tên", "birth_date": "Ngày sinh", "birth_place": "Nơi sinh",
                     "sex": "Giới tính", "ethnicity": "Dân tộc", "residence": "Chỗ ở hiện tại"}


def record_level(grade: int) -> str:
    """Which book a grade's year belongs to: THCS (grades 6–9) or THPT (10–12)."""
    return "THCS" if grade <= 9 else "THPT"


OUTCOME_PROMOTION = {"promoted": "promoted", "retained": "retained"}


def approval_signer(school) -> Teacher | None:
    """Who signs the school's records for approval: the deputy the principal authorised, else the principal (one
    who still works at the school: a principal who left is not printed on new records)."""
    if school.approval_signer_id:
        return Teacher.objects.filter(pk=school.approval_signer_id).first()
    return (Teacher.objects.filter(school_id=school.pk, position=Position.PRINCIPAL, status=TeacherStatus.WORKING)
            .order_by("id").first())


@dataclass
class ClassContext:
    """Everything composition reads about a class, fetched once for all its students."""

    class_group: ClassGroup
    teachers: dict[str, str]  # subject name → teacher name
    principal: str  # who signs the approval: the principal, or the deputy they authorised
    principal_is_deputy: bool
    approver_id: int | None  # that Teacher, kept on the version (RecordVersion.approval_signer)
    guardians: dict[int, dict[str, object]]  # student id → relation → Guardian
    years: dict[int, YearEntry]
    absences: dict[int, dict[int, int]]  # student id → term → sessions
    history: dict[int, list[dict]]  # student id → study history rows

    @classmethod
    def load(cls, class_group: ClassGroup, student_ids: list[int] | None = None) -> ClassContext:
        from hocba.gradebook.models import HomeroomTermEntry

        ids = student_ids if student_ids is not None else list(
            Enrolment.objects.filter(class_group=class_group).values_list("student_id", flat=True))
        guardians: dict[int, dict[str, object]] = {}
        for g in Guardianship.objects.filter(student_id__in=ids).select_related("guardian"):
            guardians.setdefault(g.student_id, {})[g.relation] = g.guardian
        absences: dict[int, dict[int, int]] = {}
        for h in HomeroomTermEntry.objects.filter(class_group=class_group, student_id__in=ids):
            absences.setdefault(h.student_id, {})[h.term] = h.absent_excused + h.absent_unexcused
        level_grades = list(range(6, 10) if class_group.grade <= 9 else range(10, 13))
        history: dict[int, list[dict]] = {}
        for student_id, year_name, class_name, school_name in (
                Enrolment.objects.filter(student_id__in=ids, class_group__grade__in=level_grades)
                .order_by("school_year__start_date", "status_date")
                .values_list("student_id", "school_year__name", "class_group__name", "class_group__school__name")):
            history.setdefault(student_id, []).append({"school_year": year_name, "class_name": class_name,
                                                       "school_name": school_name})
        approver = approval_signer(class_group.school)
        return cls(
            class_group=class_group,
            teachers={ta.subject.name: ta.teacher.full_name for ta in
                      TeachingAssignment.objects.filter(class_group=class_group).select_related("subject", "teacher")},
            principal=approver.full_name if approver else "",
            principal_is_deputy=bool(approver) and approver.position != Position.PRINCIPAL,
            approver_id=approver.pk if approver else None,
            guardians=guardians,
            years={y.student_id: y for y in YearEntry.objects.filter(class_group=class_group, student_id__in=ids)},
            absences=absences,
            history=history,
        )


class NotComposable(Exception):
    """The student's record cannot be composed yet; ``reasons`` are Vietnamese lines for the class page."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def shown_value(value) -> str:
    """Engine value → printed value: 8.0 → "8,0", "Đ" → "Đ", None → ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and value in ("Đ", "CĐ", "Miễn"):
        return value
    number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(number).replace(".", ",")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _relative(links: dict, relation: str) -> dict:
    g = links.get(relation)
    return {"name": g.full_name if g else "", "occupation": g.occupation if g else ""}


def compose_document(*, student: Student, class_group: ClassGroup, result: StudentResult | None,
                     verification_code: str, version: int, now: dt.datetime | None = None,
                     corrections: list[dict] | None = None, supersedes_sha256: str | None = None,
                     context: ClassContext | None = None) -> dict:
    """Build the year-record document, or raise NotComposable listing everything missing."""
    reasons: list[str] = []
    missing = [label for f, label in IDENTITY_REQUIRED.items() if not getattr(student, f)]
    if missing:
        reasons.append("Thiếu thông tin lý lịch: " + ", ".join(missing))
    if result is None:
        reasons.append("Sổ điểm cả năm chưa được tổng kết (chưa khoá sổ học kì II).")
    elif result.error:
        reasons.append(f"Tổng kết cả năm lỗi: {result.error}")
    elif result.outcome.startswith("pending"):
        reasons.append("Đang chờ kiểm tra lại hoặc rèn luyện trong hè; lập học bạ sau khi có kết quả.")
    if reasons:
        raise NotComposable(reasons)
    now = timezone.localtime(now or timezone.now())
    ctx = context or ClassContext.load(class_group, [student.pk])
    school = class_group.school
    level = record_level(class_group.grade)
    outputs = result.outputs
    inputs = result.inputs
    links = ctx.guardians.get(student.pk, {})
    teachers = ctx.teachers
    year_entry = ctx.years.get(student.pk)
    retests = {}
    for s in inputs["subjects"]:
        if "retest" in s:
            retests[s["name"]] = s["retest"]
    subjects = []
    for s in inputs["subjects"]:
        name = s["name"]
        if s.get("exempt"):
            row = {"term1": "Miễn", "term2": "Miễn", "year": "Miễn"}
        else:
            out = outputs.get("subjects", {}).get(name, {})
            row = {"term1": shown_value(out.get("hk1")), "term2": shown_value(out.get("hk2")),
                   "year": shown_value(out.get("cn"))}
        subjects.append({"name": name, **row, "reassessment": shown_value(retests.get(name)),
                         "teacher": teachers.get(name, "")})
    absences = {1: 0, 2: 0, **ctx.absences.get(student.pk, {})}
    learning, conduct = outputs["learning"], outputs["conduct"]
    promotion = OUTCOME_PROMOTION.get(result.outcome)
    if promotion == "promoted" and (learning.get("after_retest") or conduct.get("after_summer")):
        promotion = "promoted_after_reassessment"
    completion = None
    if class_group.grade in (9, 12):  # the final grade: the principal's completion line replaces promotion
        completion = "recognised" if promotion in ("promoted", "promoted_after_reassessment") else "not_recognised"
        promotion = None
    awards = _lines(year_entry.other_awards if year_entry else "")
    if outputs.get("award"):
        awards.insert(0, outputs["award"])
    province = school.department.province.replace("Thành phố ", "").replace("Tỉnh ", "")
    return {
        "format": FORMAT,
        "version": version,
        "supersedes_sha256": supersedes_sha256,
        "composed_at": now.isoformat(timespec="seconds"),
        "school": {"name": school.name, "code": school.code, "commune": school.commune.name,
                   "province": school.department.province, "level": level},
        "school_year": class_group.school_year.name,
        "grade": class_group.grade,
        "class_name": class_group.name,
        "student": {
            "full_name": student.full_name, "sex": student.get_sex_display(),
            "birth_date": format_vn_date(student.birth_date), "birth_place": student.birth_place,
            "ethnicity": student.ethnicity, "policy_category": student.policy_category,
            "residence": student.residence, "father": _relative(links, "father"),
            "mother": _relative(links, "mother"), "guardian": _relative(links, "guardian"),
            "personal_id": student.personal_id or "", "moet_code": student.moet_code or "",
            "register_number": student.register_number or "",
        },
        "study_history": ctx.history.get(student.pk, []),
        "subjects": subjects,
        "results": {
            "term1": {"conduct": conduct.get("hk1") or "", "learning": learning.get("hk1") or "",
                      "absences": absences[1]},
            "term2": {"conduct": conduct.get("hk2") or "", "learning": learning.get("hk2") or "",
                      "absences": absences[2]},
            "year": {"conduct": conduct.get("cn") or "", "learning": learning.get("cn") or "",
                     "absences": absences[1] + absences[2]},
            "after_reassessment": {"conduct": conduct.get("after_summer") or "",
                                   "learning": learning.get("after_retest") or ""},
        },
        "promotion": promotion,
        "completion": completion,
        "certificates": _lines(year_entry.certificates if year_entry else ""),
        "competitions": _lines(year_entry.competitions if year_entry else ""),
        "awards": awards,
        "homeroom_comment": (year_entry.homeroom_comment if year_entry else "") or "",
        "principal_comment": "",
        "signatories": {
            "homeroom_teacher": class_group.homeroom_teacher.full_name if class_group.homeroom_teacher else "",
            "principal": ctx.principal,
            "principal_is_deputy": ctx.principal_is_deputy,
        },
        "signing": {"place": province, "date": format_vn_date(now.date())},
        "corrections": corrections or [],
        "verification": {"code": verification_code,
                         "url": f"{settings.HOCBA_PUBLIC_URL}/xac-thuc/{verification_code}"},
    }


#: Parts of a document that differ between two compositions without any change of content.
VOLATILE = ("version", "supersedes_sha256", "composed_at", "signing", "corrections", "verification")


def compose_again(*, student: Student, class_group: ClassGroup, result: StudentResult | None, current,
                  now: dt.datetime | None = None, context: ClassContext | None = None) -> dict:
    """The document the current version (a RecordVersion) would become if composed now: same code, number,
    corrections and predecessor; compare with :func:`content_of` to know whether anything changed."""
    return compose_document(student=student, class_group=class_group, result=result,
                            verification_code=current.verification_code, version=current.number, now=now,
                            corrections=current.document.get("corrections", []),
                            supersedes_sha256=current.document.get("supersedes_sha256"), context=context)


def content_of(document: dict) -> dict:
    return {k: v for k, v in document.items() if k not in VOLATILE}


def year_result(class_group: ClassGroup, student_id: int) -> StudentResult | None:
    return StudentResult.objects.filter(class_group=class_group, student_id=student_id, period=Period.YEAR).first()

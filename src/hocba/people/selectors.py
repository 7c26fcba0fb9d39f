"""Reads of people, always restricted to the caller's scope; full profiles are audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, When

from hocba.core import accounts
from hocba.core.audit import audit_record
from hocba.core.errors import PermissionDeniedError
from hocba.core.models import RoleAssignment
from hocba.core.permissions import can, restrict
from hocba.core.text import search_key
from hocba.org.models import ClassGroup, School, Subject, TeachingAssignment
from hocba.people.models import (
    ACTIVE_STATUSES,
    MANAGEMENT_POSITIONS,
    Enrolment,
    Guardian,
    Guardianship,
    Position,
    Student,
    Teacher,
    TeacherStatus,
)


def student_list(*, user, query: str = "", school_id: int | None = None, class_id: int | None = None,
                 with_class: bool = False) -> QuerySet:
    """The students ``user`` may see, in Vietnamese name order; ``class_id``: those studying in that class;
    ``school_id``: those studying at that school this school year. With ``with_class``, each student carries
    ``current_enrolments``: their enrolments of the current school year, the active one first (the list page's
    "Lớp" column; one query for the whole page, whatever its size)."""
    qs = restrict(Student.objects.all(), user, "people:student:view")
    if query:
        key = search_key(query)
        if key.isdigit():  # a personal ID finds its student only for readers of full profiles: a masked reader
            # (officers, subject teachers) could otherwise recover every ID from the birth year and sex it sees
            qs = restrict(qs, user, "people:student:view_full").filter(personal_id=key)
        else:
            qs = qs.filter(search_name__contains=key)
    if class_id or school_id:
        enrolled = Enrolment.objects.filter(student_id=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        if class_id:
            enrolled = enrolled.filter(class_group_id=class_id)
        if school_id:
            enrolled = enrolled.filter(class_group__school_id=school_id, class_group__school_year__is_current=True)
        qs = qs.filter(Exists(enrolled))
    if with_class:
        current = (Enrolment.objects.filter(class_group__school_year__is_current=True)
                   .select_related("class_group__school", "school_year")
                   .order_by(Case(When(status__in=ACTIVE_STATUSES, then=0), default=1), "-status_date", "-pk"))
        qs = qs.prefetch_related(Prefetch("enrolments", queryset=current, to_attr="current_enrolments"))
    return qs.order_by("sort_name", "id")


def student_school_list(*, user) -> QuerySet:
    """The schools whose classes ``user`` sees (the student list's ``?truong=``), in name order; none for a
    student or a family."""
    return restrict(School.objects.all(), user, "org:school:view").order_by("sort_name", "pk")


def student_class_list(*, user, school_id: int | None = None) -> QuerySet:
    """The classes of the current school year ``user`` may see (the student list's ``?lop=``): their school's
    for the board, the department's and commune's for officers, their own for teachers; by school, grade, name."""
    qs = (restrict(ClassGroup.objects.select_related("school"), user, "org:class:view")
          .filter(school_year__is_current=True))
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.order_by("school__sort_name", "grade", "name", "pk")


def current_enrolment(enrolments) -> Enrolment | None:
    """Of a student's enrolments (with their school year loaded), the one of the current school year: the active
    one, else the latest closed one (chuyển đi, thôi học); None when they have no class this year. No query."""
    now = [e for e in enrolments if e.school_year.is_current]
    return min(now, key=lambda e: (not e.is_active, -e.status_date.toordinal(), -e.pk), default=None)


def student_get(*, user, pk: int) -> Student:
    """A student visible to ``user`` (masked view) or PermissionDeniedError."""
    student = restrict(Student.objects.all(), user, "people:student:view").filter(pk=pk).first()
    if student is None:
        raise PermissionDeniedError("Không tìm thấy học sinh hoặc bạn không có quyền xem.")
    return student


def student_get_full(*, user, pk: int) -> tuple[Student, bool]:
    """The student and whether the full profile may be shown; every full read is audited."""
    student = student_get(user=user, pk=pk)
    full = can(user, "people:student:view_full", student)
    if full:
        audit_record(actor=user, action="people:student:view_full", object_type="student", object_id=student.pk,
                     school_id=student_school_id(student))
    return student, full


def student_school_id(student: Student) -> int | None:
    return (Enrolment.objects.filter(student=student, status__in=ACTIVE_STATUSES)
            .order_by("-school_year__start_date").values_list("class_group__school_id", flat=True).first())


def student_enrolments(*, student: Student) -> QuerySet:
    return (Enrolment.objects.filter(student=student)
            .select_related("class_group__school", "school_year").order_by("-school_year__start_date"))


def student_guardians(*, student: Student) -> QuerySet:
    return Guardianship.objects.filter(student=student).select_related("guardian")


def student_guardian_get(*, student: Student, guardian_id: int) -> Guardianship | None:
    """The link of one guardian to ``student`` (already checked by the caller), with the number of other students
    the person is a guardian of (``other_students``); None when the person is not this student's guardian."""
    others = Count("guardian__guardianships", filter=~Q(guardian__guardianships__student_id=student.pk))
    return (Guardianship.objects.filter(student=student, guardian_id=guardian_id).select_related("guardian")
            .annotate(other_students=others).first())


def class_roster(*, class_group) -> QuerySet:
    """Students of a class in Vietnamese order, with their enrolment status (one query)."""
    return (Enrolment.objects.filter(class_group=class_group).select_related("student")
            .order_by("student__sort_name", "student_id"))


def teacher_list(*, user, query: str = "", school_id: int | None = None, status: str | None = None) -> QuerySet:
    """The teachers ``user`` may see; with ``status`` (``TeacherStatus``), only those working or only those who
    left (the list page shows the working ones unless asked; the API lists all, each with its status)."""
    qs = restrict(Teacher.objects.select_related("school"), user, "people:teacher:view")
    if query:
        qs = qs.filter(search_name__contains=search_key(query))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("sort_name", "id")


def login_management_rights(user) -> list[str]:
    """What a login holds beyond a teacher's own work that only the system administrator may touch, in Vietnamese:
    its assigned roles (Hiệu trưởng, Ban quản lý học bạ, cán bộ Sở …) and the administrator's own flags. A school
    neither issues a password for such a login nor closes it."""
    if user is None:
        return []
    held = sorted({a.get_role_display() for a in RoleAssignment.objects.filter(user=user)})
    return held + (["quản trị hệ thống"] if user.is_superuser or user.is_staff else [])


def login_is_family(user) -> bool:
    """The login is also a student's or a guardian's (the family portal): closing it or re-issuing its password
    would lock a family out, or hand their child's records to whoever holds the new password."""
    return user is not None and (Student.objects.filter(user=user).exists()
                                 or Guardian.objects.filter(user=user).exists())


def teacher_leave_blockers(*, teacher: Teacher) -> list[str]:
    """What keeps ``teacher`` from leaving, in Vietnamese, one line each (empty: nothing): the classes of the
    current school year they are homeroom teacher (GVCN) of, the subjects they still teach there, the school
    whose records they sign for approval (chosen, or as its only working principal when none is chosen), and
    management rights their login still holds (the system administrator removes those first). Each must first be
    handed to someone else."""
    out = [f"đang là giáo viên chủ nhiệm lớp {c.name} (năm học {c.school_year.name})"
           for c in ClassGroup.objects.filter(homeroom_teacher=teacher, school_year__is_current=True)
           .select_related("school_year").order_by("grade", "name")]
    out += [f"còn dạy {a.subject.name} lớp {a.class_group.name}"
            for a in TeachingAssignment.objects.filter(teacher=teacher, class_group__school_year__is_current=True)
            .select_related("subject", "class_group").order_by("class_group__grade", "class_group__name",
                                                               "subject__display_order", "subject__code")]
    out += [f"là người ký phê duyệt học bạ của {s.name} (Hiệu trưởng chọn lại người ký trên trang ký số của "
            "trường)" for s in School.objects.filter(approval_signer=teacher).order_by("sort_name")]
    if (teacher.position == Position.PRINCIPAL and teacher.school.approval_signer_id is None
            and not Teacher.objects.filter(school_id=teacher.school_id, position=Position.PRINCIPAL,
                                           status=TeacherStatus.WORKING).exclude(pk=teacher.pk).exists()):
        out.append(f"là Hiệu trưởng, người ký phê duyệt học bạ của {teacher.school.name} (ghi nhận Hiệu trưởng mới, "
                   "hoặc chọn Phó hiệu trưởng được ủy quyền ký, trước)")
    rights = login_management_rights(teacher.user)
    if rights:
        out.append(f"tài khoản đăng nhập còn giữ quyền {', '.join(rights)} (quản trị hệ thống gỡ quyền trước)")
    return out


def teacher_get(*, user, pk: int) -> tuple[Teacher, bool]:
    teacher = (restrict(Teacher.objects.select_related("school"), user, "people:teacher:view")
               .prefetch_related(Prefetch("subjects")).filter(pk=pk).first())
    if teacher is None:
        raise PermissionDeniedError("Không tìm thấy giáo viên hoặc bạn không có quyền xem.")
    full = can(user, "people:teacher:view_full", teacher)
    if full:
        audit_record(actor=user, action="people:teacher:view_full", object_type="teacher", object_id=teacher.pk,
                     school_id=teacher.school_id)
    return teacher, full


def teacher_get_for_change(*, user, pk: int, record_read: bool = True) -> Teacher:
    """A teacher whose trích ngang ``user`` may change (their school's board or principal), with their subjects;
    PermissionDeniedError for anyone else's teacher. The edit page shows the full profile: with ``record_read``
    that read is audited as the detail page's is."""
    teacher = (restrict(Teacher.objects.select_related("school"), user, "people:teacher:change")
               .prefetch_related("subjects").filter(pk=pk).first())
    if teacher is None:
        raise PermissionDeniedError("Không tìm thấy giáo viên hoặc bạn không có quyền sửa trích ngang của giáo viên "
                                    "này (chỉ ban giám hiệu, ban quản lý học bạ của trường giáo viên công tác).")
    if record_read:
        audit_record(actor=user, action="people:teacher:view_full", object_type="teacher", object_id=teacher.pk,
                     school_id=teacher.school_id)
    return teacher


def teacher_school_list(*, user, perm: str = "people:teacher:view") -> QuerySet:
    """The schools whose teachers ``user`` may ``perm`` (see or change), in name order."""
    return restrict(School.objects.all(), user, perm).order_by("sort_name", "pk")


def teacher_school_get(*, user, pk: str | int | None, perm: str = "people:teacher:view") -> School | None:
    """The school ``pk`` if ``user`` may ``perm`` its teachers; without ``pk``, the user's only such school.
    None when ``pk`` is missing and the user has several (or none); PermissionDeniedError for another school."""
    schools = teacher_school_list(user=user, perm=perm)
    if pk in (None, ""):
        only = list(schools[:2])
        return only[0] if len(only) == 1 else None
    school = schools.filter(pk=pk).first() if str(pk).isdigit() else None
    if school is None:
        raise PermissionDeniedError("Không tìm thấy trường hoặc bạn không có quyền xem giáo viên của trường này.")
    return school


def teacher_roster(*, user, school: School) -> tuple[list[Teacher], bool]:
    """Danh sách trích ngang: the working teachers of ``school`` that ``user`` may see (the list is the school's
    staff as it stands: a teacher who left is not counted), in Vietnamese name order, with their subjects; and
    whether ``user`` may see their personal data (birth date, sex, personal ID, phone, e-mail) — as
    on each teacher's page (``teacher_get``)."""
    teachers = list(restrict(Teacher.objects.filter(school=school, status=TeacherStatus.WORKING), user,
                             "people:teacher:view")
                    .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("display_order", "code")))
                    .order_by("sort_name", "id"))
    return teachers, can(user, "people:teacher:view_full", school)


def admission_class_list(*, user) -> QuerySet:
    """Classes of the current school year that ``user`` may enrol a new student in (their school's board)."""
    return (restrict(ClassGroup.objects.select_related("school", "school_year"), user, "people:student:enrol")
            .filter(school_year__is_current=True).order_by("school__sort_name", "grade", "name"))


def enrolment_for_status(*, user, student: Student) -> Enrolment | None:
    """The student's enrolment of the current year whose status ``user`` may change (a class of a school they
    run): the active one first, else the latest closed one (a transfer out may be taken back)."""
    schools = restrict(School.objects.all(), user, "people:student:enrol").values("pk")
    return current_enrolment(Enrolment.objects.filter(student=student, class_group__school_year__is_current=True,
                                                      class_group__school__in=schools)
                             .select_related("class_group__school", "school_year"))


def teacher_get_for_account(*, user, pk: int) -> Teacher:
    """A teacher whose login ``user`` may create or re-issue (their school's board or principal), with the
    account; PermissionDeniedError for anyone else's teacher."""
    teacher = (restrict(Teacher.objects.select_related("school", "user"), user, "people:teacher:account")
               .filter(pk=pk).first())
    if teacher is None:
        raise PermissionDeniedError("Không tìm thấy giáo viên hoặc bạn không có quyền cấp tài khoản cho giáo viên "
                                    "này (chỉ ban giám hiệu, ban quản lý học bạ của trường giáo viên công tác).")
    return teacher


@dataclass(frozen=True)
class TeacherLogin:
    """What the teacher's page shows of their login: its name, whether the school's initial password is still
    unchanged, the last sign-in, whether it is open."""

    username: str
    initial: bool
    last_login: object
    active: bool


def teacher_login(*, teacher: Teacher) -> TeacherLogin | None:
    user = teacher.user
    if user is None:
        return None
    return TeacherLogin(user.username, accounts.must_set_password(user), user.last_login, user.is_active)


def teacher_login_counts(*, school: School) -> tuple[int, int]:
    """(working teachers of ``school``, those of them without a login the school may create: not the leadership's,
    ``MANAGEMENT_POSITIONS``)."""
    working = Teacher.objects.filter(school=school, status=TeacherStatus.WORKING)
    return working.count(), working.filter(user__isnull=True).exclude(position__in=MANAGEMENT_POSITIONS).count()

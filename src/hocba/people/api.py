"""Students and teachers over the API: reads, enrolment, transfer status, profile corrections."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from hocba.core.errors import PermissionDeniedError
from hocba.core.permissions import can
from hocba.org.selectors import class_get
from hocba.people import selectors, services
from hocba.people.models import Enrolment

router = Router(tags=["Học sinh và giáo viên"])


class StudentOut(Schema):
    id: int
    full_name: str
    birth_date: dt.date
    sex: str
    moet_code: str | None


class StudentFullOut(StudentOut):
    personal_id: str | None
    birth_place: str
    ethnicity: str
    nationality: str
    policy_category: str
    residence: str
    version: int


class StudentPatch(Schema):
    version: int = Field(..., description="Phiên bản hồ sơ đang sửa (chống ghi đè)")
    full_name: str | None = None
    personal_id: str | None = None
    birth_date: str | None = Field(None, description="dd/mm/yyyy")
    birth_place: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    residence: str | None = None
    policy_category: str | None = None


class TeacherOut(Schema):
    id: int
    staff_code: str
    full_name: str
    position: str
    school_id: int
    status: str  # "working" (đang công tác) | "left" (đã nghỉ việc)
    left_on: dt.date | None = None


class EnrolIn(Schema):
    student_id: int
    class_id: int
    status: str = "studying"


class EnrolmentOut(Schema):
    id: int
    student_id: int
    class_id: int = Field(..., alias="class_group_id")
    status: str
    status_date: dt.date


class StatusIn(Schema):
    status: str = Field(..., description="studying | transferred_in | transferred_out | dropped_out")
    status_date: dt.date | None = None


@router.get("/students", response=list[StudentOut], url_name="api_student_list")
@paginate(PageNumberPagination, page_size=100)
def list_students(request: HttpRequest, q: str = "", class_id: int | None = None):
    return selectors.student_list(user=request.auth, query=q, class_id=class_id)


@router.get("/students/{student_id}", response={200: StudentFullOut | StudentOut}, url_name="api_student_get")
def get_student(request: HttpRequest, student_id: int):
    student, full = selectors.student_get_full(user=request.auth, pk=student_id)
    return StudentFullOut.from_orm(student) if full else StudentOut.from_orm(student)


@router.patch("/students/{student_id}", response=StudentFullOut, url_name="api_student_patch")
def patch_student(request: HttpRequest, student_id: int, payload: StudentPatch):
    student = selectors.student_get(user=request.auth, pk=student_id)
    if not can(request.auth, "people:student:change", student):
        raise PermissionDeniedError()
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.student_update(student=student, changes=changes, by=request.auth, expected_version=version)


@router.post("/enrolments", response={201: EnrolmentOut}, url_name="api_enrolment_create")
def create_enrolment(request: HttpRequest, payload: EnrolIn):
    class_group = class_get(user=request.auth, pk=payload.class_id)
    if not can(request.auth, "people:student:enrol", class_group.school):
        raise PermissionDeniedError()
    student = selectors.student_get(user=request.auth, pk=payload.student_id) \
        if can(request.auth, "people:student:view") else None
    if student is None:
        raise PermissionDeniedError()
    return Status(201, services.enrolment_create(student=student, class_group=class_group, by=request.auth,
                                                 status=payload.status))


@router.post("/enrolments/{enrolment_id}/status", response=EnrolmentOut, url_name="api_enrolment_status")
def set_enrolment_status(request: HttpRequest, enrolment_id: int, payload: StatusIn):
    enrolment = Enrolment.objects.select_related("class_group__school").filter(pk=enrolment_id).first()
    if enrolment is None or not can(request.auth, "people:student:enrol", enrolment.class_group.school):
        raise PermissionDeniedError("Không tìm thấy ghi danh hoặc bạn không có quyền.")
    return services.enrolment_set_status(enrolment=enrolment, status=payload.status, by=request.auth,
                                         status_date=payload.status_date)


@router.get("/teachers", response=list[TeacherOut], url_name="api_teacher_list")
@paginate(PageNumberPagination, page_size=100)
def list_teachers(request: HttpRequest, q: str = "", school_id: int | None = None):
    return selectors.teacher_list(user=request.auth, query=q, school_id=school_id)

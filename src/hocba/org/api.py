"""Read endpoints for the school system (same authorisation as the pages)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from hocba.org import selectors

router = Router(tags=["Tổ chức"])


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    level: str
    commune: str = Field(..., alias="commune.name")


class ClassOut(Schema):
    id: int
    school_id: int
    school_year: str = Field(..., alias="school_year.name")
    grade: int
    name: str
    homeroom_teacher: str | None = None
    student_count: int = 0

    @staticmethod
    def resolve_homeroom_teacher(obj) -> str | None:
        return obj.homeroom_teacher.full_name if obj.homeroom_teacher_id else None


@router.get("/schools", response=list[SchoolOut], url_name="api_school_list")
@paginate(PageNumberPagination, page_size=100)
def list_schools(request: HttpRequest, q: str = ""):
    return selectors.school_list(user=request.auth, query=q)


@router.get("/schools/{school_id}", response=SchoolOut, url_name="api_school_get")
def get_school(request: HttpRequest, school_id: int):
    return selectors.school_get(user=request.auth, pk=school_id)


@router.get("/classes", response=list[ClassOut], url_name="api_class_list")
@paginate(PageNumberPagination, page_size=100)
def list_classes(request: HttpRequest, school_id: int | None = None):
    return selectors.class_list(user=request.auth, school_id=school_id, year=selectors.current_school_year())


@router.get("/classes/{class_id}", response=ClassOut, url_name="api_class_get")
def get_class(request: HttpRequest, class_id: int):
    return selectors.class_get(user=request.auth, pk=class_id)

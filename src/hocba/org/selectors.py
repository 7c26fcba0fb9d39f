"""Reads of the school system, restricted to the caller's scope."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from hocba.core.errors import PermissionDeniedError
from hocba.core.links import PageLink, page_link_list
from hocba.core.permissions import restrict
from hocba.core.text import search_key
from hocba.org.models import ClassGroup, School, SchoolYear, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES


def current_school_year() -> SchoolYear | None:
    return SchoolYear.objects.filter(is_current=True).first()


def school_list(*, user, query: str = "", level: str = "") -> QuerySet:
    qs = restrict(School.objects.select_related("commune"), user, "org:school:view")
    if query:
        qs = qs.filter(search_name__contains=search_key(query))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("sort_name")


def school_get(*, user, pk: int) -> School:
    school = restrict(School.objects.select_related("commune", "department"), user, "org:school:view").filter(
        pk=pk).first()
    if school is None:
        raise PermissionDeniedError("Không tìm thấy trường hoặc bạn không có quyền xem.")
    return school


def class_list(*, user, school_id: int | None = None, year: SchoolYear | None = None, query: str = "") -> QuerySet:
    qs = restrict(ClassGroup.objects.select_related("school", "school_year", "homeroom_teacher"), user,
                  "org:class:view")
    if school_id:
        qs = qs.filter(school_id=school_id)
    if year is not None:
        qs = qs.filter(school_year=year)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.annotate(
        student_count=Count("enrolments", filter=Q(enrolments__status__in=ACTIVE_STATUSES))
    ).order_by("school__sort_name", "grade", "name")


def class_get(*, user, pk: int) -> ClassGroup:
    cg = (restrict(ClassGroup.objects.select_related("school", "school_year", "homeroom_teacher"), user,
                   "org:class:view").filter(pk=pk).first())
    if cg is None:
        raise PermissionDeniedError("Không tìm thấy lớp hoặc bạn không có quyền xem.")
    return cg


def class_assignments(*, class_group: ClassGroup) -> QuerySet:
    # Through the related manager each assignment carries ``class_group`` without a query of its own.
    return class_group.assignments.select_related("subject", "teacher")


def class_assignment_rows(*, user, class_group: ClassGroup) -> list[tuple[TeachingAssignment, list[PageLink]]]:
    """The class's teaching assignments, each with the links to its gradebook sheets the user may open."""
    return [(a, page_link_list(user=user, kind="teaching", obj=a)) for a in class_assignments(class_group=class_group)]

"""Reads for the home page: counts within the user's scope, a few queries whatever the size."""

from __future__ import annotations

from hocba.core.permissions import has_any, restrict, scope_of


def home_summary(*, user) -> dict:
    from hocba.org.models import ClassGroup, School
    from hocba.org.selectors import current_school_year
    from hocba.people.models import Student, Teacher

    year = current_school_year()
    out: dict = {"year": year}
    if has_any(user, "org:school:view"):
        out["schools"] = restrict(School.objects.all(), user, "org:school:view").count()
    if has_any(user, "org:class:view") and year:
        classes = restrict(ClassGroup.objects.filter(school_year=year), user, "org:class:view")
        out["classes"] = classes.count()
        scope = scope_of(user)
        out["homeroom_classes"] = list(ClassGroup.objects.filter(id__in=scope.homeroom_class_ids)
                                       .select_related("school"))
        out["taught"] = list(classes.filter(id__in=scope.taught_class_ids).select_related("school")[:50])
    if has_any(user, "people:student:view"):
        out["students"] = restrict(Student.objects.all(), user, "people:student:view").count()
    if has_any(user, "people:teacher:view"):
        out["teachers"] = restrict(Teacher.objects.all(), user, "people:teacher:view").count()
    scope = scope_of(user)
    own = scope.own_student_ids | scope.child_student_ids
    if own:
        out["own_students"] = list(Student.objects.filter(id__in=own).order_by("sort_name"))
    return out

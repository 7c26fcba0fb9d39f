"""Reads for the home page: counts within the user's scope, a few queries whatever the size."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hocba.core.audit_labels import ACTION_LABELS
from hocba.core.permissions import has_any, restrict, scope_of
from hocba.core.text import search_key


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
    out["school_steps"] = _school_steps(scope, School)
    own = scope.own_student_ids | scope.child_student_ids
    if own:
        out["own_students"] = list(Student.objects.filter(id__in=own).order_by("sort_name"))
    return out


#: What the school's page offers each role of its board, for the home page's next steps (the first role wins).
_BOARD_STEPS = (("principal_school_ids", "khoá sổ, tổng kết, ký số học bạ toàn trường"),
                ("deputy_school_ids", "khoá sổ, ký số học bạ"),
                ("admin_school_ids", "khoá sổ, tổng kết, học bạ"))


def _school_steps(scope, school_model) -> list[tuple[object, str]]:
    """(school, what its page offers the user) for each school whose board the user sits on, by name."""
    steps: dict[int, str] = {}
    for attribute, what in _BOARD_STEPS:
        for school_id in getattr(scope, attribute):
            steps.setdefault(school_id, what)
    schools = school_model.objects.in_bulk(list(steps))
    return sorted(((schools[pk], what) for pk, what in steps.items() if pk in schools),
                  key=lambda item: item[0].sort_name)


def audit_action_codes(text: str) -> list[str] | None:
    """The action tags whose Vietnamese label contains ``text`` (accents and case ignored: "sua ho so" finds
    "Sửa hồ sơ học sinh"); None when ``text`` looks like a tag or a tag prefix ("people:student")."""
    if ":" in text or any(code.startswith(text) for code in ACTION_LABELS):
        return None
    key = search_key(text)
    return [code for code, label in ACTION_LABELS.items() if key in search_key(label)]


def audit_entry_list(*, user, action: str = "", who: str = "") -> QuerySet:
    """The audit log within the user's scope, newest first; ``action`` a tag prefix or words of its label,
    ``who`` the account (username) of the person who acted."""
    from hocba.core.models import AuditEntry

    qs = restrict(AuditEntry.objects.select_related("actor"), user, "core:audit:view")
    if action:
        codes = audit_action_codes(action)
        qs = qs.filter(action__startswith=action) if codes is None else qs.filter(action__in=codes)
    if who:
        qs = qs.filter(Q(actor_label__iexact=who) | Q(actor__username__iexact=who))
    return qs.order_by("-seq")

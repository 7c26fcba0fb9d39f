"""Who may see, compose and export học bạ records."""

from __future__ import annotations

from django.db.models import Q

from hocba.core.models import Role
from hocba.core.permissions import (
    NOTHING,
    RULES,
    STAFF_ROLES,
    Scope,
    can,
    reaches_class,
    register_scope_filter,
    roles_for,
)

R = Role
RULES.update({
    # The record itself (book, PDF, JSON) carries the whole profile, ethnicity and policy category included:
    # the school board, the homeroom teacher and the family only (SECURITY.md). A subject teacher confirms
    # their rows from their own gradebook and sees the class's record status (``records:class:status``).
    "records:record:view": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER,
                                      R.STUDENT, R.GUARDIAN}),
    "records:class:status": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER,
                                       R.SUBJECT_TEACHER}),
    "records:record:compose": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.HOMEROOM_TEACHER}),
    "records:archive:export": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
})


def _year_record_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    q = NOTHING
    schools = scope.schools_for(roles)
    if schools:
        q |= Q(school_id__in=schools)
    if R.HOMEROOM_TEACHER in roles:
        q |= Q(class_group_id__in=scope.homeroom_class_ids)
    if R.STUDENT in roles:
        q |= Q(student_id__in=scope.own_student_ids)
    if R.GUARDIAN in roles:
        q |= Q(student_id__in=scope.child_student_ids)
    return q


register_scope_filter("records.yearrecord", _year_record_filter)


def offers_record_json(user) -> bool:
    """The book page offers the machine-readable JSON beside the PDF to school staff only: to a family it
    means nothing (they have the PDF, and the family portal; other systems read the record through the API)."""
    return bool(roles_for(user, "records:record:view") & STAFF_ROLES)


def may_view_class_records(user, class_group) -> bool:
    """The school board, the class's homeroom teacher and its subject teachers see the class's record status."""
    return reaches_class(user, "records:class:status", class_group)


def may_open_book(user, student) -> bool:
    """Whoever would see the student's records — the readers of the full profile: the school board, the homeroom
    teacher, the family — opens the student's book (empty while no record is composed); a subject teacher, who
    sees the masked profile, does not. One query."""
    return can(user, "people:student:view_full", student)


def may_open_class_books(user, class_group) -> bool:
    """The class's students' books (the records themselves): the school board and the class's homeroom teacher."""
    return reaches_class(user, "records:record:view", class_group)


def may_compose_class(user, class_group) -> bool:
    """The school board and the class's homeroom teacher compose the class's records."""
    return reaches_class(user, "records:record:compose", class_group)

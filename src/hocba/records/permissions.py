"""Who may see, compose and export học bạ records."""

from __future__ import annotations

from django.db.models import Q

from hocba.core.models import Role
from hocba.core.permissions import NOTHING, RULES, STAFF_ROLES, Scope, register_scope_filter, roles_for, scope_of

R = Role
RULES.update({
    "records:record:view": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER,
                                      R.SUBJECT_TEACHER, R.STUDENT, R.GUARDIAN}),
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
    if R.SUBJECT_TEACHER in roles:
        q |= Q(class_group_id__in=scope.taught_class_ids)
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
    roles = roles_for(user, "records:record:view")
    scope = scope_of(user)
    return (class_group.school_id in scope.schools_for(roles)
            or (R.HOMEROOM_TEACHER in roles and class_group.pk in scope.homeroom_class_ids)
            or (R.SUBJECT_TEACHER in roles and class_group.pk in scope.taught_class_ids))


def may_compose_class(user, class_group) -> bool:
    """The school board and the class's homeroom teacher compose the class's records."""
    roles = roles_for(user, "records:record:compose")
    scope = scope_of(user)
    return (class_group.school_id in scope.schools_for(roles)
            or (R.HOMEROOM_TEACHER in roles and class_group.pk in scope.homeroom_class_ids))

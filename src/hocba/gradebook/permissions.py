"""Who may see and change which gradebook sheet (scoped rules on top of core.permissions)."""

from __future__ import annotations

from hocba.core.models import Role
from hocba.core.permissions import RULES, roles_for, school_in_scope, scope_of

R = Role
RULES.update({
    "gradebook:sheet:view": frozenset({R.SUBJECT_TEACHER, R.HOMEROOM_TEACHER, R.PRINCIPAL, R.DEPUTY_PRINCIPAL,
                                       R.SCHOOL_ADMIN}),
    "gradebook:sheet:edit": frozenset({R.SUBJECT_TEACHER}),
    "gradebook:subject:finalise": frozenset({R.SUBJECT_TEACHER}),
    "gradebook:homeroom:edit": frozenset({R.HOMEROOM_TEACHER}),
    "gradebook:class:close": frozenset({R.HOMEROOM_TEACHER}),
    "gradebook:school:lock": frozenset({R.PRINCIPAL}),
    "gradebook:lock:remove": frozenset({R.PRINCIPAL}),
    "gradebook:closing:run": frozenset({R.PRINCIPAL, R.SCHOOL_ADMIN, R.DEPARTMENT_OFFICER}),
    # Numbers per school, no name or score: the Department, the communes and the school board.
    "gradebook:aggregate:view": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                           R.DEPUTY_PRINCIPAL}),
    # Chuyển lớp trong trường: the school board and the principal, who enrol students (people:student:enrol).
    "gradebook:student:move": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
})


def _school_roles(user, perm: str, school_id: int) -> bool:
    roles = roles_for(user, perm)
    scope = scope_of(user)
    if R.DEPARTMENT_OFFICER in roles and scope.department_ids:
        return True
    return school_id in scope.schools_for(roles)


def may_view_sheet(user, class_group, subject_id: int | None = None) -> bool:
    """Subject teachers their own subject; homeroom the whole class; the school board the school."""
    roles = roles_for(user, "gradebook:sheet:view")
    scope = scope_of(user)
    if R.SUBJECT_TEACHER in roles and subject_id and (class_group.pk, subject_id) in scope.taught:
        return True
    if R.HOMEROOM_TEACHER in roles and class_group.pk in scope.homeroom_class_ids:
        return True
    return class_group.school_id in scope.schools_for(roles)


def may_edit_sheet(user, class_group, subject_id: int) -> bool:
    return R.SUBJECT_TEACHER in roles_for(user, "gradebook:sheet:edit") and \
        (class_group.pk, subject_id) in scope_of(user).taught


def may_edit_homeroom(user, class_group) -> bool:
    return R.HOMEROOM_TEACHER in roles_for(user, "gradebook:homeroom:edit") and \
        class_group.pk in scope_of(user).homeroom_class_ids


def may_view_school_locks(user, school_id: int) -> bool:
    """The school board sees the school's locks page (each class's status; only the principal acts)."""
    return school_id in scope_of(user).schools_for(roles_for(user, "gradebook:sheet:view"))


def may_lock_school(user, school_id: int) -> bool:
    return _school_roles(user, "gradebook:school:lock", school_id)


def may_remove_lock(user, school_id: int) -> bool:
    return _school_roles(user, "gradebook:lock:remove", school_id)


def may_run_closing(user, school_id: int | None) -> bool:
    roles = roles_for(user, "gradebook:closing:run")
    if school_id is None:
        return R.DEPARTMENT_OFFICER in roles and bool(scope_of(user).department_ids)
    return _school_roles(user, "gradebook:closing:run", school_id)


def may_view_aggregates(user, school) -> bool:
    """The school's row of Tổng hợp sổ điểm (the Department, the school's commune, the school board)."""
    return school_in_scope(scope_of(user), roles_for(user, "gradebook:aggregate:view"), school)


def may_move_student(user, school_id: int) -> bool:
    """Move a student of the school to another of its classes (with their gradebook rows): its board, its principal."""
    return school_id in scope_of(user).schools_for(roles_for(user, "gradebook:student:move"))

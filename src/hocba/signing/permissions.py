"""Who may confirm, sign, register certificates and see provisioning progress."""

from __future__ import annotations

from hocba.core.models import Role, RoleAssignment
from hocba.core.permissions import RULES, reaches_class, roles_for, scope_of

R = Role
RULES.update({
    "signing:subject:confirm": frozenset({R.SUBJECT_TEACHER}),
    "signing:record:sign_homeroom": frozenset({R.HOMEROOM_TEACHER}),
    "signing:record:sign_principal": frozenset({R.PRINCIPAL, R.DEPUTY_PRINCIPAL}),
    "signing:record:view": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER,
                                      R.SUBJECT_TEACHER}),
    "signing:certificate:manage": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
    # anyone of the school system may check a signed PDF (officers, the school board, teachers)
    "signing:validate": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                   R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}),
    "signing:certificate:progress": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN,
                                               R.PRINCIPAL}),
})


def may_view_class(user, class_group) -> bool:
    """A class's signing page: the school board, the class's homeroom teacher and its subject teachers."""
    return reaches_class(user, "signing:record:view", class_group)


def may_view_school(user, school_id: int) -> bool:
    """A school's signing page (the principal's batch and its progress): the school board."""
    return school_id in scope_of(user).schools_for(roles_for(user, "signing:record:view"))


def may_choose_approver(user, school) -> bool:
    """Only the school's principal chooses who signs its records' approval (Người ký phê duyệt)."""
    return RoleAssignment.objects.filter(user=user, school=school, role=Role.PRINCIPAL).exists()

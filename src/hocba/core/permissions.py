"""The one authorisation function, deny by default.

A user's *scope* says where each of their roles applies: the whole department, some
communes, some schools, some classes (homeroom), some subject × class pairs (teaching),
their own student record, their children. ``can(user, perm, obj)`` answers for one object;
``restrict(queryset, user, perm)`` filters a query so lists, exports and links can never
reach outside the scope. Permissions are named ``<app>:<resource>:<action>``; a permission
not in :data:`RULES` is denied to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from hocba.core.models import Role

R = Role

#: permission → the roles that may hold it (each within its own scope).
RULES: dict[str, frozenset[Role]] = {
    "org:school:view": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                  R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}),
    "org:class:view": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                 R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}),
    "people:student:view": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                      R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER, R.STUDENT,
                                      R.GUARDIAN}),
    # Full profile: personal ID, birth place, residence, ethnicity, guardians.
    "people:student:view_full": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER,
                                           R.STUDENT, R.GUARDIAN}),
    "people:student:change": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
    "people:student:enrol": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
    "people:teacher:view": frozenset({R.DEPARTMENT_OFFICER, R.COMMUNE_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL,
                                      R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}),
    "people:teacher:view_full": frozenset({R.DEPARTMENT_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL}),
    "people:teacher:change": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
    "people:teacher:account": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),  # logins of the school's teachers
    "core:audit:view": frozenset({R.DEPARTMENT_OFFICER, R.SCHOOL_ADMIN, R.PRINCIPAL}),
}

STAFF_ROLES = frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL, R.DEPUTY_PRINCIPAL, R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER})


@dataclass(frozen=True)
class Scope:
    """Where each of a user's roles applies (ids only; computed once per request)."""

    user_id: int | None = None
    department_ids: frozenset[int] = frozenset()
    commune_ids: frozenset[int] = frozenset()
    admin_school_ids: frozenset[int] = frozenset()
    principal_school_ids: frozenset[int] = frozenset()
    deputy_school_ids: frozenset[int] = frozenset()
    homeroom_class_ids: frozenset[int] = frozenset()
    taught: frozenset[tuple[int, int]] = frozenset()  # (class_id, subject_id)
    teacher_school_ids: frozenset[int] = frozenset()
    own_student_ids: frozenset[int] = frozenset()
    child_student_ids: frozenset[int] = frozenset()
    teacher_id: int | None = None
    roles: frozenset[Role] = field(default=frozenset())

    @property
    def taught_class_ids(self) -> frozenset[int]:
        return frozenset(c for c, _ in self.taught)

    def schools_for(self, roles: frozenset[Role]) -> frozenset[int]:
        ids: set[int] = set()
        if R.SCHOOL_ADMIN in roles:
            ids |= self.admin_school_ids
        if R.PRINCIPAL in roles:
            ids |= self.principal_school_ids
        if R.DEPUTY_PRINCIPAL in roles:
            ids |= self.deputy_school_ids
        return frozenset(ids)


EMPTY_SCOPE = Scope()


def scope_of(user) -> Scope:
    """Compute (and cache on the user object) the user's scope."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_hocba_scope", None)
    if cached is not None:
        return cached
    from hocba.core.models import RoleAssignment
    from hocba.org.models import ClassGroup, TeachingAssignment
    from hocba.people.models import Guardianship

    roles: set[Role] = set()
    by_role: dict[str, set[int]] = {r: set() for r in ("dep", "com", "adm", "pri", "dpt")}
    for ra in RoleAssignment.objects.filter(user=user).values("role", "department_id", "commune_id", "school_id"):
        role = Role(ra["role"])
        roles.add(role)
        key = {R.DEPARTMENT_OFFICER: "dep", R.COMMUNE_OFFICER: "com", R.SCHOOL_ADMIN: "adm", R.PRINCIPAL: "pri",
               R.DEPUTY_PRINCIPAL: "dpt"}[role]
        by_role[key].add(ra["department_id"] or ra["commune_id"] or ra["school_id"])
    teacher_id = None
    homeroom: frozenset[int] = frozenset()
    taught: frozenset[tuple[int, int]] = frozenset()
    teacher_schools: frozenset[int] = frozenset()
    teacher = getattr(user, "teacher", None) if hasattr(user, "teacher") else None
    if teacher is not None:
        teacher_id = teacher.pk
        homeroom = frozenset(ClassGroup.objects.filter(homeroom_teacher_id=teacher.pk, school_year__is_current=True)
                             .values_list("id", flat=True))
        taught = frozenset(TeachingAssignment.objects.filter(teacher_id=teacher.pk,
                                                              class_group__school_year__is_current=True)
                           .values_list("class_group_id", "subject_id"))
        teacher_schools = frozenset({teacher.school_id})
        if homeroom:
            roles.add(R.HOMEROOM_TEACHER)
        if taught:
            roles.add(R.SUBJECT_TEACHER)
    own: frozenset[int] = frozenset()
    student = getattr(user, "student", None) if hasattr(user, "student") else None
    if student is not None:
        own = frozenset({student.pk})
        roles.add(R.STUDENT)
    children: frozenset[int] = frozenset()
    guardian = getattr(user, "guardian", None) if hasattr(user, "guardian") else None
    if guardian is not None:
        children = frozenset(Guardianship.objects.filter(guardian=guardian).values_list("student_id", flat=True))
        roles.add(R.GUARDIAN)
    scope = Scope(
        user_id=user.pk,
        department_ids=frozenset(by_role["dep"]),
        commune_ids=frozenset(by_role["com"]),
        admin_school_ids=frozenset(by_role["adm"]),
        principal_school_ids=frozenset(by_role["pri"]),
        deputy_school_ids=frozenset(by_role["dpt"]),
        homeroom_class_ids=homeroom,
        taught=taught,
        teacher_school_ids=teacher_schools,
        own_student_ids=own,
        child_student_ids=children,
        teacher_id=teacher_id,
        roles=frozenset(roles),
    )
    user._hocba_scope = scope
    return scope


def roles_for(user, perm: str) -> frozenset[Role]:
    """The user's roles that grant ``perm`` (empty: denied)."""
    allowed = RULES.get(perm)
    if not allowed:
        return frozenset()
    return scope_of(user).roles & allowed


def has_any(user, perm: str) -> bool:
    """May the user use ``perm`` on at least something (for menus and list pages)?"""
    return bool(roles_for(user, perm))


# --- scope filters per model ------------------------------------------------------------

NOTHING = Q(pk__in=[])


def _school_q(scope: Scope, roles: frozenset[Role], school_field: str, commune_field: str,
              level_field: str) -> Q:
    q = NOTHING
    if R.DEPARTMENT_OFFICER in roles and scope.department_ids:
        q |= Q(**{f"{school_field}department_id__in": scope.department_ids})
    if R.COMMUNE_OFFICER in roles and scope.commune_ids:
        q |= Q(**{f"{commune_field}__in": scope.commune_ids, f"{level_field}__in": ["THCS", "MULTI"]})
    schools = scope.schools_for(roles)
    if schools:
        q |= Q(**{f"{school_field}id__in": schools})
    return q


def school_in_scope(scope: Scope, roles: frozenset[Role], school) -> bool:
    """:func:`_school_q` for one School already loaded, without a query (for links on its page)."""
    if R.DEPARTMENT_OFFICER in roles and school.department_id in scope.department_ids:
        return True
    if R.COMMUNE_OFFICER in roles and school.commune_id in scope.commune_ids and school.level in ("THCS", "MULTI"):
        return True
    return school.pk in scope.schools_for(roles)


def reaches_class(user, perm: str, class_group) -> bool:
    """May ``user`` do ``perm`` on this class, from their scope alone (no query): as the school board of its
    school, as its homeroom teacher or as one of its subject teachers — each only where ``perm``'s rule lists
    that role."""
    roles = roles_for(user, perm)
    scope = scope_of(user)
    return (class_group.school_id in scope.schools_for(roles)
            or (R.HOMEROOM_TEACHER in roles and class_group.pk in scope.homeroom_class_ids)
            or (R.SUBJECT_TEACHER in roles and class_group.pk in scope.taught_class_ids))


def _school_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    q = _school_q(scope, roles, "", "commune_id", "level")
    if roles & {R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}:
        q |= Q(id__in=scope.teacher_school_ids)
    return q


def _class_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    q = _school_q(scope, roles, "school__", "school__commune_id", "school__level")
    if R.HOMEROOM_TEACHER in roles:
        q |= Q(id__in=scope.homeroom_class_ids)
    if R.SUBJECT_TEACHER in roles:
        q |= Q(id__in=scope.taught_class_ids)
    return q


# Enrolments through which a school (its board, its teachers, its commune, the Department) sees a student: those
# of the current school year, and a transfer out only while the student is not yet enrolled elsewhere (the school
# that let the student go can still enrol them in another class, or answer for them until the new school takes
# them). Once another school has the student (or, a year on, the next level does), the profile it keeps —
# address, guardians — is no longer shown to the former school, nor writable by it; the former school keeps the
# học bạ of its years (records are scoped by YearRecord, not by enrolment).
_CURRENT = "enrolments__class_group__school_year__is_current"


def _live_enrolment() -> Q:
    from django.db.models import Exists, OuterRef

    from hocba.people.models import ACTIVE_STATUSES, Enrolment, EnrolmentStatus

    enrolled_now = Exists(Enrolment.objects.filter(student_id=OuterRef("pk"), status__in=ACTIVE_STATUSES,
                                                   class_group__school_year__is_current=True))
    return (Q(**{_CURRENT: True}, enrolments__status__in=(*ACTIVE_STATUSES, EnrolmentStatus.DROPPED_OUT))
            | (Q(**{_CURRENT: True}, enrolments__status=EnrolmentStatus.TRANSFERRED_OUT) & ~enrolled_now))


def _student_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    prefix = "enrolments__class_group__"
    q = _school_q(scope, roles, f"{prefix}school__", f"{prefix}school__commune_id", f"{prefix}school__level")
    if R.HOMEROOM_TEACHER in roles:
        q |= Q(enrolments__class_group_id__in=scope.homeroom_class_ids)
    if R.SUBJECT_TEACHER in roles:
        q |= Q(enrolments__class_group_id__in=scope.taught_class_ids)
    q &= _live_enrolment()
    if R.STUDENT in roles:
        q |= Q(id__in=scope.own_student_ids)
    if R.GUARDIAN in roles:
        q |= Q(id__in=scope.child_student_ids)
    return q


def _teacher_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    q = _school_q(scope, roles, "school__", "school__commune_id", "school__level")
    if roles & {R.HOMEROOM_TEACHER, R.SUBJECT_TEACHER}:
        q |= Q(school_id__in=scope.teacher_school_ids)
    return q


def _audit_filter(scope: Scope, roles: frozenset[Role]) -> Q:
    if R.DEPARTMENT_OFFICER in roles:
        return Q()
    schools = scope.schools_for(roles)
    return Q(school_id__in=schools) if schools else NOTHING


JOINS_TO_MANY = {"people.student"}

SCOPE_FILTERS = {
    "org.school": _school_filter,
    "org.classgroup": _class_filter,
    "people.student": _student_filter,
    "people.teacher": _teacher_filter,
    "core.auditentry": _audit_filter,
}


def register_scope_filter(model_label: str, func) -> None:
    """Apps that add models (gradebook, records…) register how their rows map to scopes."""
    SCOPE_FILTERS[model_label.lower()] = func


def restrict(queryset: QuerySet, user, perm: str) -> QuerySet:
    """Filter ``queryset`` to what ``user`` may ``perm``; nothing when denied."""
    roles = roles_for(user, perm)
    if not roles:
        return queryset.none()
    label = queryset.model._meta.label_lower
    func = SCOPE_FILTERS.get(label)
    if func is None:
        return queryset.none()
    q = func(scope_of(user), roles)
    filtered = queryset.filter(q)
    if label in JOINS_TO_MANY:  # a join through enrolments may repeat rows
        filtered = filtered.distinct()
    return filtered


def can(user, perm: str, obj: Model | None = None) -> bool:
    """May ``user`` do ``perm`` (to ``obj``, when given)? The one question every view asks."""
    if not roles_for(user, perm):
        return False
    if obj is None:
        return True
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, perm).exists()

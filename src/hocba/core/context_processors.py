"""Navigation entries shown to the signed-in user, by what they may do."""

from __future__ import annotations

from django.urls import reverse

from hocba.core.permissions import has_any, scope_of

#: (label, url name, permission) — a menu entry appears when the user holds the permission somewhere.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Trường học", "org:school_list", "org:school:view"),
    ("Lớp học", "org:class_list", "org:class:view"),
    ("Học sinh", "people:student_list", "people:student:view"),
    ("Giáo viên", "people:teacher_list", "people:teacher:view"),
    ("Nhật ký", "core:audit_list", "core:audit:view"),
]


def register_nav(label: str, url_name: str, perm: str) -> None:
    NAV_ITEMS.append((label, url_name, perm))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(label, reverse(name)) for label, name, perm in NAV_ITEMS if has_any(user, perm)]
    scope = scope_of(user)
    return {"nav_items": items, "user_roles": sorted(r.label for r in scope.roles)}

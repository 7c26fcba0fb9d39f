"""Home page per role, log in/out, the audit log page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from hocba.core.access import paginate, public, requires, signed_in
from hocba.core.audit_labels import ACTION_LABELS, audit_entry_view, full_profile_schools, gradebook_schools
from hocba.core.models import AuditEntry, Role
from hocba.core.permissions import restrict, scope_of
from hocba.core.selectors import home_summary


@signed_in
def home(request):
    scope = scope_of(request.user)
    return render(request, "core/home.html", {"summary": home_summary(user=request.user), "scope": scope,
                                              "Role": Role})


@requires("core:audit:view")
def audit_list(request):
    qs = restrict(AuditEntry.objects.all(), request.user, "core:audit:view").order_by("-seq")
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = paginate(request, qs)
    full, gradebooks = full_profile_schools(request.user), gradebook_schools(request.user)
    return render(request, "core/audit_list.html", {
        "page": page, "rows": [(e, audit_entry_view(e, hide_personal=e.school_id not in full,
                                                    hide_scores=e.school_id not in gradebooks)) for e in page],
        "action": action,
        "known_actions": sorted(ACTION_LABELS.items())})


login_view = public(auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True))
logout_view = public(auth_views.LogoutView.as_view())

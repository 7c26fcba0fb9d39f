"""Home page per role, log in/out, the audit log page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from hocba.core.access import paginate, public, requires, signed_in
from hocba.core.audit_labels import ACTION_LABELS, audit_entry_view, full_profile_schools, gradebook_schools
from hocba.core.models import Role
from hocba.core.permissions import scope_of
from hocba.core.selectors import audit_entry_list, home_summary


@signed_in
def home(request):
    scope = scope_of(request.user)
    return render(request, "core/home.html", {"summary": home_summary(user=request.user), "scope": scope,
                                              "Role": Role})


@requires("core:audit:view")
def audit_list(request):
    action = request.GET.get("action", "").strip()
    who = request.GET.get("who", "").strip()
    page = paginate(request, audit_entry_list(user=request.user, action=action, who=who))
    full, gradebooks = full_profile_schools(request.user), gradebook_schools(request.user)
    return render(request, "core/audit_list.html", {
        "page": page, "rows": [(e, audit_entry_view(e, hide_personal=e.school_id not in full,
                                                    hide_scores=e.school_id not in gradebooks)) for e in page],
        "action": action, "who": who,
        "known_actions": sorted(ACTION_LABELS.items())})


login_view = public(auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True))
logout_view = public(auth_views.LogoutView.as_view())

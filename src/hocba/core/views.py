"""Home page per role, log in/out, the audit log page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from hocba.core import throttle
from hocba.core.access import paginate, public, requires, signed_in
from hocba.core.audit_labels import ACTION_LABELS, audit_entry_view, full_profile_schools, gradebook_schools
from hocba.core.links import page_link_list
from hocba.core.models import Role
from hocba.core.permissions import scope_of
from hocba.core.selectors import audit_entry_list, home_summary


@signed_in
def home(request):
    scope = scope_of(request.user)
    waiting = page_link_list(user=request.user, kind="home", obj=request.user)  # what later apps wait on the user for
    return render(request, "core/home.html", {"summary": home_summary(user=request.user), "scope": scope,
                                              "Role": Role, "waiting": waiting})


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


class LoginView(auth_views.LoginView):
    """Django's login form, refusing every attempt once the account or the address failed too often
    (:mod:`hocba.core.throttle`)."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if throttle.login_blocked(request, request.POST.get("username", "")):
            form = self.get_form_class()(request)  # unbound: the password is not even checked
            return self.render_to_response(self.get_context_data(form=form, throttled=throttle.minutes_left()),
                                           status=429)
        return super().post(request, *args, **kwargs)  # the backend counts a wrong password


login_view = public(LoginView.as_view())
logout_view = public(auth_views.LogoutView.as_view())

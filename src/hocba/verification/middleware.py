"""The sign-in gate, on every request rather than on the portal's pages only.

An account still holding the initial password the school handed out (a family's or a teacher's,
:class:`hocba.core.models.InitialPassword`), or a family account whose e-mailed login code is on and not yet
entered in this session, reaches nothing but the pages that finish signing in. This is the only place the
gate is held, for the portal's pages as for the rest: the same account also opens the học bạ
(``records:record:view``), the full profile (``people:student:view_full``) and the API by the same session, and a
gate on the portal's pages alone let a stolen password skip the code by asking for those pages instead.

What is left to do is read on every request of a family member's session (student or guardian, or any account
with a family account row): the same account may turn the e-mailed code on from another device meanwhile, and a
session opened before must then be asked for it too. Everyone else (staff), once their password is their own,
is known to have nothing more to do, kept in the session (:data:`GATE_SESSION_KEY`), so that their pages pay no
query for it; logging in forgets it.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from hocba.core import accounts
from hocba.core.models import Role
from hocba.core.permissions import scope_of
from hocba.verification import family

GATE_SESSION_KEY = "hocba_family_gate"
GATE_MESSAGES = {
    "password": "Tài khoản cần đặt mật khẩu mới (thay mật khẩu nhà trường cấp) trên trang web trước khi dùng hệ thống.",
    "otp": "Tài khoản cần nhập mã xác nhận gửi qua thư điện tử trên trang web trước khi dùng hệ thống.",
}


@cache
def _step_urls() -> dict[str, str]:
    return {"password": reverse("verification:password"), "otp": reverse("verification:otp")}


@cache
def _open_paths() -> frozenset[str]:
    """Where an account in the middle of signing in may go: the steps themselves, logging in and out."""
    return frozenset({*_step_urls().values(), reverse("core:login"), reverse("core:logout")})


def gate_forget(request) -> None:
    """A step was done (or a new login began): read what is left on the next request."""
    request.session.pop(GATE_SESSION_KEY, None)


@receiver(user_logged_in, dispatch_uid="hocba.verification.gate_forget")
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        gate_forget(request)


#: The value of :data:`GATE_SESSION_KEY` for a session of someone with no family account nor family role.
NO_GATE = "none"


def _step(request, user) -> str:
    """"password", "otp" or "" (nothing to do). Read anew on each request of a family member: only a staff
    session, once known to have no gate, is spared the queries."""
    if request.session.get(GATE_SESSION_KEY) == NO_GATE:
        return ""
    account = family.family_account_of(user)
    # The e-mailed code first: a password the school issued again (a holder who forgot theirs) must not let
    # whoever holds that sheet set a password past the family's code.
    step = family.gate_step(account=account, session=request.session)
    if step:
        return step
    if accounts.must_set_password(user):
        return "password"
    if account is None and not scope_of(user).roles & {Role.STUDENT, Role.GUARDIAN}:
        request.session[GATE_SESSION_KEY] = NO_GATE
    return ""


class FamilyGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and request.path not in _open_paths()
                and not request.path.startswith(settings.STATIC_URL)):
            step = _step(request, user)
            if step:
                if request.path.startswith("/api/"):
                    return JsonResponse({"message": GATE_MESSAGES[step]}, status=403)
                return redirect(f"{_step_urls()[step]}?next={request.path}")
        return self.get_response(request)

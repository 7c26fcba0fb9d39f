"""View decorators that tie every page to a permission (or mark it public).

The URL-walk test reads ``view.required_perm`` / ``view.public`` from every route and
fails on a route that has neither, so a new page cannot ship without an access rule.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import render

from hocba.core.errors import PermissionDeniedError
from hocba.core.permissions import has_any


def forbidden(request, message: str = "Bạn không có quyền truy cập trang này."):
    return render(request, "core/forbidden.html", {"message": message}, status=403)


def requires(perm: str):
    """Signed-in users holding ``perm`` somewhere may enter; objects are checked by selectors."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_any(request.user, perm):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except PermissionDeniedError as exc:
                return forbidden(request, exc.message)

        wrapper.required_perm = perm
        return wrapper

    return decorate


def signed_in(view):
    """Any signed-in user (the page itself shows only what the user's scope allows)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)

    wrapper.required_perm = "signed_in"
    return wrapper


def public(view):
    view.public = True
    return view


def paginate(request, queryset, per_page: int = 50):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))

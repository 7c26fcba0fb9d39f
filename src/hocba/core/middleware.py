"""Request id for the audit log, and the Content-Security-Policy header."""

from __future__ import annotations

from django.conf import settings

from hocba.core.context import new_request_id, request_id_var, source_var


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = new_request_id()
        request.request_id = rid
        t1 = request_id_var.set(rid)
        t2 = source_var.set("api" if request.path.startswith("/api/") else "web")
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(t1)
            source_var.reset(t2)
        response["X-Request-ID"] = rid
        return response


class ContentSecurityPolicyMiddleware:
    """Strict CSP for our pages; the API docs page loads its own assets and gets none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/docs") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.HOCBA_CSP
        return response

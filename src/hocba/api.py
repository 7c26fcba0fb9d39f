"""The HTTP API: one NinjaAPI, each app adds its router here (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI

from hocba.core.api_auth import ApiTokenAuth, SessionAuthCsrf
from hocba.core.errors import DomainError, PermissionDeniedError, StaleWriteError

api = NinjaAPI(
    title="hocba API",
    version="1",
    description="API của hệ thống Học bạ số. Xác thực bằng token (Authorization: Bearer …) "
    "cho hệ thống khác, hoặc phiên đăng nhập cho trang web.",
    auth=[ApiTokenAuth(), SessionAuthCsrf()],
    urls_namespace="api",
)

api.add_router("/", "hocba.org.api.router")
api.add_router("/", "hocba.people.api.router")
api.add_router("/", "hocba.verification.api.router")


@api.exception_handler(PermissionDeniedError)
def _denied(request, exc: PermissionDeniedError):
    return api.create_response(request, {"message": exc.message}, status=403)


@api.exception_handler(StaleWriteError)
def _stale(request, exc: StaleWriteError):
    return api.create_response(request, exc.as_dict(), status=409)


@api.exception_handler(DomainError)
def _domain(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=422)

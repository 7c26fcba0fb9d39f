"""The HTTP API: one NinjaAPI, each app adds its router here (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

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


# Errors raised by django-ninja itself (wrong type, missing field, bad JSON, no login) answer in the same
# shape and language as ours: {"message": …, "errors": {field: [messages]}}, never pydantic's English.
HTTP_MESSAGES = {
    400: "Không đọc được nội dung yêu cầu (cần JSON hợp lệ).",
    401: "Chưa xác thực: cần token (Authorization: Bearer …) hoặc phiên đăng nhập.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    429: "Quá nhiều yêu cầu; hãy thử lại sau ít phút.",
}
CSRF_MESSAGE = "Thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang rồi thử lại."
_LOCATIONS = {"body", "payload", "query", "path", "header", "cookie", "form", "file"}


def _validation_message(error: dict) -> str:
    """One pydantic error in Vietnamese (by its ``type``; the limit from ``ctx`` where there is one)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "Bắt buộc nhập."
    if kind.startswith("int_"):
        return "Phải là số nguyên."
    if kind.startswith(("float_", "decimal_")):
        return "Phải là một số."
    if kind.startswith("string_too_long"):
        return f"Dài quá {ctx.get('max_length')} ký tự."
    if kind.startswith("string_"):
        return "Phải là chuỗi ký tự."
    if kind.startswith(("date_", "datetime_")):
        return "Phải là ngày dạng yyyy-mm-dd, ví dụ 2025-09-05."
    if kind.startswith("bool_"):
        return "Phải là true hoặc false."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        return f"Phải {sign} {limit}."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "Phải là một đối tượng JSON."
    if kind == "list_type":
        return "Phải là một danh sách."
    return "Giá trị không hợp lệ."


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        path = [str(p) for p in error.get("loc", ()) if str(p) not in _LOCATIONS]
        errors.setdefault(".".join(path) or "(nội dung)", []).append(_validation_message(error))
    return api.create_response(request, {"message": "Dữ liệu gửi lên chưa hợp lệ.", "errors": errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc, AuthenticationError):
        message = HTTP_MESSAGES[401]
    elif exc.status_code == 403 and "CSRF" in exc.message:
        message = CSRF_MESSAGE
    else:
        message = HTTP_MESSAGES.get(exc.status_code, exc.message)
    return api.create_response(request, {"message": message}, status=exc.status_code)

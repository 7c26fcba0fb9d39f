"""Verification API for admissions offices and employers (no login; rate-limited per client IP)."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from hocba.verification import ratelimit, services
from hocba.verification.models import AccessKind

router = Router(tags=["Xác thực học bạ"])


class CheckOut(Schema):
    key: str
    name: str
    ok: bool | None
    text: str


class SignatureOut(Schema):
    role: str
    role_label: str
    signer: str
    signed_at: str
    signed_at_local: str
    valid: bool


class VerifyOut(Schema):
    """The answer: one verdict, then each check; minimal data only (no personal ID, address, guardians)."""

    verdict: str
    level: str
    genuine: bool
    current: bool
    final: bool
    school: str
    school_year: str
    class_name: str
    student_name: str
    birth_year: str
    conduct: str
    learning: str
    version_number: int | None
    checks: list[CheckOut]
    signatures: list[SignatureOut]
    notes: list[str]


class MessageOut(Schema):
    message: str


def _limited():
    return Status(429, {"message": ratelimit.RATE_LIMITED_MESSAGE})


@router.post("/verify/pdf", auth=None, url_name="api_verify_pdf",
             response={200: VerifyOut, 400: MessageOut, 413: MessageOut, 415: MessageOut, 429: MessageOut},
             summary="Xác thực tệp PDF học bạ")
def verify_pdf(request, file: UploadedFile = File(...)):  # noqa: B008
    """Tệp PDF học bạ (trường multipart ``file``, tối đa 10 MB): so khớp với kho học bạ và kiểm tra chữ ký số."""
    if not ratelimit.allow(request, "upload"):
        return _limited()
    if file.size > services.MAX_UPLOAD_BYTES:
        return Status(413, {"message": f"Tệp quá lớn (tối đa {services.MAX_UPLOAD_BYTES // (1024 * 1024)} MB)."})
    try:
        verdict = services.verify_pdf(data=file.read(), kind=AccessKind.API)
    except services.UploadRefused as exc:
        return Status(exc.status, {"message": exc.message})
    return Status(200, verdict.public_dict())


# Declared after /verify/pdf so that POST /verify/pdf is not taken for a code.
@router.get("/verify/{code}", auth=None, url_name="api_verify_code",
            response={200: VerifyOut, 404: VerifyOut, 429: MessageOut},
            summary="Xác thực học bạ bằng mã xác thực")
def verify_code(request, code: str):
    """Mã xác thực 16 ký tự in trên học bạ (có hoặc không có dấu gạch). Mã không tồn tại và mã sai định dạng
    nhận cùng một câu trả lời 404."""
    if not ratelimit.allow(request):
        return _limited()
    verdict = services.verify_code(text=code, kind=AccessKind.API)
    # Serialised directly (the same shape as VerifyOut, documented above): the hot path skips re-validation.
    return JsonResponse(verdict.public_dict(), status=200 if verdict.found else 404,
                        json_dumps_params={"ensure_ascii": False})

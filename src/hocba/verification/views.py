"""Pages: public verification (by code, QR, uploaded PDF), share links, the family portal, family accounts."""

from __future__ import annotations

import io
from collections import Counter

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from hocba.core import accounts as login_accounts
from hocba.core.access import forbidden, public, requires, signed_in
from hocba.records import archive
from hocba.records.document.codes import format_verification_code, normalise_verification_code
from hocba.verification import family, ratelimit, services
from hocba.verification.middleware import gate_forget
from hocba.verification.models import AccessKind, ShareLink

OTP_SESSION_KEY = family.OTP_SESSION_KEY
OTP_SETUP_SESSION_KEY = "hocba_otp_setup_email"  # the address a setup code was mailed to, until confirmed


def _limited(request):
    return render(request, "verification/limited.html", {"message": ratelimit.RATE_LIMITED_MESSAGE}, status=429)


# --- public verification ----------------------------------------------------------------------

@public
def verify_home(request):
    """The form: type the code, or upload the PDF."""
    typed = request.GET.get("ma", "")
    if typed:
        code = normalise_verification_code(typed)
        if code:
            return redirect("verification:verify_code", code=code)
        if not ratelimit.allow(request):
            return _limited(request)
        return render(request, "verification/verify.html", {"verdict": services.unknown_verdict(), "typed": typed},
                      status=404)
    return render(request, "verification/verify.html", {})


@public
def verify_code(request, code: str):
    """The page the QR code opens: the verdict for one code."""
    if not ratelimit.allow(request):
        return _limited(request)
    verdict = services.verify_code(text=code, kind=AccessKind.PUBLIC_CODE)
    shown = normalise_verification_code(code)
    return render(request, "verification/verify.html",
                  {"verdict": verdict, "code": format_verification_code(shown) if shown and verdict.found else "",
                   # a mistyped code stays in the box, to correct one character rather than type all 16 again
                   "typed": "" if verdict.found else format_verification_code(shown) if shown else code[:80]},
                  status=200 if verdict.found else 404)


@public
@require_POST
def verify_upload(request):
    """Check an uploaded PDF against the archive and validate its signatures."""
    if not ratelimit.allow(request, "upload"):
        return _limited(request)
    error, verdict, status = _upload_verdict(request, AccessKind.PUBLIC_FILE)
    return render(request, "verification/verify.html", {"verdict": verdict, "upload_error": error,
                                                        "uploaded": True}, status=status)


def _upload_verdict(request, kind: str):
    """(error message, verdict, HTTP status) for the ``file`` of a multipart request."""
    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_UPLOAD_BYTES + 64 * 1024
    upload = None if too_big else request.FILES.get("file")
    if too_big or (upload is not None and upload.size > services.MAX_UPLOAD_BYTES):
        return f"Tệp quá lớn (tối đa {services.MAX_UPLOAD_BYTES // (1024 * 1024)} MB).", None, 413
    if upload is None:
        return "Hãy chọn tệp PDF học bạ để kiểm tra.", None, 400
    try:
        return "", services.verify_pdf(data=upload.read(), kind=kind), 200
    except services.UploadRefused as exc:
        return exc.message, None, exc.status


@public
def share_public(request, token: str):
    """A share link opened by a third party: the same minimal facts, for one record."""
    if not ratelimit.allow(request):
        return _limited(request)
    verdict = services.verify_share(token=token)
    if verdict is None:
        return render(request, "verification/share_gone.html", {}, status=404)
    return render(request, "verification/verify.html", {"verdict": verdict, "shared": True})


# --- the family portal ---------------------------------------------------------------------------

@requires("verification:family:portal")
def family_home(request):
    records = family.family_records(user=request.user)
    now = timezone.now()
    rows = []
    for record in records:
        versions = list(record.versions.all())
        status = {}
        for v in versions:
            if v.signed_pdf_sha256:
                summary = services.archived_summary(v.signed_pdf_sha256)
                status[v.pk] = {s["field"]: s["ok"] for s in summary.get("signatures", [])}
        events = list(record.access_events.all())
        rows.append({"record": record, "versions": [(v, format_verification_code(v.verification_code),
                                                     [(s, status.get(v.pk, {}).get(s.field_name))
                                                      for s in v.signatures.all()]) for v in versions],
                     "corrections": [c for v in versions if (c := family.version_corrections(version=v))],
                     "links": [(link, share_url(link),
                                link.revoked_at is None and link.expires_at > now and link.maker_reaches)
                               for link in record.share_links.all()],
                     "events": events[:20], "event_total": len(events),
                     "event_counts": [(_lower_first(kind), n) for kind, n in
                                      Counter(e.get_kind_display() for e in events).most_common()]})
    return render(request, "verification/family.html", {
        "rows": rows, "students": family.family_students(user=request.user),
        "new_link": request.session.pop("hocba_new_share", None)})


def _lower_first(text: str) -> str:
    """"Kiểm tra tệp PDF tải lên" → "kiểm tra tệp PDF tải lên" (in a sentence; keeps "PDF", "API")."""
    return text[:1].lower() + text[1:]


@requires("verification:family:portal")
def family_download(request, version_id: int):
    version = family.family_version_get(user=request.user, version_id=version_id)
    if version is None or not version.signed_pdf_sha256:  # a draft not yet signed is not the family's copy
        raise Http404("Không tìm thấy học bạ đã ký số.")
    data = archive.archive_get(version.signed_pdf_sha256)
    services.access_log(version=version, kind=AccessKind.FAMILY, what=f"Tải tệp PDF phiên bản {version.number}")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="hocba-{version.verification_code}-v{version.number}.pdf"'
    return response


class ShareForm(forms.Form):
    days = forms.IntegerField(label="Số ngày hiệu lực", min_value=1, max_value=services.SHARE_MAX_DAYS, initial=14)
    note = forms.CharField(label="Gửi cho (ghi chú)", max_length=120, required=False)


@require_POST
@requires("verification:family:portal")
def share_create(request, record_id: int):
    record = family.family_record_get(user=request.user, record_id=record_id)
    if record is None:
        raise Http404("Không tìm thấy học bạ.")
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Số ngày hiệu lực phải từ 1 đến {services.SHARE_MAX_DAYS}.")
        return redirect("verification:family")
    link = services.share_link_create(year_record=record, by=request.user, days=form.cleaned_data["days"],
                                      note=form.cleaned_data["note"])
    request.session["hocba_new_share"] = link.pk
    messages.success(request, "Đã tạo liên kết chia sẻ. Gửi liên kết hoặc mã QR cho người cần xem.")
    return redirect("verification:family")


def _own_link(request, link_id: int) -> ShareLink:
    link = ShareLink.objects.select_related("year_record").filter(pk=link_id).first()
    if link is None or family.family_record_get(user=request.user, record_id=link.year_record_id) is None:
        raise Http404("Không tìm thấy liên kết.")
    return link


@require_POST
@requires("verification:family:portal")
def share_revoke(request, link_id: int):
    services.share_link_revoke(link=_own_link(request, link_id), by=request.user)
    messages.success(request, "Đã thu hồi liên kết chia sẻ; liên kết không còn mở được.")
    return redirect("verification:family")


def share_url(link: ShareLink) -> str:
    return settings.HOCBA_PUBLIC_URL + reverse("verification:share_public", kwargs={"token": link.token})


@requires("verification:family:portal")
def share_qr(request, link_id: int):
    """The share link as a QR code (SVG image)."""
    link = _own_link(request, link_id)
    buffer = io.BytesIO()
    segno.make(share_url(link), error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


class OtpForm(forms.Form):
    code = forms.CharField(label="Mã xác nhận (6 chữ số)", max_length=6)


def _next(request, *, family: bool = True) -> str:
    """Where to go once a sign-in step is done: the page asked for, else the family's page (or the home page)."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    password_pages = {reverse("verification:password"), reverse("verification:password_family")}
    if target.startswith("/") and not target.startswith("//") and target.split("?")[0] not in password_pages:
        return target  # (not the password page itself: done, it would show the form again, asking the new one)
    return reverse("verification:family" if family else "core:home")


@signed_in
def password_change(request):
    """Đặt/đổi mật khẩu, for every account: at first login (the school's initial password, a family's or a
    teacher's) the holder sets their own; later changes ask for the current password.

    A family account with the e-mailed code on is asked for the code first, so a phone left signed in (or a
    stolen password alone) cannot take the account away from the family.
    """
    account = family.family_account_of(request.user)
    first = login_accounts.must_set_password(request.user)
    if account is not None and account.email_otp and not request.session.get(OTP_SESSION_KEY):
        return redirect(f"{reverse('verification:otp')}?next={request.path}")
    form = (SetPasswordForm if first else PasswordChangeForm)(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_accounts.password_set(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        gate_forget(request)
        messages.success(request, "Đã đặt mật khẩu mới." if first else "Đã đổi mật khẩu.")
        return redirect(_next(request, family=account is not None))
    return render(request, "verification/password.html", {
        "form": form, "first": first, "next": _next(request, family=account is not None), "family": account})


@signed_in
def otp_verify(request):
    """The optional second step: a 6-digit code sent by e-mail."""
    form = OtpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and family.otp_check(user=request.user, code=form.cleaned_data["code"]):
            request.session[OTP_SESSION_KEY] = True
            gate_forget(request)
            return redirect(_next(request))
        if family.otp_pending(user=request.user):
            # A wrong guess does not mail a new code: each new code would bring fresh guesses.
            messages.error(request, "Mã xác nhận không đúng. Hãy xem lại mã trong thư mới nhất rồi nhập lại.")
        else:
            _login_code_send(request, again=True)
    elif not request.session.get("hocba_otp_sent"):
        request.session["hocba_otp_sent"] = True
        _login_code_send(request)
    return render(request, "verification/otp.html", {"form": OtpForm(), "next": _next(request)})


def _login_code_send(request, *, again: bool = False) -> None:
    """Mail a login code (``again``: the previous one expired or ran out of guesses), saying why when it is not."""
    if not request.user.email:
        messages.error(request, "Tài khoản chưa có địa chỉ thư điện tử; hãy liên hệ nhà trường.")
        return
    try:
        sent = family.otp_send(user=request.user)
    except family.TooManyCodes:
        messages.error(request, f"Đã gửi {family.OTP_LOGIN_MAILS_PER_HOUR} mã xác nhận trong một giờ; hãy thử lại "
                                "sau. Nếu bạn không đăng nhập, hãy báo nhà trường để đổi mật khẩu.")
        return
    if not sent:
        messages.error(request, "Chưa gửi được thư chứa mã xác nhận; hãy thử lại sau ít phút.")
    elif again:
        messages.error(request, "Mã xác nhận không đúng hoặc đã hết hạn. Đã gửi mã mới.")


class SecurityForm(forms.Form):
    email_otp = forms.BooleanField(label="Mỗi lần đăng nhập, gửi thêm một mã xác nhận tới thư điện tử của tôi",
                                   required=False)
    email = forms.EmailField(label="Địa chỉ thư điện tử nhận mã", required=False, max_length=254,
                             error_messages={"invalid": "Địa chỉ thư điện tử không hợp lệ. Hãy nhập đủ dạng "
                                                        "ten@tenmien, ví dụ nguyenvana@gmail.com."})

    def clean(self):
        data = super().clean()
        if data.get("email_otp") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Hãy nhập địa chỉ thư điện tử để nhận mã xác nhận.")
        return data


@requires("verification:family:portal")
def security(request):
    """Turn the e-mailed login code on (after proving the address with a code sent there) or off."""
    account = family.family_account_of(request.user)
    enabled = bool(account and account.email_otp)
    pending = request.session.get(OTP_SETUP_SESSION_KEY, "")
    form = SecurityForm(initial={"email_otp": enabled or bool(pending), "email": pending or request.user.email})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "confirm" and pending:
            code_form = OtpForm(request.POST)
            if code_form.is_valid() and family.email_otp_setup_confirm(
                    user=request.user, email=pending, code=code_form.cleaned_data["code"]):
                del request.session[OTP_SETUP_SESSION_KEY]
                request.session[OTP_SESSION_KEY] = True
                messages.success(request, f"Đã bật mã xác nhận: từ lần đăng nhập sau, mã sẽ được gửi tới {pending}.")
            else:
                messages.error(request, "Mã xác nhận không đúng hoặc đã hết hạn. Hãy xem lại thư, "
                                        "hoặc bấm “Gửi lại mã”.")
            return redirect("verification:security")
        if action == "resend" and pending:
            _setup_code_send(request, pending)
            return redirect("verification:security")
        if action == "cancel":
            request.session.pop(OTP_SETUP_SESSION_KEY, None)
            messages.success(request, "Đã huỷ; cài đặt bảo mật không thay đổi.")
            return redirect("verification:security")
        form = SecurityForm(request.POST)
        if form.is_valid():
            request.session.pop(OTP_SETUP_SESSION_KEY, None)
            email = get_user_model().objects.normalize_email(form.cleaned_data["email"])
            if not form.cleaned_data["email_otp"]:
                if enabled:
                    family.email_otp_set(user=request.user, enabled=False)
                messages.success(request, "Đã lưu: đăng nhập chỉ cần tên đăng nhập và mật khẩu, không gửi mã "
                                          "xác nhận.")
            elif enabled and email == request.user.email:
                messages.success(request, f"Đã lưu: mã xác nhận vẫn được gửi tới {email}.")
            else:
                _setup_code_send(request, email)
            return redirect("verification:security")
    return render(request, "verification/security.html", {
        "form": form, "enabled": enabled, "pending": pending, "code_form": OtpForm()})


def _setup_code_send(request, email: str) -> None:
    try:
        sent = family.email_otp_setup_start(user=request.user, email=email)
    except family.TooManyCodes:
        messages.error(request, f"Đã gửi {family.OTP_SETUP_MAILS_PER_HOUR} mã trong một giờ; hãy thử lại sau. "
                                "Cài đặt bảo mật chưa thay đổi.")
        return
    if sent:
        request.session[OTP_SETUP_SESSION_KEY] = email
        messages.success(request, f"Đã gửi một mã gồm 6 chữ số tới {email}. Nhập mã đó dưới đây để bật "
                                  "mã xác nhận khi đăng nhập.")
    else:
        messages.error(request, f"Chưa gửi được thư tới {email}. Hãy kiểm tra lại địa chỉ hoặc thử lại sau "
                                "ít phút; cài đặt bảo mật chưa thay đổi.")


# --- family accounts (school admin) ------------------------------------------------------------

@requires("verification:account:create")
def accounts(request):
    return render(request, "verification/accounts.html", {"rows": family.account_class_list(user=request.user)})


@require_POST
@requires("verification:account:create")
def accounts_create(request, class_id: int):
    class_group = family.account_classes(user=request.user).filter(pk=class_id).first()
    if class_group is None:
        return forbidden(request)
    created = family.family_accounts_create(class_group=class_group, by=request.user)
    response = render(request, "verification/accounts_created.html", {
        "class_group": class_group, "created": created,
        "login_url": settings.HOCBA_PUBLIC_URL + reverse("core:login")})
    response["Cache-Control"] = "private, no-store"  # the initial passwords: no browser or proxy keeps them
    return response

"""Xác thực học bạ: who looked at a record, share links, family accounts and cached validations.

A *share link* (liên kết chia sẻ) lets a family show one year record to a third party (an
admissions office, an employer) until it expires or is revoked. Every look at a record — by code,
by uploaded file, by share link, by API client, by staff or by the family — is an
:class:`AccessEvent` the family sees on their portal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    PUBLIC_CODE = "code", _("Tra cứu công khai bằng mã xác thực")
    PUBLIC_FILE = "file", _("Kiểm tra tệp PDF tải lên")
    SHARE_LINK = "share", _("Mở liên kết chia sẻ")
    API = "api", _("Hệ thống khác qua API")
    STAFF = "staff", _("Cán bộ nhà trường")
    FAMILY = "family", _("Gia đình / học sinh")


class AccessEvent(models.Model):
    """One view or verification of a year record (kept for the family's access log)."""

    year_record = models.ForeignKey("records.YearRecord", on_delete=models.CASCADE, related_name="access_events")
    version = models.ForeignKey("records.RecordVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    kind = models.CharField(_("loại bên xem"), max_length=8, choices=AccessKind.choices)
    what = models.CharField(_("nội dung"), max_length=200)
    at = models.DateTimeField(_("thời điểm"), db_index=True)

    class Meta:
        verbose_name = _("lượt xem học bạ")
        verbose_name_plural = _("lượt xem học bạ")
        ordering = ["-at"]
        indexes = [models.Index(fields=["year_record", "-at"], name="access_event_record_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.what} ({self.at:%d/%m/%Y %H:%M})"


class ShareLink(models.Model):
    """A time-limited, revocable link to one year record's verification facts (token ≥ 128 bits)."""

    year_record = models.ForeignKey("records.YearRecord", on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    note = models.CharField(_("ghi chú (gửi cho ai)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("liên kết chia sẻ")
        verbose_name_plural = _("liên kết chia sẻ")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.year_record} — đến {self.expires_at:%d/%m/%Y}"


class FamilyAccount(models.Model):
    """Login settings of a student's or guardian's account (created by the school); its initial password, until
    the family replaces it, is a :class:`hocba.core.models.InitialPassword`."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_account")
    email_otp = models.BooleanField(_("mã xác nhận qua thư điện tử"), default=False)
    otp_hash = models.CharField(max_length=64, blank=True)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tài khoản gia đình")
        verbose_name_plural = _("tài khoản gia đình")
        ordering = ["user_id"]

    def __str__(self) -> str:
        return str(self.user)


class ValidationResult(models.Model):
    """The validation summary of one signed PDF, by its SHA-256 (a signed file never changes)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    summary = models.JSONField()
    validated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("kết quả kiểm tra chữ ký")
        verbose_name_plural = _("kết quả kiểm tra chữ ký")
        ordering = ["-validated_at"]

    def __str__(self) -> str:
        return self.sha256[:12]

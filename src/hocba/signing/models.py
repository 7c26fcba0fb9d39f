"""Ký số: certificates of staff and schools, trust roots, and the signatures of each record version.

Signing order of a year record version (Circular 22 form, digital equivalent): every subject
teacher confirms their subject rows (:class:`SubjectConfirmation`, bound to the version's JSON
hash), then the homeroom teacher signs, then the principal (or an authorised deputy, "KT. HIỆU
TRƯỞNG") approves and signs, then the school's organisation certificate seals (the record is complete then).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hocba.core.models import BackgroundRun


class BackendKind(models.TextChoices):
    PKCS12 = "pkcs12", _("Tệp PKCS#12 (thử nghiệm, demo)")
    PKCS11 = "pkcs11", _("USB token / HSM (PKCS#11)")
    REMOTE = "remote", _("Ký số từ xa (SmartCA, MySign…)")


class TrustRoot(models.Model):
    """An accepted root CA (the national root and the government-service root in production)."""

    name = models.CharField(_("tên"), max_length=200)
    pem = models.TextField()
    sha256 = models.CharField(max_length=64, unique=True)
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = _("chứng thư gốc tin cậy")
        verbose_name_plural = _("chứng thư gốc tin cậy")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """An X.509 certificate registered for a staff member or a school (the school seal)."""

    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="certificates")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="certificates")
    is_seal = models.BooleanField(_("chứng thư của tổ chức (con dấu)"), default=False)
    subject = models.CharField(_("chủ thể"), max_length=400)
    issuer = models.CharField(_("tổ chức cấp"), max_length=400)
    serial = models.CharField(_("số hiệu"), max_length=80)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    key_usage = models.CharField(_("mục đích sử dụng khoá"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    pem = models.TextField()
    backend = models.CharField(_("phương thức ký"), max_length=10, choices=BackendKind.choices)
    backend_ref = models.JSONField(_("tham chiếu khoá"), default=dict, blank=True)  # never a private key
    revoked = models.BooleanField(_("đã thu hồi"), default=False)
    registered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        ordering = ["school", "-not_after"]
        constraints = [
            models.CheckConstraint(name="certificate_owner",
                                   condition=models.Q(is_seal=True, teacher__isnull=True)
                                   | models.Q(is_seal=False, teacher__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"


class SignRole(models.TextChoices):
    HOMEROOM = "homeroom", _("Giáo viên chủ nhiệm")
    PRINCIPAL = "principal", _("Hiệu trưởng")
    SEAL = "seal", _("Con dấu nhà trường")


SIGN_ORDER = (SignRole.HOMEROOM, SignRole.PRINCIPAL, SignRole.SEAL)


class SubjectConfirmation(models.Model):
    """A subject teacher confirms their subject rows of a version (audited, bound to its hash).

    ``carried_from`` is set when a correction's new version kept the confirmation of a row that did
    not change (the teacher confirmed exactly these values on the earlier version; ``signing.carry``).
    """

    version = models.ForeignKey("records.RecordVersion", on_delete=models.PROTECT, related_name="confirmations")
    subject_name = models.CharField(max_length=120)
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="+")
    json_sha256 = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField()
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("giữ từ xác nhận"))

    class Meta:
        verbose_name = _("xác nhận của giáo viên bộ môn")
        verbose_name_plural = _("xác nhận của giáo viên bộ môn")
        ordering = ["version", "subject_name"]
        constraints = [models.UniqueConstraint(fields=["version", "subject_name"], name="confirmation_unique")]

    def __str__(self) -> str:
        return f"{self.subject_name} — {self.teacher}"


class Signature(models.Model):
    """One PAdES signature added to a version's PDF (an incremental update)."""

    version = models.ForeignKey("records.RecordVersion", on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=10, choices=SignRole.choices)
    signer_name = models.CharField(max_length=150)
    role_label = models.CharField(max_length=100)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="signatures")
    signed_at = models.DateTimeField()
    pdf_sha256 = models.CharField(max_length=64)  # the PDF after this signature
    field_name = models.CharField(max_length=60)

    class Meta:
        verbose_name = _("chữ ký số")
        verbose_name_plural = _("chữ ký số")
        ordering = ["version", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["version", "role"], name="one_signature_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.signer_name}"


class SigningBatch(BackgroundRun):
    """Batch signing of a class (homeroom teacher) or a school (principal), with live progress.

    ``done`` counts the records signed, ``failed`` those reported and skipped.
    """

    running_label = _("Đang ký")

    role = models.CharField(max_length=10, choices=SignRole.choices)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey("org.ClassGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    signer = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+")
    #: the PIN/passphrase, Fernet-encrypted with a key derived from SECRET_KEY, for the background task
    #: only; wiped when the batch ends (see hocba.signing.batch).
    secret_token = models.TextField(blank=True, default="")

    class Meta(BackgroundRun.Meta):
        verbose_name = _("lượt ký hàng loạt")
        verbose_name_plural = _("lượt ký hàng loạt")

    @property
    def processed(self) -> int:
        return self.done + self.failed

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.school} ({self.status_label()})"

"""Học bạ: the student's official record book.

A book spans grades 6–9 (THCS) or 10–12 (THPT), whatever schools the student attends. Each
school year adds a :class:`YearRecord` — its own document (identity page + that year's pages),
composed, versioned and signed on its own, so a later year never disturbs an earlier year's
signatures. A :class:`RecordVersion` is immutable once signing starts; a correction produces a new
version (with its correction list) and the old one stays, marked superseded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentField(models.JSONField):
    """A JSON field that a bulk insert sends as one parameter per row.

    On PostgreSQL Django's ``bulk_create`` sends each column of the rows as one array (``UNNEST``), and
    psycopg writes an array of JSON documents by escaping every quote of every document in Python: for
    a class's học bạ documents (~5 KB each) that cost about 1 ms a record. A field with its own
    placeholder makes Django use a plain multi-row ``VALUES`` insert instead.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class RecordStatus(models.TextChoices):
    COMPOSED = "composed", _("Đã lập, chờ ký")
    SIGNING = "signing", _("Đang ký")
    SEALED = "sealed", _("Đã ký đủ")
    SUPERSEDED = "superseded", _("Đã được thay thế")


class ArchiveObject(models.Model):
    """A stored file, addressed by the SHA-256 of its bytes (PDFs, canonical JSON)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tệp lưu trữ")
        verbose_name_plural = _("tệp lưu trữ")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.content_type}, {self.size} B)"


class YearRecord(models.Model):
    """One school year of one student's học bạ (at one school; the book is the ordered set)."""

    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="year_records")
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="year_records")
    level = models.CharField(_("cấp học"), max_length=4)  # THCS | THPT
    grade = models.PositiveSmallIntegerField(_("khối"))
    current_version = models.ForeignKey("RecordVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        verbose_name = _("học bạ năm học")
        verbose_name_plural = _("học bạ năm học")
        ordering = ["student", "grade"]
        constraints = [models.UniqueConstraint(fields=["student", "school_year", "level"], name="year_record_unique")]

    def __str__(self) -> str:
        return f"{self.student} — lớp {self.grade} ({self.school_year})"


class RecordVersion(models.Model):
    """An immutable version of a year record: canonical JSON + rendered PDF, both in the archive."""

    year_record = models.ForeignKey(YearRecord, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=RecordStatus.choices,
                              default=RecordStatus.COMPOSED)
    document = DocumentField(_("nội dung chuẩn"))
    json_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)  # the unsigned rendering
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)  # the latest signed revision
    verification_code = models.CharField(_("mã xác thực"), max_length=16, unique=True)
    signature_boxes = models.JSONField(default=dict, blank=True)  # role → [page, x1, y1, x2, y2] in PDF points
    corrections = models.JSONField(_("danh sách sửa chữa"), default=list, blank=True)
    #: Người ký phê duyệt: the teacher the document prints under the approval box (the principal, or the deputy
    #: they authorised), so that only that person signs it, whatever their name or a namesake's; null for
    #: versions composed before it was kept (they are matched by the printed name) or printing nobody.
    approval_signer = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("người ký phê duyệt"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản học bạ")
        verbose_name_plural = _("phiên bản học bạ")
        ordering = ["year_record", "number"]
        constraints = [models.UniqueConstraint(fields=["year_record", "number"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"{self.year_record} v{self.number} ({self.get_status_display()})"

    @property
    def is_current(self) -> bool:
        return self.year_record.current_version_id == self.pk

    @property
    def code_shown(self) -> str:
        """The verification code as the PDF prints it and the verification page asks for it (XXXX-XXXX-…)."""
        from hocba.records.document.codes import format_verification_code

        return format_verification_code(self.verification_code)


class CompositionFailure(models.Model):
    """Why a student's record could not be composed (shown on the class page until fixed)."""

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey("people.Student", on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField()
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("lỗi lập học bạ")
        verbose_name_plural = _("lỗi lập học bạ")
        ordering = ["class_group", "student"]
        constraints = [models.UniqueConstraint(fields=["class_group", "student"], name="composition_failure_unique")]

    def __str__(self) -> str:
        return f"{self.student_id}: {'; '.join(self.reasons)}"

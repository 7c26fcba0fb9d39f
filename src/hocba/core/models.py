"""Kernel models: the hash-chained audit log, role assignments on scopes, API tokens, initial passwords."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles a user can hold; some are assigned (RoleAssignment), some derived from data."""

    DEPARTMENT_OFFICER = "department_officer", _("Cán bộ Sở GDĐT")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ xã/phường")
    SCHOOL_ADMIN = "school_admin", _("Ban quản lý học bạ nhà trường")
    PRINCIPAL = "principal", _("Hiệu trưởng")
    DEPUTY_PRINCIPAL = "deputy_principal", _("Phó hiệu trưởng (được ủy quyền)")
    HOMEROOM_TEACHER = "homeroom_teacher", _("Giáo viên chủ nhiệm")
    SUBJECT_TEACHER = "subject_teacher", _("Giáo viên bộ môn")
    STUDENT = "student", _("Học sinh")
    GUARDIAN = "guardian", _("Cha mẹ/người giám hộ")


ASSIGNABLE_ROLES = (Role.DEPARTMENT_OFFICER, Role.COMMUNE_OFFICER, Role.SCHOOL_ADMIN, Role.PRINCIPAL,
                    Role.DEPUTY_PRINCIPAL)


class RoleAssignment(models.Model):
    """A role held on a scope: the department, a commune/ward, or a school.

    Homeroom and subject-teacher roles are not stored here: they follow from classes and
    teaching assignments. Student and guardian roles follow from the user's link to people.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("vai trò"), max_length=32, choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES])
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.CASCADE)
    commune = models.ForeignKey("org.Commune", null=True, blank=True, on_delete=models.CASCADE)
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches",
                condition=(
                    models.Q(role="department_officer", department__isnull=False, commune__isnull=True,
                             school__isnull=True)
                    | models.Q(role="commune_officer", commune__isnull=False, department__isnull=True,
                               school__isnull=True)
                    | models.Q(role__in=["school_admin", "principal", "deputy_principal"], school__isnull=False,
                               department__isnull=True, commune__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        scope = self.school or self.commune or self.department
        return f"{self.user} — {self.get_role_display()} ({scope})"


class InitialPassword(models.Model):
    """A password the school handed out (mật khẩu ban đầu) that its holder has not yet replaced.

    Written when the school creates an account (a family's, a teacher's) or issues a new password for one;
    deleted when the holder sets their own. Until then the account reaches nothing but the page that sets it
    (the sign-in gate, ``verification.middleware``): whoever carried the printed sheet cannot keep using it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="initial_password")
    issued_at = models.DateTimeField(_("ngày cấp"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("người cấp"))

    class Meta:
        verbose_name = _("mật khẩu ban đầu")
        verbose_name_plural = _("mật khẩu ban đầu")

    def __str__(self) -> str:
        return f"{self.user_id} — {self.issued_at:%d/%m/%Y}"


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log.

    ``hash`` = SHA-256 over the previous entry's hash and this entry's canonical content, so
    removing or editing any entry breaks every later link (``hocba audit-verify``).
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_constraint=False)
    actor_label = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=64, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=64)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    source = models.CharField(_("nguồn"), max_length=16, default="system")
    request_id = models.CharField(max_length=36, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):  # append-only invariant, not logic
        if not self._state.adding:
            raise PermissionError("Nhật ký kiểm toán chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Nhật ký kiểm toán không được xoá.")


class AuditHead(models.Model):
    """Single row holding the chain's last hash; locked while appending so links never fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("đầu chuỗi kiểm toán")

    def __str__(self) -> str:
        return self.last_hash


class ApiToken(models.Model):
    """Bearer token for another system; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "hb_" + secrets.token_urlsafe(32)


class BackgroundRun(models.Model):
    """Work that runs in the background with a progress bar (tổng kết, ký hàng loạt …).

    Who started it and when, how many items there are, how many are done and failed, and the
    Vietnamese messages about the failures; ``progress()`` is what the pages poll (JSON).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    messages = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status not in self.ACTIVE

    @property
    def processed(self) -> int:
        """Items handled so far (a subclass whose ``done`` counts successes only adds ``failed``)."""
        return self.done

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed / self.total))

    #: What the page calls a running piece of work of this kind ("Đang ký" for signing), if not "Đang chạy".
    running_label: str | None = None

    def status_label(self) -> str:
        if self.status == self.Status.RUNNING and self.running_label:
            return str(self.running_label)
        return str(self.get_status_display())  # type: ignore[attr-defined]

    def progress(self, *, messages: int = 50) -> dict:
        """What a progress bar shows: status, counts, percentage and the first ``messages`` messages."""
        return {"id": self.pk, "status": self.status, "status_label": self.status_label(), "total": self.total,
                "done": self.done, "failed": self.failed, "percent": self.percent, "finished": self.finished,
                "messages": self.messages[:messages], "more_messages": max(0, len(self.messages) - messages)}

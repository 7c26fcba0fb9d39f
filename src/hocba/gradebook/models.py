"""Sổ điểm điện tử (the e-gradebook).

One :class:`SubjectTermScore` row holds one student's assessments in one subject for one
term: the regular assessments (ĐĐGtx, a list), mid-term (ĐĐGgk), end-of-term (ĐĐGck) and the
subject teacher's comment. Values are canonical strings: ``"8.5"`` for scores (one decimal,
exact), ``"Đ"``/``"CĐ"`` for comment-assessed subjects. Every change of a cell is kept in
:class:`ScoreChange` (who, when, old, new, from where). Concurrent edits are detected per
cell: a write carries the value its author last saw and is refused if the cell has changed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocba.core.models import BackgroundRun
from hocba.gradebook.fields import JSONTextField

TERM_CHOICES = [(1, "Học kì I"), (2, "Học kì II")]
CONDUCT_LEVELS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]


class Source(models.TextChoices):
    GRID = "grid", _("Sổ điểm trên web")
    IMPORT = "import", _("Nhập từ Excel")
    API = "api", _("API")
    SYSTEM = "system", _("Hệ thống")


class SubjectTermScore(models.Model):
    """Điểm/mức đánh giá of one student, one subject, one term."""

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="scores")
    subject = models.ForeignKey("org.Subject", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="scores")
    term = models.PositiveSmallIntegerField(_("học kì"), choices=TERM_CHOICES)
    tx = models.JSONField(_("ĐĐGtx"), default=list)  # list of canonical strings or None
    gk = models.CharField(_("ĐĐGgk"), max_length=4, null=True, blank=True)
    ck = models.CharField(_("ĐĐGck"), max_length=4, null=True, blank=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("điểm học kì")
        verbose_name_plural = _("điểm học kì")
        ordering = ["class_group", "subject", "term", "student"]
        constraints = [
            models.UniqueConstraint(fields=["class_group", "subject", "term", "student"], name="score_row_unique"),
        ]
        indexes = [models.Index(fields=["student", "term"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.subject_id}/HK{self.term}"

    def cell(self, field: str) -> str | None:
        """Value of a cell by name: ``tx1``…``tx4``, ``gk``, ``ck``, ``comment``."""
        if field.startswith("tx"):
            i = int(field[2:]) - 1
            return self.tx[i] if i < len(self.tx) else None
        value = getattr(self, field)
        return value if value != "" else None


class ScoreChange(models.Model):
    """History of one cell: who changed it, when, old → new, from where."""

    row = models.ForeignKey(SubjectTermScore, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("ô"), max_length=10)
    old = models.TextField(_("giá trị cũ"), null=True, blank=True)
    new = models.TextField(_("giá trị mới"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    # An import's changes carry the id of the exported file they came from, so that importing the same file
    # again (after more work in it) does not take its own earlier changes for someone else's.
    file_id = models.CharField(_("mã tệp xuất"), max_length=32, blank=True, default="")
    # What happened to the cell other than a new value, in the words the history panel shows it: a student moved
    # to another class brings the cell along (old = new), "Chuyển từ lớp 9A1 sang lớp 9A2: <lý do>".
    note = models.CharField(_("ghi chú"), max_length=400, blank=True, default="")

    class Meta:
        verbose_name = _("lịch sử sửa điểm")
        verbose_name_plural = _("lịch sử sửa điểm")
        ordering = ["row", "field", "-at", "-id"]
        indexes = [models.Index(fields=["row", "field"])]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class HomeroomTermEntry(models.Model):
    """The homeroom teacher's (GVCN) entry per student and term: conduct, comment, absences."""

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="homeroom_entries")
    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(_("học kì"), choices=TERM_CHOICES)
    conduct = models.CharField(_("kết quả rèn luyện"), max_length=10, blank=True,
                               choices=[(v, v) for v in CONDUCT_LEVELS])
    comment = models.TextField(_("nhận xét của GVCN"), blank=True)
    absent_excused = models.PositiveSmallIntegerField(_("nghỉ có phép"), default=0)
    absent_unexcused = models.PositiveSmallIntegerField(_("nghỉ không phép"), default=0)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("đánh giá của GVCN")
        verbose_name_plural = _("đánh giá của GVCN")
        ordering = ["class_group", "term", "student"]
        constraints = [models.UniqueConstraint(fields=["class_group", "student", "term"], name="homeroom_unique")]

    def __str__(self) -> str:
        return f"{self.student_id}/HK{self.term}: {self.conduct}"


class YearEntry(models.Model):
    """Year-level facts of a student in a class: summer re-assessment, the học bạ's free-text lines."""

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="year_entries")
    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="+")
    summer_conduct = models.CharField(_("rèn luyện sau hè"), max_length=10, blank=True,
                                      choices=[(v, v) for v in CONDUCT_LEVELS])
    retests = models.JSONField(_("kết quả kiểm tra lại"), default=dict, blank=True)  # subject code → value
    homeroom_comment = models.TextField(_("nhận xét cả năm của GVCN"), blank=True)
    certificates = models.TextField(_("chứng chỉ"), blank=True)
    competitions = models.TextField(_("kết quả các cuộc thi"), blank=True)
    other_awards = models.TextField(_("khen thưởng khác"), blank=True)
    version = models.PositiveIntegerField(default=0)
    # When the homeroom teacher last changed these facts: a học bạ composed before then no longer shows them.
    updated_at = models.DateTimeField(_("sửa lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông tin cả năm")
        verbose_name_plural = _("thông tin cả năm")
        ordering = ["class_group", "student"]
        constraints = [models.UniqueConstraint(fields=["class_group", "student"], name="year_entry_unique")]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.class_group_id}"


class Exemption(models.Model):
    """Miễn học: a student exempted from a subject for the year (takes no part in results)."""

    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="exemptions")
    subject = models.ForeignKey("org.Subject", on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do và căn cứ"), max_length=300)

    class Meta:
        verbose_name = _("miễn học")
        verbose_name_plural = _("miễn học")
        ordering = ["school_year", "student"]
        constraints = [models.UniqueConstraint(fields=["student", "subject", "school_year"], name="exemption_unique")]

    def __str__(self) -> str:
        return f"{self.student} miễn {self.subject}"


class LockLevel(models.TextChoices):
    SUBJECT = "subject", _("Giáo viên bộ môn chốt điểm môn")
    CLASS = "class", _("GVCN khoá sổ lớp")
    SCHOOL = "school", _("Hiệu trưởng khoá sổ trường")


class GradebookLock(models.Model):
    """A lock on a term: a subject of a class, a whole class, or a whole school."""

    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(choices=TERM_CHOICES)
    level = models.CharField(max_length=10, choices=LockLevel.choices)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey("org.ClassGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="locks")
    subject = models.ForeignKey("org.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=80, unique=True, editable=False)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("khoá sổ")
        verbose_name_plural = _("khoá sổ")
        ordering = ["school_year", "term", "level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} HK{self.term}"

    @staticmethod
    def make_key(*, year_id: int, term: int, school_id: int, class_id: int | None, subject_id: int | None) -> str:
        return f"{year_id}:{term}:{school_id}:{class_id or '*'}:{subject_id or '*'}"


class EditGrant(models.Model):
    """Mở khoá sửa sau hạn: the principal allows edits after the data-entry deadline, with a reason."""

    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey("org.ClassGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    subject = models.ForeignKey("org.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do"), max_length=300)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cho phép sửa sau hạn")
        verbose_name_plural = _("cho phép sửa sau hạn")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.class_group_id}/{self.subject_id} đến {self.expires_at:%d/%m/%Y}"


class Period(models.TextChoices):
    HK1 = "hk1", _("Học kì I")
    HK2 = "hk2", _("Học kì II")
    YEAR = "year", _("Cả năm")


class StudentResult(models.Model):
    """Snapshot of a closing: the engine's inputs and outputs (with its explanation) for one student.

    Written in bulk by every closing (the city's year close replaces 300,000 of them at once), always
    from the enrolments it has just read in the same transaction. The links to class and student are
    therefore kept by the program — Django still refuses to delete a class or a student that has
    snapshots (``PROTECT``) — and not re-checked by the database row by row: those two checks cost
    PostgreSQL a third of its work on the table (each locks the referenced row). The class is found
    through the unique (class, student, period) index, so it needs no index of its own.
    """

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="results",
                                    db_constraint=False, db_index=False)
    student = models.ForeignKey("people.Student", on_delete=models.PROTECT, related_name="results",
                                db_constraint=False)
    period = models.CharField(max_length=4, choices=Period.choices)
    inputs = JSONTextField()  # what the engine was given (its JSON contract)
    outputs = JSONTextField()  # what it answered, with the explanation sentences
    learning = models.CharField(_("kết quả học tập"), max_length=10, blank=True)
    conduct = models.CharField(_("kết quả rèn luyện"), max_length=10, blank=True)
    outcome = models.CharField(_("kết quả lên lớp"), max_length=32, blank=True)
    error = models.TextField(blank=True)
    engine = models.CharField(max_length=32)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("kết quả tổng kết")
        verbose_name_plural = _("kết quả tổng kết")
        ordering = ["class_group", "period", "student"]
        constraints = [models.UniqueConstraint(fields=["class_group", "student", "period"], name="result_unique")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.period}: {self.learning}/{self.conduct}"


class ResultCount(models.Model):
    """How many students of a class got each combination of results in a closing (no name, no score).

    Written by the closing with its snapshots, in the same transaction, so that the Department's and
    the communes' numbers per school (``gradebook.aggregates``) read thousands of these small rows
    instead of the city's 300,000 snapshots (~3 KB each). ``failed`` counts the students the engine
    refused (their level fields are empty).
    """

    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=4, choices=Period.choices)
    learning = models.CharField(max_length=10, blank=True)
    conduct = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    failed = models.BooleanField(default=False)
    students = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("số học sinh theo kết quả")
        verbose_name_plural = _("số học sinh theo kết quả")
        indexes = [models.Index(fields=["class_group", "period"], name="result_count_class_period")]

    def __str__(self) -> str:
        return f"{self.class_group_id} {self.period}: {self.learning}/{self.conduct}/{self.outcome} × {self.students}"


#: How long a queued or running closing may go without progress before it no longer blocks a new one.
#: A running closing writes its progress after every unit of at most ``closing.BATCH_CLASSES`` (60)
#: classes, about 2,500 students: seconds at the measured ~1,800 students a second, a few minutes on a
#: badly loaded server. A queued one is picked up by the task worker within seconds when the worker runs.
#: Fifteen minutes without progress therefore means the process is gone (killed, server restarted, worker
#: down), while a principal whose closing died is not locked out for longer than a coffee break.
CLOSING_STALE_AFTER = dt.timedelta(minutes=15)


class ClosingRunQuerySet(models.QuerySet):
    def _active(self) -> ClosingRunQuerySet:
        return self.filter(status__in=ClosingRun.ACTIVE).alias(heartbeat=Coalesce("progress_at", "created_at"))

    def blocking(self) -> ClosingRunQuerySet:
        """Queued or running and still moving: a new closing of the same scope must wait for these."""
        return self._active().filter(heartbeat__gte=timezone.now() - CLOSING_STALE_AFTER)

    def stale(self) -> ClosingRunQuerySet:
        """Queued or running on paper, but without progress for ``CLOSING_STALE_AFTER``: their process is gone."""
        return self._active().filter(heartbeat__lt=timezone.now() - CLOSING_STALE_AFTER)


class ClosingRun(BackgroundRun):
    """A background closing of a term or the year for a school or the whole city, with progress.

    ``done`` counts every student closed, ``failed`` those of them the engine refused. The heartbeat is
    ``progress_at`` (set when the run starts and after every batch), or ``created_at`` while it waits in the
    queue; a queued or running run whose heartbeat is older than :data:`CLOSING_STALE_AFTER` is stale
    (``ClosingRun.objects.stale()``) and no longer blocks a new closing of its scope
    (``ClosingRun.objects.blocking()``): the next start marks it failed. A run so marked whose process was in
    fact alive stops at its next unit of classes and stays failed (progress and the end are written only
    while the run is ``running``): of its work only the unit in hand can overlap the next run of its scope.
    """

    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=4, choices=Period.choices)
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    progress_at = models.DateTimeField(_("tiến triển gần nhất"), null=True, blank=True)

    objects = ClosingRunQuerySet.as_manager()

    class Meta(BackgroundRun.Meta):
        verbose_name = _("lượt tổng kết")
        verbose_name_plural = _("lượt tổng kết")

    @property
    def is_stale(self) -> bool:
        heartbeat = self.progress_at or self.created_at
        return not self.finished and heartbeat < timezone.now() - CLOSING_STALE_AFTER

    def status_label(self) -> str:
        if self.status == self.Status.DONE and self.failed:
            return f"Hoàn thành, {self.failed} học sinh lỗi"
        return super().status_label()

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.school or 'toàn thành phố'} — {self.get_status_display()}"

"""The school system as data.

Sở GDĐT (Department of Education) oversees xã/phường (communes/wards, which since the
2025 two-level local government reform oversee THCS schools) and schools. Each school
year has two học kì (terms) and its own deadlines; the subject catalogue follows the
2018 general-education programme (CT GDPT 2018) and is versioned by school year.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hocba.core.text import search_key, sort_key


class Department(models.Model):
    """Sở Giáo dục và Đào tạo: the city/province education department running the system."""

    code = models.CharField(_("mã"), max_length=16, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    province = models.CharField(_("tỉnh/thành phố"), max_length=100)

    class Meta:
        verbose_name = _("Sở GDĐT")
        verbose_name_plural = _("Sở GDĐT")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """Xã/phường/đặc khu: local government unit overseeing THCS schools since 2025."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="communes")
    code = models.CharField(_("mã"), max_length=16, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    sort_name = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        verbose_name = _("xã/phường")
        verbose_name_plural = _("xã/phường")
        ordering = ["sort_name"]

    def __str__(self) -> str:
        return self.name


class SchoolLevel(models.TextChoices):
    THCS = "THCS", _("Trung học cơ sở")
    THPT = "THPT", _("Trung học phổ thông")
    MULTI = "MULTI", _("Nhiều cấp học")


LEVEL_GRADES = {SchoolLevel.THCS: range(6, 10), SchoolLevel.THPT: range(10, 13), SchoolLevel.MULTI: range(6, 13)}


class School(models.Model):
    """A lower- or upper-secondary (or multi-level) school."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="schools")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="schools")
    code = models.CharField(_("mã trường"), max_length=16, unique=True)
    name = models.CharField(_("tên trường"), max_length=200)
    level = models.CharField(_("cấp học"), max_length=8, choices=SchoolLevel.choices)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)
    sort_name = models.CharField(max_length=400, editable=False, db_index=True)
    #: Người ký phê duyệt học bạ: empty for the principal; a deputy the principal authorised (ủy quyền) signs
    #: "KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG". Chosen before composing: a record prints its approver's title and
    #: name, and only that person may sign the approval (see ``signing.workflow.signer_for``).
    approval_signer = models.ForeignKey("people.Teacher", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("người ký phê duyệt học bạ"))

    class Meta:
        verbose_name = _("trường")
        verbose_name_plural = _("trường")
        ordering = ["sort_name"]

    def __str__(self) -> str:
        return self.name

    def grades(self) -> range:
        return LEVEL_GRADES[SchoolLevel(self.level)]

    def fill_keys(self) -> None:
        self.search_name = search_key(self.name)
        self.sort_name = sort_key(self.name)


class SchoolYear(models.Model):
    """Năm học, e.g. 2025-2026; the rules engine and the subject catalogue are chosen by year."""

    name = models.CharField(_("năm học"), max_length=9, unique=True)
    start_date = models.DateField(_("ngày bắt đầu"))
    end_date = models.DateField(_("ngày kết thúc"))
    is_current = models.BooleanField(_("năm học hiện tại"), default=False)

    class Meta:
        verbose_name = _("năm học")
        verbose_name_plural = _("năm học")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(name="year_dates_ordered", condition=models.Q(end_date__gt=models.F("start_date"))),
            models.UniqueConstraint(name="one_current_year", fields=["is_current"],
                                    condition=models.Q(is_current=True)),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """Học kì: term I or II of a school year."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("học kì"), choices=[(1, "Học kì I"), (2, "Học kì II")])
    start_date = models.DateField(_("ngày bắt đầu"))
    end_date = models.DateField(_("ngày kết thúc"))

    class Meta:
        verbose_name = _("học kì")
        verbose_name_plural = _("học kì")
        ordering = ["school_year", "number"]
        constraints = [models.UniqueConstraint(fields=["school_year", "number"], name="term_unique")]

    def __str__(self) -> str:
        return f"{self.get_number_display()} {self.school_year}"


class DeadlineKind(models.TextChoices):
    DATA_ENTRY = "data_entry", _("Hoàn thành nhập dữ liệu")
    SIGNING = "signing", _("Hoàn thành ký số học bạ")
    CERTIFICATES = "certificates", _("Cấp chứng thư số cho toàn bộ cán bộ, giáo viên")


class Deadline(models.Model):
    """A deadline of the year's plan; ``grades`` narrows it (e.g. signing by 21/5 for grades 9 and 12)."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("loại"), max_length=32, choices=DeadlineKind.choices)
    grades = models.JSONField(_("khối lớp áp dụng"), default=list, blank=True,
                              help_text=_("Để trống: áp dụng cho mọi khối."))
    due_date = models.DateField(_("hạn"))
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hạn chót")
        verbose_name_plural = _("hạn chót")
        ordering = ["school_year", "due_date", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.due_date:%d/%m/%Y}"


class AssessmentMode(models.TextChoices):
    SCORE = "score", _("Nhận xét kết hợp điểm số")
    COMMENT = "comment", _("Nhận xét (Đạt/Chưa đạt)")


class Subject(models.Model):
    """Môn học / hoạt động giáo dục of the 2018 programme."""

    code = models.CharField(_("mã môn"), max_length=16, unique=True)
    name = models.CharField(_("tên môn"), max_length=120)
    mode = models.CharField(_("hình thức đánh giá"), max_length=8, choices=AssessmentMode.choices)
    display_order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        verbose_name = _("môn học")
        verbose_name_plural = _("môn học")
        ordering = ["display_order", "code"]

    def __str__(self) -> str:
        return self.name


class CurriculumKind(models.TextChoices):
    COMPULSORY = "compulsory", _("Bắt buộc")
    ELECTIVE = "elective", _("Lựa chọn")
    OPTIONAL = "optional", _("Tự chọn")


class CurriculumEntry(models.Model):
    """A subject in a grade: periods per year and kind; ``school_year`` null = every year."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="curriculum")
    grade = models.PositiveSmallIntegerField(_("khối"))
    school_year = models.ForeignKey(SchoolYear, null=True, blank=True, on_delete=models.CASCADE)
    periods_per_year = models.PositiveSmallIntegerField(_("số tiết/năm"))
    kind = models.CharField(_("loại"), max_length=16, choices=CurriculumKind.choices,
                            default=CurriculumKind.COMPULSORY)
    tx_count_override = models.PositiveSmallIntegerField(
        _("số ĐĐGtx/học kì (ghi đè)"), null=True, blank=True,
        help_text=_("Để trống: tính theo số tiết (Điều 6 Thông tư 22)."))

    class Meta:
        verbose_name = _("môn học theo khối")
        verbose_name_plural = _("chương trình theo khối")
        ordering = ["grade", "subject__display_order"]
        constraints = [
            models.CheckConstraint(name="curriculum_grade_range", condition=models.Q(grade__gte=6, grade__lte=12)),
            models.UniqueConstraint(fields=["subject", "grade", "school_year"], name="curriculum_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} — khối {self.grade}"

    @property
    def tx_count(self) -> int:
        """Số lần đánh giá thường xuyên per term (Điều 6): ≤35 tiết → 2, ≤70 → 3, more → 4."""
        if self.tx_count_override:
            return self.tx_count_override
        if self.periods_per_year <= 35:
            return 2
        if self.periods_per_year <= 70:
            return 3
        return 4


class ClassGroup(models.Model):
    """Lớp học: a class of one school in one year, with its homeroom teacher (GVCN)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("khối"))
    name = models.CharField(_("tên lớp"), max_length=20)
    homeroom_teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="homeroom_classes", verbose_name=_("giáo viên chủ nhiệm"))

    class Meta:
        verbose_name = _("lớp")
        verbose_name_plural = _("lớp")
        ordering = ["school", "grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="class_name_unique"),
            models.CheckConstraint(name="class_grade_range", condition=models.Q(grade__gte=6, grade__lte=12)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    def clean(self) -> None:
        if self.school_id and self.grade not in self.school.grades():
            raise ValidationError({"grade": _("Khối %(g)s không thuộc cấp học của trường.") % {"g": self.grade}})


class TeachingAssignment(models.Model):
    """Phân công giảng dạy: a teacher teaches a subject in a class for the class's year."""

    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="assignments")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="assignments")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        verbose_name = _("phân công giảng dạy")
        verbose_name_plural = _("phân công giảng dạy")
        ordering = ["class_group", "subject__display_order"]
        constraints = [models.UniqueConstraint(fields=["class_group", "subject"], name="one_teacher_per_subject")]

    def __str__(self) -> str:
        return f"{self.teacher} — {self.subject} — {self.class_group}"

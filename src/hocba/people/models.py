"""People: each student and teacher exists once in the city, whatever school they move to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")


class PersonNameMixin(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    sort_name = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name


class Student(PersonNameMixin):
    """A student, identified city-wide by internal id; personal ID and MOET code are attributes."""

    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True)
    moet_code = models.CharField(_("mã học sinh (Bộ GDĐT)"), max_length=20, null=True, blank=True, unique=True)
    birth_date = models.DateField(_("ngày sinh"))
    birth_place = models.CharField(_("nơi sinh"), max_length=200, blank=True)
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("dân tộc"), max_length=50, default="Kinh")
    nationality = models.CharField(_("quốc tịch"), max_length=50, default="Việt Nam")
    policy_category = models.CharField(_("đối tượng chính sách"), max_length=200, blank=True)
    residence = models.CharField(_("chỗ ở hiện tại"), max_length=300, blank=True)
    register_number = models.CharField(_("số đăng bộ"), max_length=30, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="student")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")
        ordering = ["sort_name", "id"]


class Guardian(PersonNameMixin):
    """Cha, mẹ hoặc người giám hộ; one person may be the guardian of several students."""

    occupation = models.CharField(_("nghề nghiệp"), max_length=120, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="guardian")

    class Meta:
        verbose_name = _("phụ huynh")
        verbose_name_plural = _("phụ huynh")
        ordering = ["sort_name", "id"]


class Relation(models.TextChoices):
    FATHER = "father", _("Cha")
    MOTHER = "mother", _("Mẹ")
    GUARDIAN = "guardian", _("Người giám hộ")


class Guardianship(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="guardianships")
    relation = models.CharField(_("quan hệ"), max_length=16, choices=Relation.choices)

    class Meta:
        verbose_name = _("quan hệ giám hộ")
        verbose_name_plural = _("quan hệ giám hộ")
        ordering = ["student", "relation"]
        constraints = [models.UniqueConstraint(fields=["student", "guardian"], name="guardianship_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} ({self.get_relation_display()}) — {self.student}"


class EnrolmentStatus(models.TextChoices):
    STUDYING = "studying", _("Đang học")
    TRANSFERRED_IN = "transferred_in", _("Chuyển đến")
    TRANSFERRED_OUT = "transferred_out", _("Chuyển đi")
    DROPPED_OUT = "dropped_out", _("Thôi học")


ACTIVE_STATUSES = (EnrolmentStatus.STUDYING, EnrolmentStatus.TRANSFERRED_IN)


class Enrolment(models.Model):
    """A student's place in a class for a school year; at most one active per year."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    class_group = models.ForeignKey("org.ClassGroup", on_delete=models.PROTECT, related_name="enrolments")
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=20, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.STUDYING)
    status_date = models.DateField(_("ngày cập nhật trạng thái"))

    class Meta:
        verbose_name = _("ghi danh")
        verbose_name_plural = _("ghi danh")
        ordering = ["class_group", "student__sort_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year"], name="one_active_enrolment_per_year",
                condition=models.Q(status__in=["studying", "transferred_in"]),
            )
        ]
        indexes = [models.Index(fields=["class_group", "status"])]

    def __str__(self) -> str:
        return f"{self.student} — {self.class_group}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ContractType(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Viên chức")
    CONTRACT = "contract", _("Hợp đồng lao động")
    VISITING = "visiting", _("Thỉnh giảng")


class Position(models.TextChoices):
    TEACHER = "teacher", _("Giáo viên")
    HEAD_OF_DEPARTMENT = "head", _("Tổ trưởng chuyên môn")
    DEPUTY_PRINCIPAL = "deputy_principal", _("Phó hiệu trưởng")
    PRINCIPAL = "principal", _("Hiệu trưởng")
    STAFF = "staff", _("Nhân viên")


#: Positions of the school's leadership (Ban giám hiệu): their logins carry management roles, so only the system
#: administrator creates them (the school would otherwise know the password such a login starts with).
MANAGEMENT_POSITIONS = (Position.PRINCIPAL, Position.DEPUTY_PRINCIPAL)


class TeacherStatus(models.TextChoices):
    """Whether a teacher still works at their school: đang công tác (working) or đã nghỉ việc (left: resigned,
    retired, or chuyển công tác — moved to another school)."""

    WORKING = "working", _("Đang công tác")
    LEFT = "left", _("Đã nghỉ việc")


class Teacher(PersonNameMixin):
    """A teacher or staff member with the fields of the profile summary (trích ngang).

    A teacher who leaves the school (nghỉ việc, or chuyển công tác: moves to another school) keeps their row, so
    that the classes they taught, the confirmations and signatures they made and the records that print their name
    still name them; ``status`` says whether they still work here (``people.services.teacher_leave`` /
    ``teacher_return``). A left teacher has the date and reason of leaving; a working one has neither (check
    constraint). ``login_closed_on_leave``: the leaving deactivated their login, so a return re-activates it."""

    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True)
    staff_code = models.CharField(_("mã cán bộ"), max_length=20, unique=True)
    birth_date = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices)
    qualification = models.CharField(_("trình độ chuyên môn"), max_length=120, blank=True)
    subjects = models.ManyToManyField("org.Subject", blank=True, related_name="teachers",
                                      verbose_name=_("môn giảng dạy"))
    position = models.CharField(_("chức vụ"), max_length=20, choices=Position.choices, default=Position.TEACHER)
    contract_type = models.CharField(_("loại hợp đồng"), max_length=20, choices=ContractType.choices,
                                     default=ContractType.CIVIL_SERVANT)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="teachers",
                               verbose_name=_("trường công tác"))
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="teacher")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("tình trạng công tác"), max_length=10, choices=TeacherStatus.choices,
                              default=TeacherStatus.WORKING, db_index=True)
    left_on = models.DateField(_("ngày nghỉ việc"), null=True, blank=True)
    left_reason = models.CharField(_("lý do nghỉ việc"), max_length=300, blank=True)
    login_closed_on_leave = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("giáo viên")
        verbose_name_plural = _("giáo viên")
        ordering = ["sort_name", "id"]
        constraints = [
            models.CheckConstraint(
                name="teacher_left_has_date_and_reason",
                condition=(models.Q(status="working", left_on__isnull=True, left_reason="")
                           | (models.Q(status="left", left_on__isnull=False) & ~models.Q(left_reason=""))),
            )
        ]

    @property
    def has_left(self) -> bool:
        return self.status == TeacherStatus.LEFT

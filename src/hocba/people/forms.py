"""Forms only parse input; validation of meaning is the service's."""

from __future__ import annotations

from django import forms

from hocba.core.dates import format_vn_date, parse_vn_date
from hocba.core.errors import DomainError, StaleWriteError
from hocba.org.models import Subject
from hocba.people.models import ContractType, EnrolmentStatus, Position, Relation, Sex
from hocba.people.services import FIELD_LABELS, GUARDIAN_LABELS, TEACHER_LABELS, admission_window

EDITABLE = ("full_name", "personal_id", "birth_date", "birth_place", "sex", "ethnicity", "residence",
            "policy_category")


class StudentCorrectionForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=120)
    personal_id = forms.CharField(label="Số định danh cá nhân", max_length=12, required=False)
    birth_date = forms.CharField(label="Ngày sinh (dd/mm/yyyy)", max_length=10)
    birth_place = forms.CharField(label="Nơi sinh", max_length=200, required=False)
    sex = forms.ChoiceField(label="Giới tính", choices=Sex.choices)
    ethnicity = forms.CharField(label="Dân tộc", max_length=50)
    residence = forms.CharField(label="Chỗ ở hiện tại", max_length=300, required=False)
    policy_category = forms.CharField(label="Đối tượng", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, student):
        self.student = student
        initial = {f: getattr(student, f) or "" for f in EDITABLE}
        initial["birth_date"] = format_vn_date(student.birth_date)
        initial["version"] = student.version
        super().__init__(data, initial=initial)

    def changes(self) -> dict:
        out = {}
        for field in EDITABLE:
            new = self.cleaned_data[field]
            old = self.initial[field]
            if str(new) != str(old):
                out[field] = new
        return out

    def add_domain_error(self, exc: DomainError) -> None:
        labels = {str(f.label or name).split(" (")[0]: name for name, f in self.fields.items()}
        if not exc.errors:
            self.add_error(None, exc.message)
        for label, msgs in exc.errors.items():
            self.add_error(labels.get(label), " ".join(msgs))


class DomainErrorsMixin:
    """Show a service's ``DomainError`` next to the fields it names (by the Vietnamese label the service uses)."""

    #: the service's field label → this form's field name.
    domain_labels: dict[str, str] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        if not exc.errors:
            self.add_error(None, exc.message)
        for label, msgs in exc.errors.items():
            field = self.domain_labels.get(label)
            self.add_error(field, " ".join(msgs) if field else f"{label}: {' '.join(msgs)}")


NEW_STUDENT_FIELDS = ("full_name", "birth_date", "sex", "personal_id", "ethnicity", "nationality", "birth_place",
                      "residence", "policy_category", "moet_code", "register_number")
ADMISSION_STATUSES = [(EnrolmentStatus.STUDYING.value, "Nhập học (đang học)"),
                      (EnrolmentStatus.TRANSFERRED_IN.value, "Chuyển đến từ trường khác")]


class ClassChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, many_schools: bool = False, **kwargs):
        self.many_schools = many_schools
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} — {obj.school.name}" if self.many_schools else f"Lớp {obj.name}"


class StudentAdmitForm(DomainErrorsMixin, forms.Form):
    """Thêm học sinh: the profile ``student_create`` takes and the class to enrol in (only parsing here)."""

    full_name = forms.CharField(label="Họ và tên", max_length=120, required=False)
    birth_date = forms.CharField(label="Ngày sinh", max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
    sex = forms.ChoiceField(label="Giới tính", choices=[("", "— Chọn —"), *Sex.choices], required=False)
    personal_id = forms.CharField(label="Số định danh cá nhân", max_length=40, required=False,
                                  help_text="12 chữ số (căn cước / mã định danh); có thể bổ sung sau.",
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    ethnicity = forms.CharField(label="Dân tộc", max_length=50, required=False, initial="Kinh")
    nationality = forms.CharField(label="Quốc tịch", max_length=50, required=False, initial="Việt Nam")
    birth_place = forms.CharField(label="Nơi sinh", max_length=200, required=False)
    residence = forms.CharField(label="Chỗ ở hiện tại", max_length=300, required=False)
    policy_category = forms.CharField(label="Đối tượng chính sách", max_length=200, required=False)
    moet_code = forms.CharField(label="Mã học sinh (Bộ GDĐT)", max_length=20, required=False)
    register_number = forms.CharField(label="Số đăng bộ", max_length=30, required=False)
    class_group = ClassChoiceField(label="Lớp", queryset=None, empty_label="— Chọn lớp —", required=False,
                                   error_messages={"invalid_choice": "Lớp này không thuộc trường của bạn trong "
                                                                     "năm học hiện tại."})
    status = forms.ChoiceField(label="Hình thức", choices=ADMISSION_STATUSES, initial=EnrolmentStatus.STUDYING)
    status_date = forms.CharField(label="Ngày nhập học / chuyển đến", max_length=20, required=False,
                                  help_text="Để trống: hôm nay.",
                                  widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy",
                                                                "inputmode": "numeric"}))

    domain_labels = {**{label: name for name, label in FIELD_LABELS.items() if name in NEW_STUDENT_FIELDS},
                     "Lớp": "class_group", "Trạng thái": "status", "Ngày cập nhật trạng thái": "status_date"}

    def __init__(self, data=None, *, classes, initial=None, school_year=None, today=None):
        """``school_year``: the year of the classes offered (the current one), whose dates the entry date must lie
        in: the date is today's when today is within it, else left for the user to fill in."""
        super().__init__(data, initial=initial)
        field = self.fields["class_group"]
        field.queryset = classes
        field.many_schools = classes.order_by().values("school_id").distinct().count() > 1
        if school_year is not None:
            first, last = admission_window(school_year)
            within = today is not None and first <= today <= last
            self.fields["status_date"].help_text = (
                f"Cho năm học {school_year.name}: từ {format_vn_date(first)} (sau khi năm học trước kết thúc) đến "
                f"{format_vn_date(last)}, không ghi ngày sau hôm nay.")
            if within:
                self.initial.setdefault("status_date", format_vn_date(today))

    def profile(self) -> dict:
        """The profile as ``student_create`` takes it; an empty name, date or sex is left out ("Bắt buộc nhập")."""
        data = {name: self.cleaned_data[name].strip() for name in NEW_STUDENT_FIELDS}
        return {k: v for k, v in data.items() if v or k not in ("full_name", "birth_date", "sex")}


class GuardianForm(DomainErrorsMixin, forms.Form):
    """Cha, mẹ hoặc người giám hộ as ``guardian_add`` takes them."""

    relation = forms.ChoiceField(label="Quan hệ", choices=Relation.choices, initial=Relation.FATHER)
    full_name = forms.CharField(label="Họ và tên", max_length=120, required=False)
    occupation = forms.CharField(label="Nghề nghiệp", max_length=120, required=False)
    phone = forms.CharField(label="Điện thoại", max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel",
                                                          "placeholder": "0912345678"}))
    email = forms.CharField(label="Thư điện tử", max_length=254, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "email"}))
    personal_id = forms.CharField(label="Số định danh cá nhân", max_length=40, required=False,
                                  help_text="12 chữ số (căn cước); có thể bổ sung sau.",
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    domain_labels = {label: name for name, label in GUARDIAN_LABELS.items()}

    def __init__(self, data=None, **kwargs):
        super().__init__(data, prefix="gh", **kwargs)
        self.fields["relation"].error_messages["invalid_choice"] = "Chọn cha, mẹ hoặc người giám hộ."


class GuardianEditForm(GuardianForm):
    """A guardian's details as ``guardian_update`` takes them, filled in from the link. ``seen`` is
    ``guardian_fingerprint`` of what the page showed: the service refuses the change if it moved meanwhile."""

    seen = forms.CharField(widget=forms.HiddenInput,
                           error_messages={"required": "Biểu mẫu không hợp lệ; hãy tải lại trang."})

    def __init__(self, data=None, *, link, seen: str):
        guardian = link.guardian
        initial = {"relation": link.relation, "full_name": guardian.full_name, "occupation": guardian.occupation,
                   "phone": guardian.phone, "email": guardian.email, "personal_id": guardian.personal_id or "",
                   "seen": seen}
        super().__init__(data, initial=initial)

    def details(self) -> dict:
        """The fields as ``guardian_update`` takes them (``seen`` apart: it is the ``expected`` fingerprint)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "seen"}


class EnrolmentStatusForm(DomainErrorsMixin, forms.Form):
    """The new status of the current enrolment and its date. ``seen`` ("<enrolment id>:<status>") is what the user
    saw: the service refuses the change if the status moved meanwhile (optimistic, like the profile's version)."""

    status = forms.ChoiceField(label="Trạng thái mới", choices=EnrolmentStatus.choices)
    status_date = forms.CharField(label="Từ ngày", max_length=20,
                                  widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy",
                                                                "inputmode": "numeric"}),
                                  error_messages={"required": "Nhập ngày (dd/mm/yyyy)."})
    seen = forms.CharField(widget=forms.HiddenInput)

    domain_labels = {"Trạng thái": "status", "Ngày cập nhật trạng thái": "status_date"}

    def __init__(self, data=None, *, enrolment, today):
        super().__init__(data, prefix="tt", initial={"status_date": format_vn_date(today),
                                                     "seen": f"{enrolment.pk}:{enrolment.status}"})
        self.enrolment = enrolment
        if data is None:  # offer only a change; a bound form accepts any status and says why it is refused
            self.fields["status"].choices = [(v, label) for v, label in EnrolmentStatus.choices
                                             if v != enrolment.status]

    def clean_status_date(self):
        try:
            return parse_vn_date(self.cleaned_data["status_date"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_seen(self) -> tuple[int, str]:
        pk, _, status = self.cleaned_data["seen"].partition(":")
        if not pk.isdigit() or status not in EnrolmentStatus.values:
            raise forms.ValidationError("Biểu mẫu không hợp lệ; hãy tải lại trang.")
        return int(pk), status

    def clean(self):
        data = super().clean()
        seen, status = data.get("seen"), data.get("status")
        if seen and seen[0] != self.enrolment.pk:
            raise forms.ValidationError("Quá trình học tập của học sinh vừa được người khác thay đổi; hãy xem lại "
                                        "rồi làm lại.")
        if seen and status == seen[1]:
            self.add_error("status", "Trạng thái mới trùng với trạng thái hiện tại.")
        return data


TEACHER_FORM_FIELDS = ("staff_code", "full_name", "birth_date", "sex", "personal_id", "qualification", "position",
                       "contract_type", "email", "phone")
#: Left out of the profile when empty, so that the service answers "Bắt buộc nhập." for them.
TEACHER_REQUIRED = ("staff_code", "full_name", "birth_date", "sex")


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class TeacherForm(DomainErrorsMixin, forms.Form):
    """Thêm giáo viên: the trích ngang as ``teacher_create`` takes it, the school among the user's (only parsing
    here: every check of meaning is the service's)."""

    school = SchoolChoiceField(label="Trường công tác", queryset=None, empty_label="— Chọn trường —", required=False,
                               error_messages={"invalid_choice": "Trường này không thuộc phạm vi quản lý của bạn."})
    staff_code = forms.CharField(label="Mã cán bộ", max_length=40, required=False)
    full_name = forms.CharField(label="Họ và tên", max_length=120, required=False)
    birth_date = forms.CharField(label="Ngày sinh", max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
    sex = forms.ChoiceField(label="Giới tính", choices=[("", "— Chọn —"), *Sex.choices], required=False)
    personal_id = forms.CharField(label="Số định danh cá nhân", max_length=40, required=False,
                                  help_text="12 chữ số (căn cước). Cần để đối chiếu chứng thư chữ ký số của giáo "
                                            "viên khi ký học bạ.",
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    qualification = forms.CharField(label="Trình độ chuyên môn", max_length=120, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": "ví dụ: Cử nhân sư phạm Toán"}))
    position = forms.ChoiceField(label="Chức vụ", choices=Position.choices, initial=Position.TEACHER)
    contract_type = forms.ChoiceField(label="Loại hợp đồng", choices=ContractType.choices,
                                      initial=ContractType.CIVIL_SERVANT)
    subjects = forms.ModelMultipleChoiceField(label="Môn giảng dạy", queryset=Subject.objects.all(), required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              error_messages={"invalid_choice": "Môn '%(value)s' không có trong "
                                                                                "danh mục."})
    email = forms.CharField(label="Thư điện tử", max_length=254, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}))
    phone = forms.CharField(label="Điện thoại", max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel",
                                                          "placeholder": "0912345678", "autocomplete": "off"}))

    domain_labels = {label: name for name, label in TEACHER_LABELS.items()}

    def __init__(self, data=None, *, schools, initial=None):
        super().__init__(data, initial=initial)
        self.fields["school"].queryset = schools
        self.fields["position"].error_messages["invalid_choice"] = "Chọn một chức vụ trong danh sách."
        self.fields["contract_type"].error_messages["invalid_choice"] = "Chọn một loại hợp đồng trong danh sách."
        self.only_school = None
        if schools is not None:
            first_two = list(schools[:2])
            self.only_school = first_two[0] if len(first_two) == 1 else None

    def chosen_school(self):
        """The school chosen, or the user's only school (its field is not shown then)."""
        return self.cleaned_data.get("school") or self.only_school

    def profile(self) -> dict:
        """The trích ngang as ``teacher_create`` takes it."""
        data = {name: self.cleaned_data[name].strip() for name in TEACHER_FORM_FIELDS}
        return {k: v for k, v in data.items() if v or k not in TEACHER_REQUIRED}

    def add_domain_error(self, exc: DomainError) -> None:
        if isinstance(exc, StaleWriteError) and exc.errors:  # say who saved meanwhile, above the fields
            self.add_error(None, exc.message)
        super().add_domain_error(exc)


class TeacherEditForm(TeacherForm):
    """Sửa trích ngang: the add form's fields (the school apart: a move is not a correction) filled in from the
    teacher. ``version`` is the one the page showed: the service refuses the change if someone saved meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput,
                                 error_messages={"required": "Biểu mẫu không hợp lệ; hãy tải lại trang.",
                                                 "invalid": "Biểu mẫu không hợp lệ; hãy tải lại trang."})

    def __init__(self, data=None, *, teacher):
        initial = {f: getattr(teacher, f) or "" for f in TEACHER_FORM_FIELDS}
        initial["birth_date"] = format_vn_date(teacher.birth_date)
        initial["subjects"] = [s.pk for s in teacher.subjects.all()]
        initial["version"] = teacher.version
        super().__init__(data, schools=None, initial=initial)
        del self.fields["school"]

    def changes(self) -> dict:
        """The fields whose value differs from the teacher's (only those are checked and written)."""
        out = {}
        for name in TEACHER_FORM_FIELDS:
            new = self.cleaned_data[name].strip()
            if new != str(self.initial[name]):
                out[name] = new
        return out

    def chosen_subjects(self) -> list:
        return list(self.cleaned_data["subjects"])


class TeacherLeaveForm(DomainErrorsMixin, forms.Form):
    """Ghi nhận nghỉ việc: the date and reason ``teacher_leave`` checks, and the user's confirmation (only parsing
    here). ``version`` is the one the page showed: the service refuses the change if someone saved meanwhile."""

    left_on = forms.CharField(label="Ngày nghỉ việc", max_length=20, required=False,
                              widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
    reason = forms.CharField(label="Lý do", max_length=400, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "ví dụ: nghỉ hưu; chuyển công tác đến "
                                                                          "Trường THCS …"}))
    confirm = forms.BooleanField(
        label="Tôi xác nhận giáo viên này đã nghỉ việc: tài khoản đăng nhập của giáo viên bị khoá, và giáo viên không "
              "còn được phân công chủ nhiệm, giảng dạy.",
        error_messages={"required": "Hãy đánh dấu xác nhận trước khi ghi nhận nghỉ việc."})
    version = forms.IntegerField(widget=forms.HiddenInput,
                                 error_messages={"required": "Biểu mẫu không hợp lệ; hãy tải lại trang.",
                                                 "invalid": "Biểu mẫu không hợp lệ; hãy tải lại trang."})

    domain_labels = {"Ngày nghỉ việc": "left_on", "Lý do nghỉ việc": "reason"}

    def __init__(self, data=None, *, teacher, today):
        super().__init__(data, prefix="nv", initial={"left_on": format_vn_date(today), "version": teacher.version})

    def add_domain_error(self, exc: DomainError) -> None:
        """The work still given to the teacher is named in the refusal's message, once, above the form."""
        if any(label not in self.domain_labels for label in exc.errors):
            self.add_error(None, exc.message)
            return
        super().add_domain_error(exc)


class TeacherReturnForm(DomainErrorsMixin, forms.Form):
    """Ghi nhận trở lại công tác: the date the teacher works at the school again."""

    return_on = forms.CharField(label="Ngày trở lại công tác", max_length=20, required=False,
                                widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
    version = forms.IntegerField(widget=forms.HiddenInput,
                                 error_messages={"required": "Biểu mẫu không hợp lệ; hãy tải lại trang.",
                                                 "invalid": "Biểu mẫu không hợp lệ; hãy tải lại trang."})

    domain_labels = {"Ngày trở lại công tác": "return_on"}

    def __init__(self, data=None, *, teacher, today):
        super().__init__(data, prefix="tl", initial={"return_on": format_vn_date(today), "version": teacher.version})

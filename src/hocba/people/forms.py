"""Forms only parse input; validation of meaning is the service's."""

from __future__ import annotations

from django import forms

from hocba.core.dates import format_vn_date
from hocba.core.errors import DomainError
from hocba.people.models import Sex

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

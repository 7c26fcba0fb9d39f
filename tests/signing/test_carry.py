"""A correction's new version keeps the confirmations of the subject rows it did not change."""

from __future__ import annotations

import pytest
from django.test import Client

from hocba.core.models import AuditEntry
from hocba.gradebook import services as gb
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import SubjectTermScore
from hocba.gradebook.values import display
from hocba.records.services import record_compose
from hocba.signing.carry import unchanged_rows
from hocba.signing.models import SignRole, SubjectConfirmation
from hocba.signing.workflow import (
    confirm_as_assigned_teachers,
    missing_confirmations,
    subject_confirm,
    version_sign,
)
from tests.signing.djangofix import (  # noqa: F401  (fixtures)
    SECRET,
    archive_dir,
    composed,
    current_versions,
    homeroom_class,
    users,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _correct_math_end_of_term(class_group, student, gvbm, principal) -> None:
    """The principal reopens Toán HK II with a reason, the teacher changes the student's end-of-term mark,
    and the year is closed again (the real correction path)."""
    math = class_group.assignments.get(subject__code="TOAN").subject
    gb.subject_finalise(class_group=class_group, subject=math, term=2, by=gvbm)
    gb.lock_remove(lock=class_group.locks.get(subject=math, term=2), reason="Nhập nhầm điểm cuối kì", by=principal)
    gb.edit_grant_create(school=class_group.school, class_group=class_group, subject=math,
                         reason="Sửa điểm nhập nhầm", days=2, by=principal)
    row = SubjectTermScore.objects.get(class_group=class_group, subject=math, student=student, term=2)
    new = "2,0" if row.ck != "2.0" else "3,0"
    gb.score_update(class_group=class_group, subject=math, student_id=student.pk, term=2, field="ck", raw=new,
                    expected=display(row.ck), by=gvbm)
    close_classes(class_ids=[class_group.pk], period="hk2")
    close_classes(class_ids=[class_group.pk], period="year")


def test_only_the_teacher_of_the_corrected_subject_confirms_again(composed):
    gvcn, gvbm, ht = users("gvcn", "gvbm", "hieutruong")
    first = current_versions(composed)[0]
    student = first.year_record.student
    confirm_as_assigned_teachers(version=first, source="test")
    version_sign(version=first, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    subjects = [s["name"] for s in first.document["subjects"] if s.get("term1") != "Miễn"]

    _correct_math_end_of_term(composed, student, gvbm, ht)
    outcome = record_compose(student=student, class_group=composed, by=gvcn)
    assert outcome.status == "new_version"
    second = outcome.version

    # Only Toán changed: every other subject keeps its teacher's confirmation of version 1.
    assert missing_confirmations(second) == ["Toán"]
    carried = SubjectConfirmation.objects.filter(version=second).select_related("carried_from")
    assert sorted(c.subject_name for c in carried) == sorted(set(subjects) - {"Toán"})
    for c in carried:
        assert c.carried_from.version_id == first.pk and c.teacher_id == c.carried_from.teacher_id
        assert c.json_sha256 == second.json_sha256 and c.confirmed_at == c.carried_from.confirmed_at
    entry = AuditEntry.objects.get(action="records:subject:confirm_carried", object_id=str(second.pk))
    assert entry.actor == gvcn and entry.after["from_version"] == 1 and "Toán" not in entry.after["subjects"]

    # The homeroom teacher still waits for Toán; once its teacher confirms, version 2 can be signed.
    client = Client()
    client.force_login(gvcn)
    page = client.get(f"/ky-so/lop/{composed.pk}/").content.decode()
    assert f"{len(subjects) - 1} môn giữ xác nhận từ phiên bản 1" in page
    assert subject_confirm(version=second, by=gvbm) == ["Toán"]
    assert missing_confirmations(second) == []
    version_sign(version=second, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)


def test_a_row_changed_in_any_printed_value_is_not_carried():
    old = {"subjects": [{"name": "Toán", "term1": "8,0", "term2": "7,5", "year": "7,7", "reassessment": "",
                         "teacher": "Nguyễn Văn A"},
                        {"name": "Ngữ văn", "term1": "7,0", "term2": "7,0", "year": "7,0", "reassessment": "",
                         "teacher": "Trần Thị B"},
                        {"name": "Tin học", "term1": "9,0", "term2": "9,0", "year": "9,0", "reassessment": "",
                         "teacher": "Lê Văn C"}]}
    new = {"subjects": [{**old["subjects"][0], "year": "7,8"},
                        {**old["subjects"][1], "teacher": "Phạm Văn D"},  # another teacher now signs for it
                        old["subjects"][2],
                        {"name": "Công nghệ", "term1": "8,0", "term2": "8,0", "year": "8,0", "reassessment": "",
                         "teacher": "Lê Văn C"}]}  # a row the old version did not have
    assert unchanged_rows(old, new) == {"Tin học"}

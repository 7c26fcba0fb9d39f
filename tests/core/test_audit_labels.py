"""The audit log page as a principal reads it: Vietnamese labels, short "key: value" lines, the stored
entry and its chain untouched."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

import hocba
from hocba.core.audit import audit_record, audit_record_many, audit_verify
from hocba.core.audit_labels import (
    ACTION_LABELS,
    SHORT_LIST,
    Line,
    action_label,
    audit_entry_view,
    change_lines,
    object_label,
)
from hocba.core.models import AuditEntry

SRC = Path(hocba.__file__).parent
SHA = "5db04ac68fdc488d2d30a72d5af3663c3dea24ae56f7cd80d51c5283e3ec0026"


def test_known_actions_have_a_vietnamese_label_and_unknown_ones_keep_their_code():
    assert action_label("records:book:view") == "Xem học bạ"
    assert action_label("gradebook:closing:start") == "Bắt đầu tổng kết"
    assert action_label("gradebook:close:year") == "Tổng kết cả năm"
    assert action_label("someapp:thing:do") == "someapp:thing:do"


def test_objects_read_as_words_with_their_number():
    assert object_label("student", "124") == "Học sinh #124"
    assert object_label("closing_run", "1") == "Lượt tổng kết #1"
    assert object_label("classes", "3 lớp") == "Lớp: 3 lớp"
    assert object_label("widget", "7") == "widget #7"
    assert object_label("catalogue", "") == "Danh mục môn học"


def test_snapshots_become_short_key_value_lines():
    assert change_lines(None) == [] and change_lines({}) == []
    assert change_lines({"period": "year"}) == [Line("period", "Kỳ", "Cả năm")]
    assert change_lines({"key": "1:2:1:4:*", "level": "class", "term": 2}) == [
        Line("key", "Khoá", "1:2:1:4:*"), Line("level", "Cấp", "lớp"), Line("term", "Học kì", "Học kì II")]
    pdf, = change_lines({"pdf_sha256": SHA})
    assert (pdf.label, pdf.value, pdf.full) == ("PDF (SHA-256)", SHA[:12] + "…", SHA)
    assert change_lines({"student": 124, "subjects": 12, "created": True, "class": None}) == [
        Line("student", "Học sinh", "#124"), Line("subjects", "Số môn", "12"), Line("created", "Đã tạo", "có"),
        Line("class", "Lớp", "—")]
    assert change_lines({"subjects": ["Toán", "Ngữ văn"]}) == [Line("subjects", "Môn", "Toán, Ngữ văn")]
    names = [f"ph{i:03d}" for i in range(40)]
    created, = change_lines({"created": names})
    assert created.value == ", ".join(names[:SHORT_LIST]) + f" … (và {40 - SHORT_LIST} mục khác)"
    assert created.full == ", ".join(names)
    reason, = change_lines({"reason": "x" * 400})
    assert len(reason.value) <= 161 and reason.full == "x" * 400
    moment = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    expires, = change_lines({"expires_at": moment.isoformat()})
    assert expires.value == timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
    assert change_lines({"not_after": "2027-05-06"}) == [Line("not_after", "Hiệu lực đến", "06/05/2027")]
    assert change_lines({"mystery": {"a": 1}}) == [Line("mystery", "mystery", "a: 1")]


def _written_actions() -> tuple[set[str], set[str]]:
    """The action tags the code writes: literal ones, and the fixed prefixes of the f-string ones."""
    literal: set[str] = set()
    prefixes: set[str] = set()

    def take(node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            literal.add(node.value)
        elif isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
            prefixes.add(node.values[0].value)
        elif isinstance(node, ast.IfExp):
            take(node.body)
            take(node.orelse)

    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit_record":
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        take(keyword.value)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "action" and value is not None:
                        take(value)
    return literal, prefixes


def test_every_action_the_code_writes_has_a_label():
    literal, prefixes = _written_actions()
    assert "records:book:view" in literal and "gradebook:close:" in prefixes  # the scan finds them
    assert sorted(literal - set(ACTION_LABELS)) == []
    assert sorted(p for p in prefixes if not any(code.startswith(p) for code in ACTION_LABELS)) == []


@pytest.mark.django_db
def test_the_audit_page_reads_as_words_and_leaves_the_chain_alone(login):
    from hocba.people.models import Student

    student = Student.objects.filter(enrolments__class_group__homeroom_teacher__user__username="gvcn").first()
    school_id = student.enrolments.first().class_group.school_id
    audit_record(actor=None, action="records:book:view", object_type="student", object_id=student.pk,
                 school_id=school_id)
    audit_record(actor=None, action="gradebook:lock:remove", object_type="lock", object_id=104, school_id=school_id,
                 before={"key": "1:2:1:4:*", "level": "class", "term": 2}, after={"reason": "Nhập nhầm điểm"})
    audit_record(actor=None, action="someapp:thing:do", object_type="widget", object_id=7, school_id=school_id,
                 after={"pdf_sha256": SHA})
    stored = AuditEntry.objects.order_by("-seq").first()
    assert stored.after == {"pdf_sha256": SHA}  # what is stored does not change

    page = login("hieutruong").get(reverse("core:audit_list")).content.decode()
    assert "Xem học bạ" in page and "<code>records:book:view</code>" in page
    assert f"Học sinh #{student.pk}" in page and f"student {student.pk}" not in page
    assert "Mở khoá sổ điểm" in page and "Trước" in page and "Sau" in page
    assert "Cấp:</span> <span class=\"v\">lớp</span>" in page and "Nhập nhầm điểm" in page
    assert "{&#x27;" not in page and "{'" not in page  # no Python dict text
    assert '<code class="unknown">someapp:thing:do</code>' in page and f'title="{SHA}">{SHA[:12]}…' in page
    assert audit_verify().ok
    assert audit_entry_view(stored).action_known is False


@pytest.mark.django_db
def test_the_pages_of_a_filtered_audit_log_keep_the_filter(login, city):
    from hocba.org.models import School

    school = School.objects.get(classes__homeroom_teacher__user__username="gvcn")
    audit_record_many(actor=None, entries=[{"action": "records:book:view", "object_type": "student",
                                            "object_id": i, "school_id": school.pk} for i in range(60)])
    page = login("hieutruong").get(reverse("core:audit_list"), {"action": "records:book"}).content.decode()
    assert "action=records%3Abook&amp;page=2" in page


def test_the_department_reads_that_a_profile_changed_but_not_the_sensitive_values(login):
    """Ethnicity, policy category, address… are shown to the school board; the Department's city-wide log
    names the change (which student, which fields) without the values."""
    from hocba.people.models import Student
    from hocba.people.services import student_update

    student = Student.objects.filter(enrolments__class_group__homeroom_teacher__user__username="gvcn").first()
    from django.contrib.auth import get_user_model

    bgh = get_user_model().objects.get(username="bgh")
    student_update(student=student, changes={"ethnicity": "Tày", "residence": "Số 47 phố Hàng Bài"}, by=bgh,
                   expected_version=student.version)

    officer = login("so").get(reverse("core:audit_list") + "?action=people:student:update").content.decode()
    assert f"Học sinh #{student.pk}" in officer and "Dân tộc" in officer
    assert "Tày" not in officer and "Số 47 phố Hàng Bài" not in officer and "(ẩn" in officer
    board = login("hieutruong").get(reverse("core:audit_list") + "?action=people:student:update").content.decode()
    assert "Tày" in board and "Số 47 phố Hàng Bài" in board


def test_the_department_reads_that_a_mark_changed_but_not_the_mark(login):
    """Officers read aggregates, not individual scores (issue 4): the city-wide log says which cell of which
    sheet changed; the principal of the school reads the values."""
    from hocba.core.models import RoleAssignment

    school_id = RoleAssignment.objects.get(user__username="hieutruong", role="principal").school_id
    audit_record(actor=None, action="gradebook:score:update", object_type="score", object_id=3002,
                 school_id=school_id, before={"field": "gk", "value": "8.0"}, after={"field": "gk", "value": "2.0"})
    audit_record(actor=None, action="gradebook:homeroom:update", object_type="homeroom_entry", object_id=7,
                 school_id=school_id, before={"comment": "Chăm ngoan, tiến bộ"}, after={"comment": "Cần cố gắng"})
    officer = login("so").get(reverse("core:audit_list") + "?action=gradebook:").content.decode()
    assert "Điểm #3002" in officer and "(ẩn: chỉ người được xem sổ điểm" in officer
    assert "8,0" not in officer and "2,0" not in officer and "Cần cố gắng" not in officer
    board = login("hieutruong").get(reverse("core:audit_list") + "?action=gradebook:").content.decode()
    assert "2,0" in board and "Cần cố gắng" in board and "ĐĐGgk (giữa kì)" in board

"""Trích ngang: the school board adds a teacher, corrects their profile summary and exports the school's list to
Excel. What the user sees: a Vietnamese message next to the field that is wrong with what they typed still there,
an edit over someone else's refused with the newer values, another school's teacher refused (403), and a list whose
personal columns go only to those who see them on the teacher's page."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from hocba.core.audit_labels import audit_entry_view
from hocba.core.models import AuditEntry, RoleAssignment
from hocba.org import services as org_services
from hocba.org.models import ClassGroup, Subject
from hocba.people import services
from hocba.people.models import Teacher
from tests.conftest import ROLE_USERS
from tests.people.test_pages_create import error_of, page, value_of
from tests.people.world import build_world

CREATE = "people:teacher_create"
EXPORT = "people:teacher_export"
GOOD = {"staff_code": "GV0100", "full_name": "Nguyễn Thị Ánh", "birth_date": "02/03/1985", "sex": "F",
        "personal_id": "031185000123", "qualification": "Cử nhân sư phạm Toán", "position": "head",
        "contract_type": "civil_servant", "email": "anh.nt@truong.edu.vn", "phone": "0912 345 678"}


@pytest.fixture
def world(empty_db):
    world = build_world()
    org_services.catalogue_load()
    return world


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def add_teacher(world, full_name: str, staff_code: str, *, school=None, **data) -> Teacher:
    data = {"full_name": full_name, "staff_code": staff_code, "birth_date": "01/02/1980", "sex": "M", **data}
    return services.teacher_create(data=data, school=school or world.school, by=world.admin)


def user_for(*schools, username: str = "bgh2", role: str = "school_admin"):
    user = get_user_model().objects.create_user(username=username, first_name="Phan Văn Long")
    for school in schools:
        RoleAssignment.objects.create(user=user, role=role, school=school)
    return user


@contextmanager
def nothing_saved():
    """No teacher, subject link or audited change is written (showing a form is not a change)."""
    def counts():
        changes = AuditEntry.objects.exclude(action="people:teacher:view_full")
        return (Teacher.objects.count(), Teacher.subjects.through.objects.count(), changes.count(),
                list(Teacher.objects.order_by("pk").values_list("version", "staff_code", "qualification",
                                                                "position", "phone")))

    before = counts()
    yield
    assert counts() == before, "dữ liệu đã bị ghi dù thao tác bị từ chối"


class _Fields(HTMLParser):
    """What a browser would send back of a form: text inputs, hidden inputs, selected options, ticked boxes."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a["name"] != "csrfmiddlewaretoken":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data.setdefault(a["name"], []).append(a["value"])
            else:
                self.data.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_data(html: str) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(html)
    return parser.data


def edit_url(teacher) -> str:
    return reverse("people:teacher_edit", args=[teacher.pk])


def edit_post(client, teacher, **changes):
    """Open the edit page, change what the user would change, save."""
    data = form_data(page(client.get(edit_url(teacher))))
    data.update({k: v if isinstance(v, list) else [v] for k, v in changes.items()})
    return client.post(edit_url(teacher), data)


def create_post(world, client=None, **changes):
    data = {**GOOD, "subjects": [subject("TOAN").pk, subject("VAN").pk], **changes}
    return (client or world.client()).post(reverse(CREATE), data)


def summary(html: str) -> str:
    found = re.search(r'<div class="form-summary" role="alert">(.*?)</div>', html, re.S)
    return html_lib.unescape(found.group(1)) if found else ""


# --- Thêm giáo viên -----------------------------------------------------------------------------------------

def test_the_teacher_list_leads_to_the_add_page(world):
    client = world.client()
    assert f'href="{reverse(CREATE)}">Thêm giáo viên</a>' in page(client.get(reverse("people:teacher_list")))
    html = page(client.get(reverse(CREATE)))
    assert 'name="school"' not in html  # their one school, not asked
    assert "Trường THCS Thử nghiệm" in html
    assert "Cần để đối chiếu chứng thư chữ ký số của giáo viên" in html
    assert f'value="{subject("TOAN").pk}"' in html and 'type="checkbox"' in html


def test_adding_a_teacher_saves_the_trich_ngang_and_says_so(world):
    client = world.client()
    response = create_post(world, client)
    teacher = Teacher.objects.get(staff_code="GV0100")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:teacher_detail", args=[teacher.pk])
    assert (teacher.full_name, teacher.birth_date, teacher.sex, teacher.personal_id, teacher.qualification,
            teacher.position, teacher.contract_type, teacher.email, teacher.phone, teacher.school) == (
        "Nguyễn Thị Ánh", dt.date(1985, 3, 2), "F", "031185000123", "Cử nhân sư phạm Toán", "head",
        "civil_servant", "anh.nt@truong.edu.vn", "0912345678", world.school)
    assert {s.code for s in teacher.subjects.all()} == {"TOAN", "VAN"}
    entry = AuditEntry.objects.get(action="people:teacher:create")
    assert (entry.object_id, entry.school_id, entry.actor_id) == (str(teacher.pk), world.school.pk, world.admin.pk)
    assert entry.after["staff_code"] == "GV0100" and entry.after["subjects"] == ["Toán", "Ngữ văn"]
    html = page(client.get(response["Location"]))
    assert "Đã thêm giáo viên Nguyễn Thị Ánh (mã cán bộ GV0100)." in html
    assert "Tổ trưởng chuyên môn" in html and "Toán, Ngữ văn" in html


def test_every_mistake_is_shown_next_to_its_field_with_what_was_typed(world):
    with nothing_saved():
        html = page(create_post(world, full_name="", staff_code="", birth_date="31/02/1985", sex="",
                                personal_id="12345", phone="0912", email="anh@", qualification="Thạc sĩ"))
    assert summary(html) == "Chưa lưu được: hãy sửa các ô báo lỗi bên dưới."
    assert error_of(html, "full_name") == "Bắt buộc nhập."
    assert error_of(html, "staff_code") == "Bắt buộc nhập."
    assert error_of(html, "birth_date") == ("Ngày '31/02/1985' không hợp lệ (định dạng dd/mm/yyyy, "
                                            "ví dụ 05/09/2012).")
    assert error_of(html, "sex") == "Bắt buộc nhập."
    assert error_of(html, "personal_id") == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert "Số điện thoại '0912' không hợp lệ" in error_of(html, "phone")
    assert error_of(html, "email") == "Địa chỉ thư điện tử 'anh@' không hợp lệ."
    assert error_of(html, "qualification") == ""
    assert (value_of(html, "birth_date"), value_of(html, "personal_id"), value_of(html, "qualification")) == (
        "31/02/1985", "12345", "Thạc sĩ")
    assert form_data(html)["subjects"] == [str(subject("TOAN").pk), str(subject("VAN").pk)]


def test_a_staff_code_already_used_is_refused_next_to_it(world):
    other = build_world(code="U")
    add_teacher(world, "Lê Văn Cường", "GV0100", school=other.school)
    with nothing_saved():
        html = page(create_post(world))
    assert error_of(html, "staff_code") == ("Mã cán bộ GV0100 đã được dùng cho một giáo viên khác "
                                            "(Trường THCS Thử nghiệm).")
    assert value_of(html, "full_name") == "Nguyễn Thị Ánh"


def test_a_personal_id_not_matching_the_birth_year_is_refused(world):
    with nothing_saved():
        html = page(create_post(world, personal_id="031190000123"))
    assert error_of(html, "personal_id") == "Chữ số 5–6 của số định danh (90) không khớp năm sinh 1985."


def test_an_age_outside_working_life_is_refused(world):
    with nothing_saved():
        html = page(create_post(world, birth_date="02/03/2015", personal_id=""))
    assert "không hợp lý (tuổi phải từ 18 đến 75)" in error_of(html, "birth_date")


def test_a_board_member_of_several_schools_chooses_one_of_theirs(world):
    second, third = build_world(code="U"), build_world(code="V")
    client = world.client(user_for(world.school, second.school))
    html = page(client.get(reverse(CREATE)))
    assert f'<option value="{second.school.pk}">' in html and f'<option value="{world.school.pk}">' in html
    assert f'<option value="{third.school.pk}"' not in html
    with nothing_saved():
        assert error_of(page(create_post(world, client)), "school") == "Chọn trường công tác của giáo viên."
        html = page(create_post(world, client, school=third.school.pk))
    assert error_of(html, "school") == "Trường này không thuộc phạm vi quản lý của bạn."
    assert create_post(world, client, school=second.school.pk).status_code == 302
    assert Teacher.objects.get(staff_code="GV0100").school == second.school


def test_a_teacher_may_not_add_teachers(login, city):
    with nothing_saved():
        for username in ("gvcn", "phohieutruong", "xa", "so"):
            response = login(username).post(reverse(CREATE), {**GOOD, "subjects": []})
            assert response.status_code == 403, username


# --- Sửa trích ngang --------------------------------------------------------------------------------------

def test_the_edit_page_is_filled_in_and_saves_the_changes(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100", sex="F", phone="0912345678")
    teacher.subjects.set([subject("TOAN")])
    client = world.client()
    detail = page(client.get(reverse("people:teacher_detail", args=[teacher.pk])))
    assert f'<a class="button" href="{edit_url(teacher)}">Sửa trích ngang</a>' in detail
    html = page(client.get(edit_url(teacher)))
    assert (value_of(html, "full_name"), value_of(html, "birth_date"), value_of(html, "version")) == (
        "Nguyễn Thị Ánh", "01/02/1980", "1")
    response = edit_post(client, teacher, position="head", qualification="Thạc sĩ", phone="+84 987 654 321",
                         subjects=[str(subject("TOAN").pk), str(subject("LY").pk)])
    assert response.status_code == 302
    assert response["Location"] == reverse("people:teacher_detail", args=[teacher.pk])
    teacher.refresh_from_db()
    assert (teacher.position, teacher.qualification, teacher.phone, teacher.version) == (
        "head", "Thạc sĩ", "+84987654321", 2)
    assert {s.code for s in teacher.subjects.all()} == {"TOAN", "LY"}
    entry = AuditEntry.objects.get(action="people:teacher:update")
    assert entry.before == {"qualification": "", "position": "teacher", "phone": "0912345678",
                            "subjects": ["Toán"]}
    assert entry.after == {"qualification": "Thạc sĩ", "position": "head", "phone": "+84987654321",
                           "subjects": ["Toán", "Vật lí"]}
    assert "Đã lưu trích ngang của Nguyễn Thị Ánh." in page(client.get(response["Location"]))


def test_subjects_alone_are_changed_and_audited_by_the_service(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    services.teacher_update(teacher=teacher, changes={}, subjects=[subject("VAN")], by=world.admin,
                            expected_version=1)
    teacher.refresh_from_db()
    assert [s.code for s in teacher.subjects.all()] == ["VAN"] and teacher.version == 2
    entry = AuditEntry.objects.get(action="people:teacher:update")
    assert (entry.before, entry.after) == ({"subjects": []}, {"subjects": ["Ngữ văn"]})


def test_a_form_sent_back_unchanged_writes_nothing(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    client = world.client()
    with nothing_saved():
        response = edit_post(client, teacher)
    assert response.status_code == 302
    assert "Không có gì thay đổi: trích ngang giữ nguyên." in page(client.get(response["Location"]))


def test_an_edit_over_a_newer_save_is_refused_with_the_newer_values(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100", sex="F")
    client = world.client()
    data = form_data(page(client.get(edit_url(teacher))))
    principal = user_for(world.school, username="hieutruongT", role="principal")
    services.teacher_update(teacher=teacher, changes={"position": "head", "phone": "0987654321"},
                            subjects=[subject("TOAN")], by=principal, expected_version=1)
    data.update({"qualification": ["Thạc sĩ"]})
    with nothing_saved():
        html = page(client.post(edit_url(teacher), data))
    assert summary(html).startswith("Chưa lưu: trích ngang vừa được Phan Văn Long cập nhật lúc ")
    assert "hãy tải lại trang rồi sửa lại trên bản mới." in summary(html)
    assert error_of(html, "position") == "Vừa được lưu thành: Tổ trưởng chuyên môn."
    assert error_of(html, "phone") == "Vừa được lưu thành: 0987654321."
    assert "Vừa được lưu thành: Toán." in html
    assert error_of(html, "qualification") == "" and value_of(html, "qualification") == "Thạc sĩ"
    teacher.refresh_from_db()
    assert (teacher.qualification, teacher.version) == ("", 2)


def test_a_staff_code_taken_by_another_teacher_is_refused_on_edit(world):
    add_teacher(world, "Lê Văn Cường", "GV0200")
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    with nothing_saved():
        html = page(edit_post(world.client(), teacher, staff_code="GV0200"))
    assert error_of(html, "staff_code").startswith("Mã cán bộ GV0200 đã được dùng cho một giáo viên khác")


def test_another_schools_teacher_is_refused(world):
    other = build_world(code="U")
    theirs = add_teacher(world, "Lê Văn Cường", "GV0200", school=other.school)
    client = world.client()
    with nothing_saved():
        assert client.get(edit_url(theirs)).status_code == 403
        response = client.post(edit_url(theirs), {**GOOD, "version": "1"})
        assert response.status_code == 403
        assert client.get(reverse("people:teacher_detail", args=[theirs.pk])).status_code == 403
    # The other school's deputy principal sees the teacher, without the link to edit nor the page.
    reader = user_for(other.school, username="phoT", role="deputy_principal")
    page_html = page(world.client(reader).get(reverse("people:teacher_detail", args=[theirs.pk])))
    assert "Sửa trích ngang" not in page_html
    assert world.client(reader).get(edit_url(theirs)).status_code == 403


def test_opening_the_edit_page_is_a_full_read_in_the_audit_log(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    world.client().get(edit_url(teacher))
    entry = AuditEntry.objects.get(action="people:teacher:view_full")
    assert (entry.object_id, entry.actor_id) == (str(teacher.pk), world.admin.pk)


# --- Xuất Excel danh sách trích ngang ----------------------------------------------------------------------

FULL_HEADERS = ["STT", "Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân",
                "Trình độ chuyên môn", "Chức vụ", "Môn giảng dạy", "Loại hợp đồng", "Điện thoại", "Thư điện tử"]
MASKED_HEADERS = ["STT", "Mã cán bộ", "Họ và tên", "Trình độ chuyên môn", "Chức vụ", "Môn giảng dạy",
                  "Loại hợp đồng"]
HEAD_ROW = 5


def sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(response.content)).active
    return list(ws.iter_rows(values_only=True))


def table(rows: list[tuple]) -> tuple[list, list[list]]:
    """(header, teacher rows) under the title block."""
    head = list(rows[HEAD_ROW - 1])
    return head, [list(r) for r in rows[HEAD_ROW:]]


def export_url(school) -> str:
    return f"{reverse(EXPORT)}?truong={school.pk}"


def test_the_export_has_one_row_per_teacher_in_vietnamese_order(world):
    other = build_world(code="U")
    add_teacher(other, "Bùi Thị An", "GV0900", school=other.school)
    duc = add_teacher(world, "Phạm Văn Đức", "GV0104", phone="0912345678", email="duc@truong.edu.vn",
                      personal_id="031080000104", qualification="=HYPERLINK(\"http://x\")")
    duc.subjects.set([subject("LY"), subject("TOAN")])
    add_teacher(world, "Nguyễn Thị Ánh", "GV0102", sex="F", position="head", contract_type="contract")
    add_teacher(world, "Lê Văn Dũng", "GV0103")
    add_teacher(world, "Trần Thị Anh", "GV0101", sex="F")
    rows = sheet(world.client().get(export_url(world.school)))
    assert rows[0][0] == "DANH SÁCH TRÍCH NGANG GIÁO VIÊN, NHÂN VIÊN"
    assert rows[1][0] == "Trường: Trường THCS Thử nghiệm"
    head, body = table(rows)
    assert head == FULL_HEADERS
    assert [r[2] for r in body] == ["Trần Thị Anh", "Nguyễn Thị Ánh", "Lê Văn Dũng", "Phạm Văn Đức"]
    assert [r[0] for r in body] == [1, 2, 3, 4]
    assert body[3] == [4, "GV0104", "Phạm Văn Đức", "01/02/1980", "Nam", "031080000104",
                       '=HYPERLINK("http://x")', "Giáo viên", "Toán, Vật lí", "Viên chức", "0912345678",
                       "duc@truong.edu.vn"]
    assert body[1][3:10] == ["01/02/1980", "Nữ", None, None, "Tổ trưởng chuyên môn", None, "Hợp đồng lao động"]
    ws = load_workbook(io.BytesIO(world.client().get(export_url(world.school)).content)).active
    assert ws.cell(row=HEAD_ROW + 4, column=7).data_type == "s"  # text, not a formula


def test_each_export_is_one_audit_row(world):
    add_teacher(world, "Lê Văn Dũng", "GV0103")
    add_teacher(world, "Trần Thị Anh", "GV0101", sex="F")
    response = world.client().get(export_url(world.school))
    assert response.status_code == 200
    assert 'filename="trich-ngang-giao-vien-TRT.xlsx"' in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="people:teacher:export")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.school_id) == (
        world.admin.pk, "school", str(world.school.pk), world.school.pk)
    assert entry.after == {"teachers": 2, "personal_data": True, "to": "web"}
    shown = audit_entry_view(entry)  # as the audit log page reads it
    assert (shown.action_label, shown.object_label) == ("Xuất Excel danh sách trích ngang giáo viên",
                                                        f"Trường #{world.school.pk}")
    assert not AuditEntry.objects.filter(action="people:teacher:view_full").exists()  # one row, not one per teacher


def test_another_schools_export_is_refused(world):
    other = build_world(code="U")
    add_teacher(other, "Bùi Thị An", "GV0900", school=other.school)
    response = world.client().get(export_url(other.school))
    assert response.status_code == 403
    assert world.client().get(f"{reverse(EXPORT)}?truong=abc").status_code == 403
    assert not AuditEntry.objects.filter(action="people:teacher:export").exists()


def test_without_a_school_a_user_of_several_is_asked_to_choose(world):
    second = build_world(code="U")
    client = world.client(user_for(world.school, second.school))
    response = client.get(reverse(EXPORT))
    assert response.status_code == 302 and response["Location"] == reverse("people:teacher_list")
    assert "Chọn một trường để xuất danh sách trích ngang." in page(client.get(response["Location"]))
    assert sheet(world.client().get(reverse(EXPORT)))[1][0] == "Trường: Trường THCS Thử nghiệm"  # their only one


@pytest.mark.parametrize("username", ROLE_USERS)
def test_the_export_shows_each_role_what_the_teachers_page_shows(login, city, username):
    """Personal columns for the Department, the school board and the principal (as on the teacher's page); the
    list without them for the commune, the deputy and the teachers; nothing for the family."""
    school = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn").school
    teachers = Teacher.objects.filter(school=school)
    response = login(username).get(export_url(school))
    if username in ("hocsinh", "phuhuynh"):
        assert response.status_code == 403
        return
    rows = sheet(response)
    head, body = table(rows)
    assert len(body) == teachers.count() > 5
    assert sorted(r[1] for r in body) == sorted(teachers.values_list("staff_code", flat=True))
    full = username in ("so", "bgh", "hieutruong")
    assert head == (FULL_HEADERS if full else MASKED_HEADERS)
    detail = page(login(username).get(reverse("people:teacher_detail", args=[teachers[0].pk])))
    assert ("Số định danh cá nhân" in detail) == full
    cells = {str(v) for r in rows for v in r if v is not None}
    secrets = {t.personal_id for t in teachers} | {t.birth_date.strftime("%d/%m/%Y") for t in teachers}
    assert (secrets <= cells) if full else not (secrets & cells)
    if not full:
        assert any("Bản rút gọn" in str(r[0]) for r in rows[:HEAD_ROW])
    entry = AuditEntry.objects.filter(action="people:teacher:export").latest("seq")
    assert entry.actor.username == username and entry.after["personal_data"] is full


def test_characters_excel_refuses_do_not_break_the_export(world):
    """A qualification pasted from Word keeps its line break (\\x0b) and other control characters: the list is
    still exported (a 500 would stop the whole school's list), without them."""
    response = create_post(world, qualification="Cử nhân\x0bsư phạm Toán\x07", full_name="Nguyễn Thị\x1b Ánh")
    assert response.status_code == 302
    head, body = table(sheet(world.client().get(export_url(world.school))))
    row = dict(zip(head, body[0], strict=True))
    assert (row["Họ và tên"], row["Trình độ chuyên môn"]) == ("Nguyễn Thị Ánh", "Cử nhân sư phạm Toán")

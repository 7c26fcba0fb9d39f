"""The school's pages for what used to exist only as services: Thêm học sinh (profile and class together), cha
mẹ / người giám hộ on the student's page, and the enrolment status (chuyển đi, thôi học …) with its date.

Each test is what a school user sees: the page or the link, a Vietnamese message next to the field that is wrong
with what they typed still there, the row that appears — or a 403 for a teacher and for another school's data."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from contextlib import contextmanager

import pytest
from django.urls import reverse
from django.utils import timezone

from hocba.core.errors import DomainError
from hocba.core.models import AuditEntry
from hocba.people import services
from hocba.people.models import Enrolment, Guardian, Guardianship, Student
from tests.people.world import build_world

ADMIT = "people:student_admit"
GOOD = {"full_name": "Trần Thị Bích", "birth_date": "14/03/2014", "sex": "F", "personal_id": "031314000777",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "birth_place": "Hải Phòng", "residence": "Số 7 Lê Lợi",
        "policy_category": "", "moet_code": "", "register_number": "", "status": "studying", "status_date": ""}


@contextmanager
def nothing_saved():
    """No student, enrolment, guardian or audited change is written (re-showing the student's page after a refused
    form is a read of the full profile: that audit row, and only that one, may appear)."""
    def counts():
        changes = AuditEntry.objects.exclude(action="people:student:view_full")
        return (Student.objects.count(), Enrolment.objects.count(), Guardian.objects.count(),
                Guardianship.objects.count(), changes.count(), list(Enrolment.objects.values_list("status", "pk")))

    before = counts()
    yield
    assert counts() == before, "dữ liệu đã bị ghi dù thao tác bị từ chối"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def label_of(html: str, name: str) -> str:
    """The ``<label>`` holding the field ``name`` (from the field on): its value and its error."""
    return html.split(f'name="{name}"', 1)[1].split("</label>", 1)[0]


def error_of(html: str, name: str) -> str:
    found = re.search(r'<span class="error">(.*?)</span>', label_of(html, name), re.S)
    return html_lib.unescape(found.group(1)) if found else ""


def value_of(html: str, name: str) -> str:
    tag = html.split(f'name="{name}"', 1)[1].split(">", 1)[0]
    found = re.search(r'value="([^"]*)"', tag)
    return html_lib.unescape(found.group(1)) if found else ""


def admit(world, client=None, **changes):
    data = {**GOOD, "class_group": world.class_b.pk, **changes}
    return (client or world.client()).post(reverse(ADMIT), data)


# --- Thêm học sinh ----------------------------------------------------------------------------

def test_student_list_and_class_page_lead_to_the_admit_page_with_the_class_chosen(world):
    client = world.client()
    url = reverse(ADMIT)
    assert f'href="{url}">Thêm học sinh</a>' in page(client.get(reverse("people:student_list")))
    class_page = page(client.get(reverse("org:class_detail", args=[world.class_b.pk])))
    assert f'href="{url}?lop={world.class_b.pk}">Thêm học sinh vào lớp</a>' in class_page

    html = page(client.get(f"{url}?lop={world.class_b.pk}"))
    assert f'<option value="{world.class_b.pk}" selected>Lớp 6A2</option>' in html
    assert f'<option value="{world.class_a.pk}">Lớp 6A1</option>' in html


def test_admitting_creates_the_student_in_the_class_and_says_so(world, school_day):
    client = world.client()
    response = admit(world, client)
    student = Student.objects.get(personal_id="031314000777")
    assert response.status_code == 302 and response["Location"] == reverse("people:student_detail",
                                                                           args=[student.pk])
    assert (student.full_name, student.birth_date, student.sex, student.birth_place) == (
        "Trần Thị Bích", dt.date(2014, 3, 14), "F", "Hải Phòng")
    enrolment = Enrolment.objects.get(student=student)
    assert (enrolment.class_group, enrolment.status, enrolment.status_date) == (world.class_b, "studying", school_day)
    actions = set(AuditEntry.objects.filter(object_id=str(student.pk)).values_list("action", flat=True))
    assert {"people:student:create", "people:enrolment:create"} <= actions
    html = page(client.get(response["Location"]))
    assert "Đã thêm học sinh Trần Thị Bích vào lớp 6A2." in html


def test_a_student_transferring_in_keeps_the_date_of_arrival(world):
    admit(world, status="transferred_in", status_date="05/10/2025")
    enrolment = Enrolment.objects.get(student__personal_id="031314000777")
    assert (enrolment.status, enrolment.status_date) == ("transferred_in", dt.date(2025, 10, 5))


def test_every_mistake_is_shown_next_to_its_field_with_what_was_typed(world):
    with nothing_saved():
        html = page(admit(world, full_name="An", birth_date="31/02/2014", sex="", personal_id="123",
                          ethnicity="", class_group="", status_date="01/01/2999"))
    assert "Chưa lưu được: hãy sửa các ô báo lỗi bên dưới." in html
    assert error_of(html, "full_name") == "Họ và tên phải có ít nhất họ và tên, không chứa chữ số."
    assert "Ngày '31/02/2014' không hợp lệ" in error_of(html, "birth_date")
    assert error_of(html, "sex") == "Bắt buộc nhập."
    assert error_of(html, "personal_id") == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert error_of(html, "ethnicity") == "Bắt buộc nhập."
    assert error_of(html, "class_group") == "Chọn lớp để ghi danh học sinh."
    assert "01/01/2999 ở tương lai" in error_of(html, "status_date")
    assert error_of(html, "residence") == ""
    assert (value_of(html, "full_name"), value_of(html, "birth_date"), value_of(html, "personal_id"),
            value_of(html, "residence")) == ("An", "31/02/2014", "123", "Số 7 Lê Lợi")


def test_a_personal_id_already_in_the_city_is_refused_next_to_it(world):
    world.add_student("Lê Văn Cường", personal_id="031314000777", sex="F")
    with nothing_saved():
        html = page(admit(world))
    assert error_of(html, "personal_id") == "Số định danh này đã thuộc về một học sinh khác trong hệ thống."


def test_the_student_is_not_kept_when_the_enrolment_fails(world, monkeypatch, school_day):
    """One transaction: a refused enrolment leaves no student (and no audit row) behind."""
    def refuse(**kwargs):
        raise DomainError("Không ghi danh được.", {"Lớp": ["Lớp 6A2 vừa bị khoá."]})

    monkeypatch.setattr(services, "enrolment_create", refuse)
    with nothing_saved():
        html = page(admit(world))
    assert error_of(html, "class_group") == "Lớp 6A2 vừa bị khoá."
    assert value_of(html, "full_name") == "Trần Thị Bích"


def test_another_schools_class_is_refused(world):
    other = build_world(code="U")
    with nothing_saved():
        html = page(admit(world, class_group=other.class_a.pk))
    assert error_of(html, "class_group") == "Lớp này không thuộc trường của bạn trong năm học hiện tại."
    assert f'value="{other.class_a.pk}"' not in html  # not offered either
    assert world.client().get(f"{reverse(ADMIT)}?lop={other.class_a.pk}").status_code == 403


# --- cha mẹ / người giám hộ ----------------------------------------------------------------------

def guardian_post(world, student, client=None, **changes):
    data = {"gh-relation": "mother", "gh-full_name": "Nguyễn Thị Hoa", "gh-occupation": "Giáo viên",
            "gh-phone": "0912 345 678", "gh-email": ""}
    data.update({f"gh-{k}": v for k, v in changes.items()})
    return (client or world.client()).post(reverse("people:guardian_add", args=[student.pk]), data)


def test_a_guardian_added_on_the_students_page_is_listed_there(world):
    student = world.add_student("Lê Văn Cường")
    detail = reverse("people:student_detail", args=[student.pk])
    client = world.client()
    html = page(client.get(detail))
    assert f'action="{reverse("people:guardian_add", args=[student.pk])}"' in html
    assert "Thêm cha mẹ / người giám hộ" in html

    response = guardian_post(world, student, client)
    assert response.status_code == 302 and response["Location"] == f"{detail}#phu-huynh"
    html = page(client.get(detail))
    assert "Đã thêm mẹ Nguyễn Thị Hoa." in html
    assert ('<td data-label="Quan hệ">Mẹ</td><td data-label="Họ và tên">Nguyễn Thị Hoa</td>'
            '<td data-label="Nghề nghiệp">Giáo viên</td><td data-label="Điện thoại">0912345678</td>') in html
    entry = AuditEntry.objects.filter(action="people:guardian:add").latest("seq")
    assert entry.object_id == str(student.pk) and entry.after["guardian"] == "Nguyễn Thị Hoa"


@pytest.mark.parametrize("phone", ["+84912345678", "0912.345.678", ""])
def test_phone_numbers_as_people_write_them_are_accepted(world, phone):
    student = world.add_student("Lê Văn Cường")
    assert guardian_post(world, student, phone=phone).status_code == 302
    assert Guardian.objects.get().phone == phone.replace(".", "")


@pytest.mark.parametrize("phone", ["12345", "1912345678", "091234567", "09123456789", "+8491234567", "09l2345678"])
def test_a_bad_phone_number_is_refused_next_to_the_phone(world, phone):
    student = world.add_student("Lê Văn Cường")
    with nothing_saved():
        html = page(guardian_post(world, student, phone=phone))
    assert "phải gồm 10 chữ số bắt đầu bằng 0" in error_of(html, "gh-phone")
    assert value_of(html, "gh-phone") == phone and value_of(html, "gh-full_name") == "Nguyễn Thị Hoa"


@pytest.mark.parametrize(("name", "message"), [
    ("", "Bắt buộc nhập."), ("Hoa", "Họ và tên phải có ít nhất họ và tên, không chứa chữ số."),
    ("Nguyễn Thị 2", "Họ và tên phải có ít nhất họ và tên, không chứa chữ số."),
])
def test_a_guardian_needs_a_real_name(world, name, message):
    student = world.add_student("Lê Văn Cường")
    with nothing_saved():
        html = page(guardian_post(world, student, full_name=name, email="khong-phai-email"))
    assert error_of(html, "gh-full_name") == message
    assert error_of(html, "gh-email") == "Địa chỉ thư điện tử 'khong-phai-email' không hợp lệ."
    assert error_of(html, "gh-phone") == ""


def test_another_schools_student_gets_no_guardian(world):
    other = build_world(code="U")
    stranger = other.add_student("Phạm Văn Dũng")
    with nothing_saved():
        response = guardian_post(world, stranger)
    assert response.status_code == 403


# --- trạng thái học tập ------------------------------------------------------------------------

def status_post(world, student, client=None, *, seen: str | None = None, **changes):
    enrolment = Enrolment.objects.get(student=student)
    data = {"tt-status": "transferred_out", "tt-status_date": timezone.localdate().strftime("%d/%m/%Y"),
            "tt-seen": seen or f"{enrolment.pk}:{enrolment.status}"}
    data.update({f"tt-{k}": v for k, v in changes.items()})
    return (client or world.client()).post(reverse("people:enrolment_status", args=[student.pk]), data)


def test_the_status_form_asks_before_it_records(world):
    student = world.add_student("Lê Văn Cường")
    html = page(world.client().get(reverse("people:student_detail", args=[student.pk])))
    form = html.split(f'action="{reverse("people:enrolment_status", args=[student.pk])}"', 1)[1].split(">", 1)[0]
    assert 'data-confirm="Ghi nhận trạng thái mới cho Lê Văn Cường (lớp 6A1)?' in form
    assert "Hiện tại: <b>Đang học</b> — lớp 6A1" in html
    options = label_of(html, "tt-status")
    assert ">Chuyển đi<" in options and ">Thôi học<" in options and ">Đang học<" not in options


def test_a_transfer_out_is_recorded_and_shown(world):
    student = world.add_student("Lê Văn Cường")
    client = world.client()
    response = status_post(world, student, client)
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(student=student)
    assert enrolment.status == "transferred_out"
    html = page(client.get(response["Location"]))
    assert "Đã ghi nhận: Lê Văn Cường — chuyển đi (lớp 6A1) từ ngày" in html
    assert f"<td>Chuyển đi</td><td>{enrolment.status_date:%d/%m/%Y}</td>" in html
    entry = AuditEntry.objects.filter(action="people:enrolment:status").latest("seq")
    assert entry.before == {"status": "studying"} and entry.after == {"status": "transferred_out"}


def test_a_status_date_in_the_future_is_refused_next_to_the_date(world):
    student = world.add_student("Lê Văn Cường")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    with nothing_saved():
        html = page(status_post(world, student, status_date=tomorrow))
    assert f"Ngày {tomorrow} ở tương lai" in error_of(html, "tt-status_date")
    assert value_of(html, "tt-status_date") == tomorrow
    assert Enrolment.objects.get(student=student).status == "studying"


def test_a_status_changed_meanwhile_by_someone_else_is_not_overwritten(world):
    student = world.add_student("Lê Văn Cường")
    enrolment = Enrolment.objects.get(student=student)
    seen = f"{enrolment.pk}:studying"  # the page as it was opened
    services.enrolment_set_status(enrolment=enrolment, status="dropped_out", by=world.admin)
    html = page(status_post(world, student, seen=seen, status="transferred_out"))
    assert "Trạng thái đã được người khác đổi thành &#x27;Thôi học&#x27;" in html
    assert Enrolment.objects.get(student=student).status == "dropped_out"


def test_another_schools_student_status_is_refused(world):
    other = build_world(code="U")
    stranger = other.add_student("Phạm Văn Dũng")
    response = status_post(world, stranger)
    assert response.status_code == 403
    assert Enrolment.objects.get(student=stranger).status == "studying"


# --- teachers and the deputy: no such pages -----------------------------------------------------

@pytest.mark.parametrize("username", ["gvcn", "gvbm", "phohieutruong"])
def test_teachers_without_the_role_get_403_and_see_no_forms(login, username):
    student = Student.objects.get(user__username="hocsinh")
    enrolment = Enrolment.objects.get(student=student, class_group__school_year__is_current=True)
    client = login(username)
    before = (Student.objects.count(), Guardian.objects.count(), enrolment.status)
    assert client.get(reverse(ADMIT)).status_code == 403
    assert client.post(reverse(ADMIT), {**GOOD, "class_group": enrolment.class_group_id}).status_code == 403
    assert client.post(reverse("people:guardian_add", args=[student.pk]),
                       {"gh-relation": "father", "gh-full_name": "Phan Văn Bình"}).status_code == 403
    assert client.post(reverse("people:enrolment_status", args=[student.pk]),
                       {"tt-status": "dropped_out", "tt-status_date": "01/10/2025",
                        "tt-seen": f"{enrolment.pk}:{enrolment.status}"}).status_code == 403
    enrolment.refresh_from_db()
    assert (Student.objects.count(), Guardian.objects.count(), enrolment.status) == before
    html = page(client.get(reverse("people:student_detail", args=[student.pk])))
    assert "Thêm cha mẹ / người giám hộ" not in html and "Cập nhật trạng thái học tập" not in html
    assert "Thêm học sinh" not in page(client.get(reverse("people:student_list")))

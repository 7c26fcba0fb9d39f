"""Sửa and Xoá cha mẹ / người giám hộ on the student's page: a correction checked as the add form checks it, an
edit over someone else's refused, a removal asked first and audited with what was removed — after which the
person's family account no longer reaches the student. Only the school's records board and principal may."""

from __future__ import annotations

import html as html_lib

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hocba.core.audit_labels import HIDDEN, action_label, audit_entry_view
from hocba.core.models import AuditEntry
from hocba.people import services
from hocba.people.models import Guardian, Guardianship, Student
from tests.people.test_pages_create import error_of, guardian_post, nothing_saved, page, value_of
from tests.people.world import build_world
from tests.records.conftest import archive_dir, homeroom_class  # noqa: F401  (fixtures: a closed class's year)

FIELDS = ("relation", "full_name", "occupation", "phone", "email", "personal_id")


def edit_url(link) -> str:
    return reverse("people:guardian_edit", args=[link.student_id, link.guardian_id])


def remove_url(link) -> str:
    return reverse("people:guardian_remove", args=[link.student_id, link.guardian_id])


def detail_url(student) -> str:
    return reverse("people:student_detail", args=[student.pk])


def with_mother(world, name: str = "Lê Văn Cường") -> Guardianship:
    """A student of the world with a mother added through the service (as the add form does)."""
    student = world.add_student(name)
    return services.guardian_add(student=student, full_name="Nguyễn Thị Hoa", relation="mother",
                                 occupation="Giáo viên", phone="0912 345 678", by=world.admin)


def form_data(html: str) -> dict[str, str]:
    """What the edit page would send back untouched (``gh-relation`` is the selected option)."""
    data = {f"gh-{f}": value_of(html, f"gh-{f}") for f in FIELDS if f != "relation"}
    relation = html.split('name="gh-relation"', 1)[1].split("</select>", 1)[0]
    data["gh-relation"] = relation.split('" selected>', 1)[0].rsplit('value="', 1)[1]
    data["gh-seen"] = value_of(html, "gh-seen")
    return data


def edit_post(world, link, client=None, **changes):
    client = client or world.client()
    data = form_data(page(client.get(edit_url(link))))
    data.update({f"gh-{k}": v for k, v in changes.items()})
    return client.post(edit_url(link), data)


# --- the student's page -------------------------------------------------------------------------

def test_each_guardian_has_sua_and_a_xoa_that_asks_first(world):
    link = with_mother(world)
    html = page(world.client().get(detail_url(link.student)))
    assert (f'<a class="button" href="{edit_url(link)}" aria-label="Sửa thông tin Nguyễn Thị Hoa">Sửa</a>'
            in html)
    form = html.split(f'action="{remove_url(link)}"', 1)[1].split(">", 1)[0]
    assert html_lib.unescape(form).startswith(
        ' data-confirm="Xoá mẹ Nguyễn Thị Hoa khỏi hồ sơ của Lê Văn Cường? Tài khoản gia đình của người này (nếu có) '
        "sẽ không xem được hồ sơ, học bạ của học sinh nữa; các liên kết chia sẻ người này đã gửi cũng thôi mở được.")
    assert 'aria-label="Xoá Nguyễn Thị Hoa khỏi hồ sơ">Xoá</button>' in html


# --- Sửa --------------------------------------------------------------------------------------------

def test_the_edit_page_shows_the_guardian_and_saves_a_correction(world):
    link = with_mother(world)
    client = world.client()
    html = page(client.get(edit_url(link)))
    assert (value_of(html, "gh-full_name"), value_of(html, "gh-phone"), value_of(html, "gh-occupation")) == (
        "Nguyễn Thị Hoa", "0912345678", "Giáo viên")
    assert form_data(html)["gh-relation"] == "mother"
    assert "còn là phụ huynh của" not in html  # the guardian of this student only

    response = edit_post(world, link, client, full_name="Nguyễn Thị  Hoà", relation="guardian",
                         phone="0987.654.321", email=" hoa@truong.edu.vn ", personal_id="001 190 012 345")
    assert response.status_code == 302 and response["Location"] == f"{detail_url(link.student)}#phu-huynh"
    html = page(client.get(response["Location"]))
    assert "Đã lưu thông tin người giám hộ Nguyễn Thị Hoà." in html
    assert ('<td data-label="Quan hệ">Người giám hộ</td><td data-label="Họ và tên">Nguyễn Thị Hoà</td>'
            '<td data-label="Nghề nghiệp">Giáo viên</td><td data-label="Điện thoại">0987654321</td>') in html
    guardian = Guardian.objects.get(pk=link.guardian_id)
    assert (guardian.full_name, guardian.search_name, guardian.phone, guardian.email, guardian.personal_id) == (
        "Nguyễn Thị Hoà", "nguyen thi hoa", "0987654321", "hoa@truong.edu.vn", "001190012345")
    assert Guardianship.objects.get(pk=link.pk).relation == "guardian"
    entry = AuditEntry.objects.filter(action="people:guardian:update").get()
    assert (entry.object_type, entry.object_id, entry.school_id) == ("student", str(link.student_id), world.school.pk)
    assert entry.before == {"guardian": "Nguyễn Thị Hoa", "relation": "mother", "phone": "0912345678", "email": "",
                            "personal_id": None}
    assert entry.after == {"guardian": "Nguyễn Thị Hoà", "relation": "guardian", "phone": "0987654321",
                           "email": "hoa@truong.edu.vn", "personal_id": "001190012345"}


def test_an_edit_that_changes_nothing_writes_nothing(world):
    link = with_mother(world)
    assert edit_post(world, link).status_code == 302
    assert not AuditEntry.objects.filter(action="people:guardian:update").exists()


def test_a_changed_phone_names_the_guardian_in_the_audit(world):
    link = with_mother(world)
    edit_post(world, link, phone="0987654321")
    entry = AuditEntry.objects.filter(action="people:guardian:update").get()
    assert entry.before == {"guardian": "Nguyễn Thị Hoa", "phone": "0912345678"}
    assert entry.after == {"guardian": "Nguyễn Thị Hoa", "phone": "0987654321"}


def test_edit_mistakes_are_shown_next_to_their_field_as_when_adding(world):
    link = with_mother(world)
    student = link.student
    with nothing_saved():
        added = page(guardian_post(world, student, full_name="Hoa", phone="12345", email="khong-phai-email",
                                   personal_id="123"))
        edited = page(edit_post(world, link, full_name="Hoa", phone="12345", email="khong-phai-email",
                                personal_id="123"))
    assert "Chưa lưu được: hãy sửa các ô báo lỗi bên dưới." in edited
    for name in ("gh-full_name", "gh-phone", "gh-email", "gh-personal_id"):
        assert error_of(edited, name) == error_of(added, name) != "", name
    assert error_of(edited, "gh-full_name") == "Họ và tên phải có ít nhất họ và tên, không chứa chữ số."
    assert error_of(edited, "gh-personal_id") == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert error_of(edited, "gh-occupation") == ""
    assert (value_of(edited, "gh-full_name"), value_of(edited, "gh-phone"), value_of(edited, "gh-email")) == (
        "Hoa", "12345", "khong-phai-email")
    with nothing_saved():
        assert error_of(page(edit_post(world, link, full_name="")), "gh-full_name") == "Bắt buộc nhập."


def test_the_add_form_takes_a_personal_id_too(world):
    student = world.add_student("Lê Văn Cường")
    assert guardian_post(world, student, personal_id="001190012345").status_code == 302
    assert Guardian.objects.get().personal_id == "001190012345"


def test_a_personal_id_held_by_another_guardian_is_refused(world):
    link = with_mother(world)
    father = services.guardian_add(student=link.student, full_name="Lê Văn Bình", relation="father",
                                   personal_id="001090012345", by=world.admin)
    assert edit_post(world, father, occupation="Kỹ sư").status_code == 302  # their own number stays theirs
    with nothing_saved():
        html = page(edit_post(world, link, personal_id="001090012345"))
    assert error_of(html, "gh-personal_id") == "Số định danh này đã thuộc về một phụ huynh khác trong hệ thống."
    with nothing_saved():
        html = page(guardian_post(world, link.student, personal_id="001090012345"))
    assert error_of(html, "gh-personal_id") == "Số định danh này đã thuộc về một phụ huynh khác trong hệ thống."


def test_an_edit_over_someone_elses_is_refused(world):
    link = with_mother(world)
    client = world.client()
    opened = form_data(page(client.get(edit_url(link))))  # the page as it was opened
    services.guardian_update(link=link, full_name="Nguyễn Thị Hoa", relation="mother", occupation="Giáo viên",
                             phone="0911111111", by=world.admin)
    html = page(client.post(edit_url(link), {**opened, "gh-phone": "0922222222"}))
    assert ("Chưa lưu được. Thông tin phụ huynh đã được người khác cập nhật; hãy tải lại trang và sửa lại."
            in html_lib.unescape(html))
    assert Guardian.objects.get(pk=link.guardian_id).phone == "0911111111"
    assert AuditEntry.objects.filter(action="people:guardian:update").count() == 1
    with nothing_saved():  # a form that lost what it saw says so too
        html = page(client.post(edit_url(link), {k: v for k, v in opened.items() if k != "gh-seen"}))
    assert "Chưa lưu được. Biểu mẫu không hợp lệ; hãy tải lại trang." in html


def test_a_guardian_of_two_students_is_corrected_for_both_and_the_page_says_so(world):
    link = with_mother(world)
    sibling = world.add_student("Lê Thị Dung")
    Guardianship.objects.create(student=sibling, guardian_id=link.guardian_id, relation="mother")
    html = html_lib.unescape(page(world.client().get(edit_url(link))))
    assert "Nguyễn Thị Hoa còn là phụ huynh của 1 học sinh khác" in html
    edit_post(world, link, full_name="Nguyễn Thị Hoà", relation="guardian")
    assert '<td data-label="Quan hệ">Mẹ</td><td data-label="Họ và tên">Nguyễn Thị Hoà</td>' in page(
        world.client().get(detail_url(sibling)))
    assert Guardianship.objects.get(student=sibling).relation == "mother"  # the relation is per student


# --- Xoá --------------------------------------------------------------------------------------------

def test_removing_a_guardian_deletes_them_and_audits_what_was_removed(world):
    link = with_mother(world)
    client = world.client()
    response = client.post(remove_url(link))
    assert response.status_code == 302 and response["Location"] == f"{detail_url(link.student)}#phu-huynh"
    html = page(client.get(response["Location"]))
    assert "Đã xoá mẹ Nguyễn Thị Hoa khỏi hồ sơ của Lê Văn Cường." in html
    assert "Nguyễn Thị Hoa</td>" not in html and "Chưa có thông tin." in html
    assert not Guardianship.objects.exists() and not Guardian.objects.exists()
    entry = AuditEntry.objects.filter(action="people:guardian:remove").get()
    assert (entry.object_type, entry.object_id, entry.school_id) == ("student", str(link.student_id), world.school.pk)
    assert entry.before == {"guardian": "Nguyễn Thị Hoa", "relation": "mother", "occupation": "Giáo viên",
                            "phone": "0912345678", "email": "", "personal_id": None}
    assert entry.after == {"other_students": 0}

    again = client.post(remove_url(link))  # a second click, or a second tab
    assert "Người này đã không còn là cha mẹ / người giám hộ của học sinh." in page(client.get(again["Location"]))
    assert AuditEntry.objects.filter(action="people:guardian:remove").count() == 1
    assert client.get(edit_url(link)).status_code == 403


def test_a_get_removes_nothing(world):
    link = with_mother(world)
    with nothing_saved():
        assert world.client().get(remove_url(link)).status_code == 302


def test_a_guardian_of_another_student_is_only_unlinked(world):
    link = with_mother(world)
    sibling = world.add_student("Lê Thị Dung")
    Guardianship.objects.create(student=sibling, guardian_id=link.guardian_id, relation="mother")
    world.client().post(remove_url(link))
    assert list(Guardianship.objects.values_list("student_id", "guardian_id")) == [(sibling.pk, link.guardian_id)]
    assert AuditEntry.objects.filter(action="people:guardian:remove").get().after == {"other_students": 1}


def test_the_audit_page_hides_a_removed_guardians_details_from_readers_without_the_profile(world):
    link = with_mother(world)
    services.guardian_update(link=link, full_name="Nguyễn Thị Hoa", relation="mother", email="hoa@truong.edu.vn",
                             personal_id="001190012345", by=world.admin)
    world.client().post(remove_url(link))
    entry = AuditEntry.objects.filter(action="people:guardian:remove").get()
    assert action_label(entry.action) == "Xoá cha mẹ, người giám hộ khỏi hồ sơ học sinh"
    hidden = audit_entry_view(entry, hide_personal=True)
    assert {line.key: line.value for line in hidden.before} == {
        key: HIDDEN for key in ("guardian", "relation", "occupation", "phone", "email", "personal_id")}
    shown = {line.key: line.value for line in audit_entry_view(entry).before}
    assert (shown["email"], shown["relation"]) == ("hoa@truong.edu.vn", "Mẹ")


# --- the family account -------------------------------------------------------------------------

def demo_mother() -> Guardianship:
    """The demo parent (phuhuynh) as the mother of the demo student (hocsinh)."""
    return Guardianship.objects.select_related("student").get(guardian__user__username="phuhuynh")


def test_a_removed_parent_loses_the_family_page_and_the_childs_profile_and_book(login):
    link = demo_mother()
    parent = login("phuhuynh")
    book = reverse("records:book", args=[link.student_id])
    assert parent.get("/gia-dinh/").status_code == 200
    assert parent.get(detail_url(link.student)).status_code == 200 and parent.get(book).status_code == 200

    board = login("bgh")
    response = board.post(remove_url(link))
    assert response.status_code == 302
    html = html_lib.unescape(page(board.get(response["Location"])))
    assert "Tài khoản gia đình của người này không còn xem được hồ sơ, học bạ của" in html
    assert AuditEntry.objects.filter(action="people:guardian:remove").get().before["username"] == "phuhuynh"

    assert parent.get("/gia-dinh/").status_code == 403
    assert parent.get(detail_url(link.student)).status_code == 403 and parent.get(book).status_code == 403
    assert get_user_model().objects.filter(username="phuhuynh").exists()  # the account stays, reaching nothing


@pytest.fixture
def demo_record(homeroom_class):
    """A composed record of the demo student, in the homeroom class whose year tests/records closes."""
    from hocba.records.services import record_compose

    student = Student.objects.get(user__username="hocsinh")
    return record_compose(student=student, class_group=homeroom_class).version


def test_a_parent_of_another_child_keeps_the_family_page_without_the_removed_child(login, demo_record):
    link = demo_mother()
    sibling = (Student.objects.exclude(pk=link.student_id).filter(enrolments__class_group__school_year__is_current=True)
               .first())
    Guardianship.objects.create(student=sibling, guardian_id=link.guardian_id, relation="mother")
    parent = login("phuhuynh")
    family = html_lib.unescape(page(parent.get("/gia-dinh/")))
    assert f"{link.student.full_name} — lớp" in family

    login("bgh").post(remove_url(link))

    family = html_lib.unescape(page(parent.get("/gia-dinh/")))
    assert f"{link.student.full_name} — lớp" not in family
    assert parent.get(f"/gia-dinh/phien-ban/{demo_record.pk}/pdf/").status_code == 404
    assert parent.get(detail_url(link.student)).status_code == 403
    assert parent.get(detail_url(sibling)).status_code == 200
    assert Guardian.objects.filter(pk=link.guardian_id, user__username="phuhuynh").exists()


# --- who may ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["gvcn", "gvbm", "phohieutruong", "so", "xa", "hocsinh", "phuhuynh"])
def test_only_the_school_board_and_principal_edit_or_remove(login, username):
    link = demo_mother()
    client = login(username)
    before = list(Guardianship.objects.values_list("pk", "relation", "guardian__full_name", "guardian__phone"))
    assert client.get(edit_url(link)).status_code == 403
    assert client.post(edit_url(link), {"gh-relation": "guardian", "gh-full_name": "Phan Văn Bình",
                                        "gh-seen": services.guardian_fingerprint(link=link)}).status_code == 403
    assert client.post(remove_url(link)).status_code == 403
    assert list(Guardianship.objects.values_list("pk", "relation", "guardian__full_name", "guardian__phone")) == before
    assert not AuditEntry.objects.filter(action__startswith="people:guardian:").exists()
    response = client.get(detail_url(link.student))
    if response.status_code == 200:
        html = response.content.decode()
        assert edit_url(link) not in html and remove_url(link) not in html and 'class="row-actions"' not in html


@pytest.mark.parametrize("username", ["bgh", "hieutruong"])
def test_the_board_and_principal_see_both_actions(login, username):
    link = demo_mother()
    html = page(login(username).get(detail_url(link.student)))
    assert edit_url(link) in html and remove_url(link) in html


def test_another_schools_guardians_are_out_of_reach(world):
    other = build_world(code="U")
    theirs = services.guardian_add(student=other.add_student("Phạm Văn Dũng"), full_name="Phạm Văn Nam",
                                   relation="father", by=other.admin)
    mine = world.add_student("Lê Văn Cường")
    client = world.client()
    with nothing_saved():
        assert client.get(edit_url(theirs)).status_code == 403
        assert client.post(remove_url(theirs)).status_code == 403
        # their guardian through my student's address: not my student's guardian
        through_mine = reverse("people:guardian_edit", args=[mine.pk, theirs.guardian_id])
        assert client.get(through_mine).status_code == 403
        assert client.post(through_mine, {"gh-relation": "father", "gh-full_name": "Phan Văn Bình",
                                          "gh-seen": services.guardian_fingerprint(link=theirs)}).status_code == 403
        client.post(reverse("people:guardian_remove", args=[mine.pk, theirs.guardian_id]))
    assert Guardianship.objects.filter(pk=theirs.pk).exists()

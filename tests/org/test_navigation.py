"""The class, school and student pages link to the gradebook, records and signing pages, and a user
sees exactly the links they may open: each shown link answers 200 for them, each hidden one 403."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from hocba.org.models import ClassGroup, TeachingAssignment
from hocba.people.models import Guardianship, Student, Teacher
from tests.conftest import ROLE_USERS

#: The page's action buttons: ``<p class="page-links"><a class="button" href="…">text</a> …</p>``.
PAGE_LINKS = re.compile(r'<p class="page-links">(.*?)</p>', re.S)
#: The class page's "Sổ điểm" column: one link per term of each subject's grid.
SHEET_LINK = re.compile(r'<a href="([^"]+)" title="Sổ điểm ([^"]+)">([^<]+)</a>')
ANCHOR = re.compile(r'<a class="button(?: primary)?" href="([^"]+)">([^<]+)</a>')


#: The student page's guardians table: "Sửa" per guardian, named for the guardian (``aria-label``).
GUARDIAN_EDIT = re.compile(r'<a class="button" href="([^"]+)" aria-label="([^"]+)">Sửa</a>')


def guardian_links(page: str) -> list[tuple[str, str]]:
    """("Sửa thông tin <name>", href) of the guardians table's edit links."""
    return [(html_lib.unescape(label), href) for href, label in GUARDIAN_EDIT.findall(page)]


def guardian_targets(student) -> dict[str, str]:
    return {f"Sửa thông tin {g.guardian.full_name}": reverse("people:guardian_edit", args=[student.pk, g.guardian_id])
            for g in Guardianship.objects.filter(student=student).select_related("guardian")}


def buttons(page: str) -> list[tuple[str, str]]:
    """(text, href) of the page's action buttons, as the user sees them."""
    found = PAGE_LINKS.search(page)
    if found is None:
        return []
    return [(html_lib.unescape(text), href) for href, text in ANCHOR.findall(found.group(1))]


def sheet_links(page: str) -> list[tuple[str, str]]:
    """("<subject> <term>", href) of the links in the class page's "Sổ điểm" column."""
    return [(html_lib.unescape(title), href) for href, title, _text in SHEET_LINK.findall(page)]


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


@pytest.fixture
def home(city):
    """gvcn's class (gvbm teaches its Toán), its school and the demo student (hocsinh) of that class."""
    cls = ClassGroup.objects.select_related("school").get(homeroom_teacher__user__username="gvcn")
    return cls, cls.school, Student.objects.get(user__username="hocsinh")


def class_targets(cls) -> dict[str, str]:
    """Every page the class page may link to, by the text of its link."""
    return {
        "Thêm học sinh vào lớp": f"{reverse('people:student_admit')}?lop={cls.pk}",
        "Sổ điểm HK I": reverse("gradebook:homeroom", args=[cls.pk, 1]),
        "Sổ điểm HK II": reverse("gradebook:homeroom", args=[cls.pk, 2]),
        "Sổ điểm cả năm": reverse("gradebook:homeroom_year", args=[cls.pk]),
        "Học bạ của lớp": reverse("records:class_records", args=[cls.pk]),
        "Ký số học bạ": reverse("signing:class", args=[cls.pk]),
    }


def sheet_targets(cls) -> dict[str, str]:
    return {f"{a.subject.name} {name}": reverse("gradebook:sheet", args=[cls.pk, a.subject_id, term])
            for a in TeachingAssignment.objects.filter(class_group=cls).select_related("subject")
            for term, name in ((1, "HK I"), (2, "HK II"))}


def school_targets(school) -> dict[str, str]:
    return {
        "Khoá sổ toàn trường HK I": reverse("gradebook:school_locks", args=[school.pk, 1]),
        "Khoá sổ toàn trường HK II": reverse("gradebook:school_locks", args=[school.pk, 2]),
        "Tổng kết": reverse("gradebook:closing"),
        "Tổng hợp sổ điểm": f"{reverse('gradebook:aggregate_list')}#truong-{school.pk}",
        "Ký số học bạ toàn trường": reverse("signing:school", args=[school.pk]),
    }


def teacher_list_targets(school) -> dict[str, str]:
    """The teacher list's buttons, the list opened on the demo school (``?truong=``)."""
    return {"Thêm giáo viên": reverse("people:teacher_create"),
            "Xuất Excel danh sách trích ngang": f"{reverse('people:teacher_export')}?truong={school.pk}"}


def teacher_detail_targets(teacher) -> dict[str, str]:
    return {"Sửa trích ngang": reverse("people:teacher_edit", args=[teacher.pk])}


def test_the_school_board_adds_edits_and_exports_teachers_from_their_pages(login, home):
    _cls, school, _student = home
    teacher = Teacher.objects.get(user__username="gvbm")
    for username in ("bgh", "hieutruong"):
        client = login(username)
        page = get(client, reverse("people:teacher_list"))  # one school: no need to choose it
        assert buttons(page) == list(teacher_list_targets(school).items())
        page = get(client, reverse("people:teacher_detail", args=[teacher.pk]))
        assert buttons(page) == list(teacher_detail_targets(teacher).items())
        for url in [*teacher_list_targets(school).values(), *teacher_detail_targets(teacher).values()]:
            assert client.get(url).status_code == 200, url


def test_readers_of_the_teacher_list_get_only_the_export(login, home):
    _cls, school, _student = home
    teacher = Teacher.objects.get(user__username="gvbm")
    export = ("Xuất Excel danh sách trích ngang", f"{reverse('people:teacher_export')}?truong={school.pk}")
    for username in ("phohieutruong", "gvcn", "gvbm"):
        client = login(username)
        assert buttons(get(client, reverse("people:teacher_list"))) == [export], username
        assert buttons(get(client, reverse("people:teacher_detail", args=[teacher.pk]))) == [], username
    # The Department (the city) and the commune (its THCS and multi-level schools) see several schools: the export
    # waits for one to be chosen.
    for username in ("so", "xa"):
        client = login(username)
        page = get(client, reverse("people:teacher_list"))
        assert buttons(page) == [] and "Chọn một trường để xuất Excel" in page, username
        assert buttons(get(client, f"{reverse('people:teacher_list')}?truong={school.pk}")) == [export], username
        assert buttons(get(client, reverse("people:teacher_detail", args=[teacher.pk]))) == [], username


def test_principal_sees_the_class_school_and_student_links(login, home):
    cls, school, student = home
    client = login("hieutruong")

    page = get(client, reverse("org:class_detail", args=[cls.pk]))
    assert buttons(page) == list(class_targets(cls).items())
    sheets = sheet_targets(cls)
    assert len(sheets) >= 2 and sorted(sheet_links(page)) == sorted(sheets.items())

    page = get(client, reverse("org:school_detail", args=[school.pk]))
    assert buttons(page) == list(school_targets(school).items())

    page = get(client, reverse("people:student_detail", args=[student.pk]))
    assert ("Xem học bạ", reverse("records:book", args=[student.pk])) in buttons(page)
    assert ("Sửa hồ sơ", reverse("people:student_edit", args=[student.pk])) in buttons(page)

    toan = next(url for text, url in sheets.items() if text == "Toán HK I")
    for url in [*class_targets(cls).values(), toan, *school_targets(school).values(),
                reverse("records:book", args=[student.pk])]:
        get(client, url)


def test_subject_teacher_sees_only_their_subjects_and_no_school_links(login, home):
    cls, school, student = home
    client = login("gvbm")
    page = get(client, reverse("org:class_detail", args=[cls.pk]))
    texts = [text for text, _ in buttons(page)]
    assert texts == ["Học bạ của lớp", "Ký số học bạ"]  # not the homeroom page ("Sổ điểm HK I")
    assert "Sổ điểm HK I" not in texts and reverse("gradebook:homeroom", args=[cls.pk, 1]) not in page
    taught = {a.subject.name for a in TeachingAssignment.objects.filter(class_group=cls, teacher__user__username="gvbm")
              .select_related("subject")}
    assert "Toán" in taught
    shown = sheet_links(page)
    assert {title.rsplit(" HK ", 1)[0] for title, _ in shown} == taught
    for _title, url in shown:
        get(client, url)
    other = next(url for text, url in sheet_targets(cls).items() if text.rsplit(" HK ", 1)[0] not in taught)
    assert other not in page and client.get(other).status_code == 403

    page = get(client, reverse("org:school_detail", args=[school.pk]))
    assert buttons(page) == []
    assert "Khoá sổ" not in page and "Tổng kết" not in page and "Ký số" not in page

    # The học bạ carries the whole profile (ethnicity, policy category, parents): not for a subject teacher.
    page = get(client, reverse("people:student_detail", args=[student.pk]))
    assert buttons(page) == []


def test_parent_sees_the_book_but_not_staff_pages(login, home):
    cls, _school, student = home
    client = login("phuhuynh")
    page = get(client, reverse("people:student_detail", args=[student.pk]))
    assert buttons(page) == [("Xem học bạ", reverse("records:book", args=[student.pk]))]
    assert "Sửa hồ sơ" not in page and "Sổ điểm" not in page and "Ký số" not in page
    get(client, reverse("records:book", args=[student.pk]))
    assert client.get(reverse("org:class_detail", args=[cls.pk])).status_code == 403


def test_officer_sees_no_link_to_individual_records(login, home):
    cls, school, student = home
    client = login("xa")
    assert buttons(get(client, reverse("people:student_detail", args=[student.pk]))) == []
    assert client.get(reverse("records:book", args=[student.pk])).status_code == 403
    assert buttons(get(client, reverse("org:class_detail", args=[cls.pk]))) == []
    # The school's numbers (Tổng hợp sổ điểm: no name, no score) are the one link.
    assert buttons(get(client, reverse("org:school_detail", args=[school.pk]))) == [
        ("Tổng hợp sổ điểm", f"{reverse('gradebook:aggregate_list')}#truong-{school.pk}")]


@pytest.mark.parametrize("username", ROLE_USERS)
def test_a_link_is_shown_exactly_when_its_page_opens(login, home, username):
    """For each demo user and each page they can open: shown links answer 200, hidden targets 403."""
    cls, school, student = home
    teacher = Teacher.objects.get(user__username="gvbm")
    client = login(username)
    pages = (
        (reverse("org:class_detail", args=[cls.pk]), class_targets(cls), buttons),
        (reverse("org:class_detail", args=[cls.pk]), sheet_targets(cls), sheet_links),
        (reverse("org:school_detail", args=[school.pk]), school_targets(school), buttons),
        (reverse("people:student_detail", args=[student.pk]), {
            "Xem học bạ": reverse("records:book", args=[student.pk]),
            "Chuyển lớp": reverse("gradebook:student_move", args=[student.pk])}, buttons),
        (reverse("people:student_detail", args=[student.pk]), guardian_targets(student), guardian_links),
        (f"{reverse('people:teacher_list')}?truong={school.pk}", teacher_list_targets(school), buttons),
        (reverse("people:teacher_detail", args=[teacher.pk]), teacher_detail_targets(teacher), buttons),
    )
    assert teacher.school_id == school.pk
    assert len(guardian_targets(student)) == 2  # the demo student's father and mother
    for url, targets, read in pages:
        response = client.get(url)
        if response.status_code == 403:
            continue
        shown = dict(read(response.content.decode()))
        for text, target in targets.items():
            status = client.get(target).status_code
            assert status in (200, 403), f"{username} {target}: {status}"
            assert (shown.get(text) == target) == (status == 200), f"{username} on {url}: {text} ({status})"


def test_class_record_and_signing_pages_link_back_to_their_class_and_school(login, home):
    cls, school, _student = home
    client = login("gvbm")
    class_url = reverse("org:class_detail", args=[cls.pk])
    for url in (reverse("records:class_records", args=[cls.pk]), reverse("signing:class", args=[cls.pk])):
        assert f'<a href="{class_url}">Trang lớp {cls.name}</a>' in get(client, url)
    get(client, class_url)

    client = login("phohieutruong")
    school_url = reverse("org:school_detail", args=[school.pk])
    page = get(client, reverse("signing:school", args=[school.pk]))
    assert f'<a href="{school_url}">Về trang trường</a>' in page
    assert ("Ký số học bạ toàn trường", reverse("signing:school", args=[school.pk])) in buttons(get(client, school_url))


@pytest.mark.parametrize("username", ROLE_USERS)
def test_the_leaving_form_is_shown_exactly_to_those_it_accepts(login, home, username):
    """The teacher page's "Ghi nhận nghỉ việc" form (a POST, not a link): shown to the school board and the
    principal, whose empty POST comes back with the form's errors (nothing written); refused (403) for the others."""
    teacher = Teacher.objects.get(user__username="gvbm")
    client = login(username)
    response = client.get(reverse("people:teacher_detail", args=[teacher.pk]))
    action = f'action="{reverse("people:teacher_leave", args=[teacher.pk])}"'
    shown = response.status_code == 200 and action in response.content.decode()
    posted = client.post(reverse("people:teacher_leave", args=[teacher.pk]), {})
    assert posted.status_code in (200, 403), f"{username}: {posted.status_code}"
    assert shown == (posted.status_code == 200) == (username in ("bgh", "hieutruong")), username
    assert Teacher.objects.get(pk=teacher.pk).status == "working"

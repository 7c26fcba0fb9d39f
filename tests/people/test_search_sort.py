"""Searching and sorting students as a school clerk does: on the list page and through the API.

Runs on both databases (CI runs SQLite and PostgreSQL): the search key and the sort key are
stored columns, so neither SQLite's ASCII-only case folding nor a database collation matters.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.urls import reverse

from hocba.people.models import Student

LINK = re.compile(r'<a href="/hoc-sinh/\d+/">([^<]+)</a>')

SEARCHABLE = ["Nguyễn Văn An", "Nguyễn Thị Ánh", "Đặng Thị Giang", "Dương Văn Bình", "Trần Văn Đăng",
              "Lê Thị Nguyệt"]


def page_names(client, query: str) -> list[str]:
    response = client.get(reverse("people:student_list"), {"q": query})
    assert response.status_code == 200
    return LINK.findall(response.content.decode())


def api_names(client, query: str) -> list[str]:
    response = client.get(reverse("api:api_student_list"), {"q": query})
    assert response.status_code == 200
    return [item["full_name"] for item in response.json()["items"]]


@pytest.fixture
def searchable(world):
    for name in SEARCHABLE:
        world.add_student(name)
    return world


@pytest.mark.parametrize("lister", [page_names, api_names], ids=["page", "api"])
@pytest.mark.parametrize("query", ["nguyen", "NGUYỄN", "Nguyen", "nGuYêN",
                                   unicodedata.normalize("NFD", "Nguyễn")])
def test_nguyen_finds_every_nguyen_and_nothing_else(searchable, lister, query):
    assert sorted(lister(searchable.client(), query)) == ["Nguyễn Thị Ánh", "Nguyễn Văn An"]


@pytest.mark.parametrize("lister", [page_names, api_names], ids=["page", "api"])
def test_dang_finds_dang_written_with_d_stroke(searchable, lister):
    found = lister(searchable.client(), "dang")
    assert "Đặng Thị Giang" in found
    assert "Trần Văn Đăng" in found  # accent-insensitive: Đăng has the same letters
    assert "Dương Văn Bình" not in found


@pytest.mark.parametrize("lister", [page_names, api_names], ids=["page", "api"])
def test_search_on_several_words_and_accented_query(searchable, lister):
    client = searchable.client()
    assert lister(client, "thi anh") == ["Nguyễn Thị Ánh"]
    assert lister(client, "THỊ ÁNH") == ["Nguyễn Thị Ánh"]
    assert lister(client, "  nguyễn   văn  ") == ["Nguyễn Văn An"]


def test_search_without_match_says_so(searchable):
    response = searchable.client().get(reverse("people:student_list"), {"q": "xyzxyz"})
    assert "Không tìm thấy học sinh nào." in response.content.decode()


def test_search_by_personal_id(world):
    world.add_student("Phạm Minh Khôi", personal_id="031214000123")
    world.add_student("Phạm Minh Khoa", personal_id="031214000124")
    assert page_names(world.client(), "031214000123") == ["Phạm Minh Khôi"]


#: Given names first (class-list order), in the Vietnamese alphabet; tones are secondary.
ORDERED = [
    "Bùi Thị Anh", "Hoàng Thị Ân", "Ngô Văn Ba", "Ngô Văn Bà", "Ngô Văn Bác", "Trần Văn Bình",
    "Dương Văn Cường", "Đặng Văn Cường", "Giang Văn Cường", "Phạm Văn Dương", "Vũ Văn Đạt", "Lê Thị Giang",
]


@pytest.fixture
def ordered(world):
    for name in reversed(ORDERED):
        world.add_student(name)
    return world


def test_list_page_sorts_in_vietnamese_order(ordered):
    assert page_names(ordered.client(), "") == ORDERED


def test_api_sorts_in_vietnamese_order(ordered):
    assert api_names(ordered.client(), "") == ORDERED


def test_class_page_lists_the_class_in_vietnamese_order(ordered):
    response = ordered.client().get(reverse("org:class_detail", args=[ordered.class_a.pk]))
    assert LINK.findall(response.content.decode()) == ORDERED


def test_database_order_matches_python_order(ordered):
    """The stored key alone orders rows (no collation involved)."""
    assert list(Student.objects.order_by("sort_name").values_list("full_name", flat=True)) == ORDERED


def test_names_are_stored_nfc(world):
    typed = unicodedata.normalize("NFD", "  Nguyễn   Thị Ánh ")
    student = world.add_student(typed)
    stored = Student.objects.get(pk=student.pk)
    assert stored.full_name == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", stored.full_name)
    assert page_names(world.client(), "Ánh") == ["Nguyễn Thị Ánh"]


def test_every_stored_text_field_is_nfc(world):
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    student = world.add_student("Lý Thị Hường", birth_place=nfd("Thành phố Hải Phòng"),
                                residence=nfd("Số 5 đường Lạch Tray, phường Ngô Quyền"),
                                ethnicity=nfd("Mường"))
    stored = Student.objects.get(pk=student.pk)
    for value in (stored.full_name, stored.birth_place, stored.residence, stored.ethnicity):
        assert unicodedata.is_normalized("NFC", value), value
    assert stored.ethnicity == "Mường"

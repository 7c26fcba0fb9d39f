"""Looking a student up by personal ID is for readers of full profiles only: officers and subject teachers see
masked profiles (birth year and sex shown, ID hidden), and a search that answered them would let them recover
every student's ID by trying the six digits after the birth year."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.people.models import Student


@pytest.fixture
def pupil(city):
    """A student of gvbm's and gvcn's class 9A1 with a personal ID."""
    return Student.objects.filter(user__username="hocsinh").exclude(personal_id=None).get()


def _found(client, pid: str) -> tuple[list[str], list[str]]:
    page = client.get(reverse("people:student_list"), {"q": pid})
    api = client.get(reverse("api:api_student_list"), {"q": pid})
    assert page.status_code == 200 and api.status_code == 200
    return page.content.decode(), [item["full_name"] for item in api.json()["items"]]


@pytest.mark.parametrize("username", ["so", "xa", "gvbm"])
def test_a_masked_reader_finds_nobody_by_personal_id(pupil, login, username):
    client = login(username)
    assert pupil.full_name in _found(client, pupil.full_name)[0]  # they do see the student by name
    page, api = _found(client, pupil.personal_id)
    assert pupil.full_name not in page and api == []


@pytest.mark.parametrize("username", ["bgh", "gvcn"])
def test_the_school_and_the_homeroom_teacher_still_find_their_student_by_id(pupil, login, username):
    page, api = _found(login(username), pupil.personal_id)
    assert pupil.full_name in page and api == [pupil.full_name]

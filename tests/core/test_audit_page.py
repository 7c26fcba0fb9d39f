"""The audit log page as a principal uses it: filter by what happened in their own words and by who did it,
keep the filters from page to page, read a name rather than an account, on a phone too."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hocba.core.audit import audit_record, audit_record_many
from hocba.core.models import RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_id(city) -> int:
    return RoleAssignment.objects.get(user__username="hieutruong", role="principal").school_id


def actions_on(page: str) -> set[str]:
    return set(re.findall(r"<code>([a-z_]+:[a-z_:0-9]+)</code>", page))


@pytest.mark.parametrize("words", ["sửa hồ sơ học sinh", "SUA HO SO HOC SINH", "Sửa hồ sơ học sinh"])
def test_the_action_filter_understands_the_vietnamese_label(login, school_id, words):
    bgh = get_user_model().objects.get(username="bgh")
    audit_record(actor=bgh, action="people:student:update", object_type="student", object_id=1, school_id=school_id,
                 before={"residence": "Số 1"}, after={"residence": "Số 2"})
    audit_record(actor=bgh, action="records:book:view", object_type="student", object_id=1, school_id=school_id)
    page = login("hieutruong").get(reverse("core:audit_list"), {"action": words}).content.decode()
    assert actions_on(page) == {"people:student:update"}


def test_the_tag_prefix_filter_still_works(login, school_id):
    audit_record(actor=None, action="records:book:view", object_type="student", object_id=1, school_id=school_id)
    page = login("hieutruong").get(reverse("core:audit_list"), {"action": "records:"}).content.decode()
    assert actions_on(page) == {"records:book:view"}


def test_filter_by_who_acted_and_keep_both_filters_on_the_next_page(login, school_id):
    users = get_user_model().objects
    bgh, gvcn = users.get(username="bgh"), users.get(username="gvcn")
    audit_record_many(actor=bgh, entries=[{"action": "records:book:view", "object_type": "student", "object_id": i,
                                           "school_id": school_id} for i in range(60)])
    audit_record(actor=gvcn, action="records:book:view", object_type="student", object_id=1, school_id=school_id)
    response = login("hieutruong").get(reverse("core:audit_list"), {"action": "xem học bạ", "who": "bgh"})
    entries = list(response.context["page"])
    assert {e.actor_label for e in entries} == {"bgh"} and response.context["page"].paginator.count == 60
    page = html_lib.unescape(response.content.decode())
    next_link = re.search(r'<a href="([^"]+)">Sau »</a>', page).group(1)
    assert "who=bgh" in next_link and "page=2" in next_link and "action=" in next_link
    text = re.sub(r"<[^>]+>", "", page)
    assert bgh.get_full_name() and f"{bgh.get_full_name()} (bgh)" in text  # a name, with the account beside it


def test_the_wide_table_scrolls_inside_its_box_on_a_phone(login, school_id):
    page = login("hieutruong").get(reverse("core:audit_list")).content.decode()
    assert '<div class="table-scroll"><table class="grid audit-table">' in page

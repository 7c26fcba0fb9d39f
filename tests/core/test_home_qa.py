"""The home page leads each person to what they do next, and none of its links leads to a refusal."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hocba.core.permissions import scope_of
from hocba.org.models import ClassGroup

pytestmark = pytest.mark.django_db

LOGINS = ["so", "xa", "bgh", "hieutruong", "phohieutruong", "gvcn", "gvbm", "hocsinh", "phuhuynh", "quantri"]


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _next_steps(username: str) -> set[str]:
    """The addresses the home page offers as the person's next steps."""
    if username in ("so", "xa"):
        return {reverse("gradebook:aggregate_list"), reverse("signing:certificates")}
    scope = scope_of(_user(username))
    if username in ("bgh", "hieutruong", "phohieutruong"):
        return {reverse("org:school_detail", args=[school_id]) for school_id in
                scope.admin_school_ids | scope.principal_school_ids | scope.deputy_school_ids}
    if username == "gvcn":
        [cls] = ClassGroup.objects.filter(pk__in=scope.homeroom_class_ids)
        return {reverse("gradebook:my_sheets"), reverse("gradebook:homeroom", args=[cls.pk, 2]),
                reverse("signing:class", args=[cls.pk])}
    if username == "gvbm":
        return {reverse("gradebook:my_sheets")}
    if username in ("hocsinh", "phuhuynh"):
        return {reverse("verification:family")}
    return {reverse("admin:index")}


@pytest.mark.parametrize("username", LOGINS)
def test_the_home_page_leads_to_the_next_step_and_no_link_is_refused(login, username):
    client = login(username)
    page = client.get("/").content.decode()
    main = page.split("<main>", 1)[1]
    links = set(re.findall(r'href="(/[^"#]*)"', main))
    assert _next_steps(username) <= links, f"{username}: missing {_next_steps(username) - links}"
    for href in links:
        assert client.get(href).status_code < 400, f"{username}: {href} is refused"


def test_the_principal_is_led_to_the_school_by_its_name(login):
    from hocba.org.models import School

    school = School.objects.get(pk=next(iter(scope_of(_user("hieutruong")).principal_school_ids)))
    page = login("hieutruong").get("/").content.decode()
    assert f'{school.name}</a>: khoá sổ, tổng kết, ký số học bạ toàn trường' in page


def test_the_system_administrator_is_not_called_unassigned(login):
    page = login("quantri").get("/").content.decode()
    assert "chưa được phân quyền" not in page and "Vai trò: Quản trị hệ thống" in page

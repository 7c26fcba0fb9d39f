"""Every page and API route × every role, against an explicit allow-list (deny by default).

A route that is not listed here fails ``test_every_route_is_listed``: a new page or endpoint
cannot ship without someone deciding who may use it.
"""

from __future__ import annotations

import importlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLE_USERS

STAFF = {"bgh", "hieutruong", "phohieutruong", "gvcn", "gvbm"}
OFFICERS = {"so", "xa"}
FAMILY = {"hocsinh", "phuhuynh"}
EVERYONE = set(ROLE_USERS)

#: url name → the demo users who get the page (everyone else: 403, anonymous: login).
PAGES: dict[str, set[str]] = {
    "core:home": EVERYONE,
    "core:audit_list": {"so", "bgh", "hieutruong"},
    "org:school_list": OFFICERS | STAFF,
    "org:school_detail": OFFICERS | STAFF,
    "org:class_list": OFFICERS | STAFF,
    "org:class_detail": OFFICERS | STAFF,
    "people:student_list": EVERYONE,
    "people:student_detail": EVERYONE,
    "people:student_edit": {"bgh", "hieutruong"},
    "people:student_admit": {"bgh", "hieutruong"},
    "people:guardian_edit": {"bgh", "hieutruong"},
    "people:teacher_list": OFFICERS | STAFF,
    "people:teacher_detail": OFFICERS | STAFF,
    "people:teacher_create": {"bgh", "hieutruong"},
    "people:teacher_edit": {"bgh", "hieutruong"},
    # The school's trích ngang list: masked for those the teacher's page shows masked (tests/people/test_teachers.py).
    "people:teacher_export": OFFICERS | STAFF,
}
#: url name → the query string its page is opened with (the demo school, for a user of several schools).
QUERIES = {"people:teacher_export": "truong={school}"}
PUBLIC_PAGES = {"core:login", "core:logout"}

#: API url name → users allowed (API answers 403 for others, 401 for anonymous).
API: dict[str, set[str]] = {
    "api:api_school_list": OFFICERS | STAFF,
    "api:api_school_get": OFFICERS | STAFF,
    "api:api_class_list": OFFICERS | STAFF,
    "api:api_class_get": OFFICERS | STAFF,
    "api:api_student_list": EVERYONE,
    "api:api_student_get": EVERYONE,
    "api:api_teacher_list": OFFICERS | STAFF,
}
#: Write endpoints are tested with bodies in tests/people/test_api.py (the POST-only pages in
#: tests/people/test_pages_create.py); here only their presence is pinned.
API_WRITES = {"api:api_student_patch", "api:api_enrolment_create", "api:api_enrolment_status",
              "people:guardian_add", "people:guardian_remove", "people:enrolment_status",
              "people:teacher_account", "people:teacher_accounts",
              "people:teacher_leave", "people:teacher_return"}  # tests/people/test_teacher_leave.py
API_PUBLIC = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", p


def all_routes():
    return dict(_walk(get_resolver().url_patterns))


def test_every_route_is_listed():
    names = {n for n in all_routes() if not n.startswith("admin:")}
    listed = set(PAGES) | PUBLIC_PAGES | set(API) | API_WRITES | API_PUBLIC | EXTRA_LISTED
    assert names - listed == set(), "Các route chưa có quy tắc phân quyền trong bảng"
    assert listed - names == set(), "Bảng phân quyền nhắc tới route không còn tồn tại"


#: Later apps list their routes in ``tests/<app>/access.py`` (PAGES, API, PUBLIC_PAGES, API_WRITES and
#: ``url_kwargs(name) -> dict | None`` for their URL parameters); they are merged here.
EXTRA_LISTED: set[str] = set()
EXTRA_KWARGS = []
for _app in ("gradebook", "records", "signing", "verification"):
    try:
        _mod = importlib.import_module(f"tests.{_app}.access")
    except ModuleNotFoundError:
        continue
    PAGES.update(getattr(_mod, "PAGES", {}))
    API.update(getattr(_mod, "API", {}))
    PUBLIC_PAGES |= set(getattr(_mod, "PUBLIC_PAGES", set()))
    API_WRITES |= set(getattr(_mod, "API_WRITES", set()))
    if hasattr(_mod, "url_kwargs"):
        EXTRA_KWARGS.append(_mod.url_kwargs)


def test_every_page_view_declares_its_rule():
    for name, pattern in all_routes().items():
        if name.startswith(("admin:", "api:")):
            continue
        view = pattern.callback
        assert getattr(view, "required_perm", None) or getattr(view, "public", False), name


def _kwargs(city, name):
    for extra in EXTRA_KWARGS:
        found = extra(name)
        if found is not None:
            return found
    from hocba.org.models import ClassGroup
    from hocba.people.models import Guardian, Student, Teacher

    gvcn_class = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    values = {
        "school": gvcn_class.school_id,
        "class": gvcn_class.pk,
        "student": Student.objects.get(user__username="hocsinh").pk,
        "teacher": Teacher.objects.get(user__username="gvbm").pk,
    }
    params = list(all_routes()[name].pattern.converters)
    if not params:
        return {}
    if params == ["pk", "guardian_id"]:  # one guardian of a student: the demo family (hocsinh, phuhuynh)
        return {"pk": values["student"], "guardian_id": Guardian.objects.get(user__username="phuhuynh").pk}
    key = next(k for k in OBJECT_KEYS if k in name.split(":")[1])
    return {params[0]: values[key]}


OBJECT_KEYS = ("school", "class", "student", "teacher")


def _url(city, name) -> str:
    url = reverse(name, kwargs=_kwargs(city, name))
    if name in QUERIES:
        from hocba.org.models import ClassGroup

        school = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn").school_id
        url = f"{url}?{QUERIES[name].format(school=school)}"
    return url


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_roles(login, city, name):
    url = _url(city, name)
    for username in ROLE_USERS:
        response = login(username).get(url)
        expected = 200 if username in PAGES[name] else 403
        assert response.status_code == expected, f"{name} {username}: {response.status_code}"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_need_login(client, city, name):
    response = client.get(_url(city, name))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


@pytest.mark.parametrize("name", sorted(API))
def test_api_roles(login, city, name):
    url = reverse(name, kwargs=_kwargs(city, name))
    for username in ROLE_USERS:
        response = login(username).get(url)
        ok = response.status_code == 200 and (not isinstance(response.json(), dict)
                                              or response.json().get("items", [1]) != [])
        assert ok == (username in API[name]), f"{name} {username}: {response.status_code}"


@pytest.mark.parametrize("name", sorted(API))
def test_api_needs_authentication(client, city, name):
    assert client.get(reverse(name, kwargs=_kwargs(city, name))).status_code == 401

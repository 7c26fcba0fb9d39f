"""Error pages speak Vietnamese: 404, 403, 400 inside the site's layout, 500 as plain HTML (no request, no DB)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db


def vietnamese_page(response) -> str:
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Not Found" not in html and "Forbidden" not in html and "Server Error" not in html
    return html


def test_a_mistyped_address_gets_a_vietnamese_404_with_a_way_home(client, settings):
    assert settings.DEBUG is False  # as in production: Django renders templates/404.html
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = vietnamese_page(response)
    assert "Không tìm thấy trang" in html
    assert f'href="{reverse("core:home")}"' in html
    assert "/khong-co-trang-nay/" in html


def test_a_404_from_a_page_keeps_the_menu_of_the_signed_in_user(login):
    # hk3 is not a term: the homeroom view raises Http404 (the URL a user reported).
    response = login("gvcn").get("/so-diem/lop/4/hk3/chu-nhiem/")
    assert response.status_code == 404
    html = vietnamese_page(response)
    assert "Không tìm thấy trang" in html
    assert "Đăng xuất" in html and 'class="topbar"' in html


def test_hocba_refusals_keep_their_own_reason(login):
    response = login("gvbm").get(reverse("core:audit_list"))
    assert response.status_code == 403
    html = vietnamese_page(response)
    assert "Bạn không có quyền truy cập trang này." in html


def _request():
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    return request


def test_django_permission_denied_and_bad_request_are_vietnamese():
    response = defaults.permission_denied(_request(), PermissionDenied("no"))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in vietnamese_page(response)
    response = defaults.bad_request(_request(), SuspiciousOperation("bad"))
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in vietnamese_page(response)


def test_the_500_page_needs_no_request_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = vietnamese_page(response)
    assert "Đã có lỗi ở máy chủ" in html
    assert 'href="/static/hocba/app.css"' in html


def test_a_form_sent_without_its_csrf_token_is_refused_in_vietnamese(city):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="gvcn"))
    response = client.post(reverse("core:logout"))
    assert response.status_code == 403
    html = vietnamese_page(response)
    assert "Không gửi được biểu mẫu" in html and "Chưa có gì được lưu" in html

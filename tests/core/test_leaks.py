"""Leaks through the audit log page and the login form, as a curious officer or an attacker would try them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from hocba.verification import family

pytestmark = pytest.mark.django_db


def test_the_department_log_does_not_show_a_familys_email_address(login):
    """A parent turning the login code on writes their address to the log, without a school: the Department reads
    every entry without a school, and sees neither guardians nor families' addresses anywhere else."""
    user = get_user_model().objects.get(username="phuhuynh")
    code = family._code_new(user=user, email="me.cua.an@example.vn")
    assert family.email_otp_setup_confirm(user=user, email="me.cua.an@example.vn", code=code)
    page = login("so").get(reverse("core:audit_list"), {"action": "verification:login_code"}).content.decode()
    assert "verification:login_code:on" in page  # the entry is there: who turned the code on, not the address
    assert "me.cua.an@example.vn" not in page


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _attempt(client: Client, username: str, password: str):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_guessing_a_password_is_stopped_after_a_few_tries(city, fresh_cache, settings):
    settings.HOCBA_LOGIN_RATE = "5/900"
    client = Client()
    for n in range(5):
        assert _attempt(client, "hieutruong", f"sai-{n}").status_code == 200
    refused = _attempt(client, "hieutruong", "hocba-demo")  # even the right password, until the window ends
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert "Đăng nhập sai quá nhiều lần" in refused.content.decode()
    # from another machine too: the count is per account as well as per address
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _attempt(other, "hieutruong", "hocba-demo").status_code == 429
    # another account from another machine is not affected
    assert _attempt(other, "gvcn", "hocba-demo").status_code == 302


def test_one_address_cannot_try_many_accounts(city, fresh_cache, settings):
    settings.HOCBA_LOGIN_RATE = "5/900"
    client = Client(REMOTE_ADDR="10.0.0.7")
    for n in range(4 * 5):
        _attempt(client, f"khong-co-{n}", "hocba-demo")
    assert _attempt(client, "gvcn", "hocba-demo").status_code == 429


def test_a_right_password_within_the_limit_signs_in(city, fresh_cache, settings):
    settings.HOCBA_LOGIN_RATE = "5/900"
    client = Client()
    _attempt(client, "gvcn", "sai")
    response = _attempt(client, "gvcn", "hocba-demo")
    assert response.status_code == 302 and client.session.get("_auth_user_id")


def test_the_admin_login_form_is_counted_too(city, fresh_cache, settings):
    settings.HOCBA_LOGIN_RATE = "5/900"
    client = Client()
    for n in range(5):
        client.post("/admin/login/", {"username": "quantri", "password": f"sai-{n}"})
    client.post("/admin/login/", {"username": "quantri", "password": "hocba-demo"})
    assert "_auth_user_id" not in client.session
    assert _attempt(Client(REMOTE_ADDR="10.0.0.5"), "quantri", "hocba-demo").status_code == 429


def test_the_per_address_count_can_be_turned_off_behind_a_shared_address(city, fresh_cache, settings):
    settings.HOCBA_LOGIN_RATE = "5/900"
    settings.HOCBA_LOGIN_ADDRESS_FAILURES = 0
    client = Client(REMOTE_ADDR="10.0.0.8")
    for n in range(4 * 5):
        _attempt(client, f"khong-co-{n}", "hocba-demo")
    assert _attempt(client, "gvcn", "hocba-demo").status_code == 302

"""Family accounts as an attacker with a family member's password tries them: the e-mailed login code and the
first-login password hold on every page and API route that opens the child's data (not only the portal's), and
the 6-digit code cannot be guessed by asking for new codes again and again."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from hocba.core.models import InitialPassword
from hocba.verification import family
from hocba.verification.models import FamilyAccount

OTP = "/gia-dinh/ma-xac-nhan/"


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _signed_in(username: str) -> Client:
    """A fresh session of the account, as after typing its password (no code entered yet)."""
    client = Client()
    client.force_login(_user(username))
    return client


def _code(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _child_urls(student, version) -> list[str]:
    return [f"/hoc-ba/hoc-sinh/{student.pk}/", f"/hoc-ba/phien-ban/{version.pk}/pdf/",
            f"/hoc-ba/phien-ban/{version.pk}/json/", f"/hoc-sinh/{student.pk}/"]


def test_the_login_code_guards_the_records_profile_and_api_not_only_the_portal(signed, student, mailbox):
    user = _user("phuhuynh")
    user.email = "me.an@example.vn"
    user.save(update_fields=["email"])
    family.email_otp_set(user=user, enabled=True)
    client = _signed_in("phuhuynh")
    for url in _child_urls(student, signed):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(OTP), url
    api = client.get(f"/api/students/{student.pk}")
    assert api.status_code == 403
    assert student.personal_id not in api.content.decode() and student.residence not in api.content.decode()

    # once the code is entered, the same session opens them
    client.get(OTP)
    assert client.post(OTP, {"code": _code(mailbox[-1]), "next": "/gia-dinh/"}).status_code == 302
    for url in _child_urls(student, signed):
        assert client.get(url).status_code == 200, url
    assert student.personal_id in client.get(f"/api/students/{student.pk}").content.decode()


def test_the_first_login_password_comes_before_the_records(signed, student):
    InitialPassword.objects.create(user=_user("hocsinh"), issued_at=timezone.now())
    client = _signed_in("hocsinh")
    for url in _child_urls(student, signed):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/doi-mat-khau/"), url
    assert client.get(f"/api/students/{student.pk}").status_code == 403
    # the step itself and logging out stay open
    assert client.get("/tai-khoan/doi-mat-khau/").status_code == 200
    assert client.post("/dang-xuat/").status_code == 302


def test_staff_pass_the_gate_untouched(signed, student, login):
    assert login("gvcn").get(f"/hoc-ba/hoc-sinh/{student.pk}/").status_code == 200


def _otp_account(username: str):
    user = _user(username)
    user.email = "me.an@example.vn"
    user.save(update_fields=["email"])
    family.email_otp_set(user=user, enabled=True)
    return user


def test_wrong_codes_do_not_buy_fresh_codes_and_guesses(signed, mailbox):
    _otp_account("phuhuynh")
    client = _signed_in("phuhuynh")
    client.get(OTP)
    assert len(mailbox) == 1
    for _ in range(60):  # an attacker holding the password guesses on and on
        latest = _code(mailbox[-1])
        client.post(OTP, {"code": "000000" if latest != "000000" else "111111"})
    # a new code only once the previous one ran out of guesses, and never more than the hourly number
    assert len(mailbox) == family.OTP_LOGIN_MAILS_PER_HOUR
    # every code mailed this hour is used up: even the right one no longer opens the account
    assert client.post(OTP, {"code": _code(mailbox[-1]), "next": "/gia-dinh/"}).status_code == 200
    assert client.get("/gia-dinh/")["Location"].startswith(OTP)


def test_new_sessions_do_not_buy_fresh_codes_either(signed, mailbox):
    _otp_account("phuhuynh")
    for _ in range(3 * family.OTP_LOGIN_MAILS_PER_HOUR):  # logging in again and again, each time a new session
        _signed_in("phuhuynh").get(OTP)
    assert len(mailbox) == family.OTP_LOGIN_MAILS_PER_HOUR


def test_a_wrong_guess_keeps_the_mailed_code_and_counts_once(signed, mailbox):
    user = _otp_account("phuhuynh")
    client = _signed_in("phuhuynh")
    client.get(OTP)
    code = _code(mailbox[-1])
    page = client.post(OTP, {"code": "000000" if code != "000000" else "111111"})
    assert "Hãy xem lại mã trong thư mới nhất" in page.content.decode() and len(mailbox) == 1
    assert FamilyAccount.objects.get(user=user).otp_attempts == 1
    assert client.post(OTP, {"code": code, "next": "/gia-dinh/"}).status_code == 302
    assert not family.otp_check(user=user, code=code)  # used once


def test_a_session_opened_before_the_code_was_turned_on_is_asked_for_it_everywhere(signed, student, mailbox):
    """The family turns the e-mailed code on from another device (a password they think leaked): a session signed
    in before, which already opened the records, is asked for the code on the records and the API as on the
    portal — the gate is not remembered from the session's first page."""
    client = _signed_in("phuhuynh")
    assert client.get(f"/hoc-ba/hoc-sinh/{student.pk}/").status_code == 200
    assert client.get(f"/api/students/{student.pk}").status_code == 200
    _otp_account("phuhuynh")  # on the other device
    for url in _child_urls(student, signed):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(OTP), url
    assert client.get(f"/api/students/{student.pk}").status_code == 403

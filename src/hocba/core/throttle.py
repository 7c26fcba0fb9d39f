"""Failed logins counted per account and per client address (a fixed window on Django's cache).

``HOCBA_LOGIN_RATE`` ("failures/seconds", from settings or the environment; default 10 in 15 minutes) bounds the
wrong passwords tried on one account; one client address may fail ``HOCBA_LOGIN_ADDRESS_FAILURES`` times in the
same window, over any accounts (default four times the per-account number: a school behind one address has many
staff; 0 turns the per-address count off). The address is ``REMOTE_ADDR``: behind a load balancer it must be the
client's (as for the verification limits), or every user shares one count. Past either limit the form refuses
every attempt, the right password too, until the window ends: a password cannot be guessed, nor a list of leaked
passwords tried. The count lives in the cache, shared by the web processes as ``HOCBA_CACHE`` says (see
``settings.cache_setting``).

:class:`ThrottledModelBackend` (``AUTHENTICATION_BACKENDS``) counts and refuses for every way in that checks a
password — our login page, the admin's, the test client — so no login form is left unguarded; our login page
also says why it refuses (``core.views.LoginView``).
"""

from __future__ import annotations

import hashlib
import os
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

PER_ADDRESS = 4  # by default an address may fail this many times the per-account number


#: Every "count/seconds" setting of the project's limits, with its default (checked at start-up: ``rate_errors``).
RATE_SETTINGS = {"HOCBA_LOGIN_RATE": "10/900", "HOCBA_VERIFY_RATE": "60/60", "HOCBA_VERIFY_UPLOAD_RATE": "20/60"}


def rate_setting(name: str) -> tuple[int, int]:
    """(count, seconds) of a limit written "count/seconds" (from settings or the environment, else its default);
    ImproperlyConfigured, saying what is wrong, for anything else ("10/15m", "mười/900")."""
    text = str(getattr(settings, name, None) or os.environ.get(name) or RATE_SETTINGS[name]).strip()
    count, slash, seconds = text.partition("/")
    if not (count.strip().isascii() and count.strip().isdigit() and (
            not slash or (seconds.strip().isascii() and seconds.strip().isdigit()))):
        raise ImproperlyConfigured(f"{name}='{text}' không hợp lệ: cần dạng 'số lần/số giây', ví dụ "
                                   f"{RATE_SETTINGS[name]}.")
    return max(1, int(count)), max(1, int(seconds or 60))


def login_rate() -> tuple[int, int]:
    """(failures, seconds) of the window."""
    return rate_setting("HOCBA_LOGIN_RATE")


def address_failures() -> int:
    """Failures allowed per client address in the window (0: not counted per address)."""
    text = getattr(settings, "HOCBA_LOGIN_ADDRESS_FAILURES", None)
    text = str(os.environ.get("HOCBA_LOGIN_ADDRESS_FAILURES", "") if text is None else text).strip()
    if not text:
        return login_rate()[0] * PER_ADDRESS
    if not (text.isascii() and text.isdigit()):
        raise ImproperlyConfigured(f"HOCBA_LOGIN_ADDRESS_FAILURES='{text}' không hợp lệ: cần một số nguyên "
                                   "(0 = không đếm theo địa chỉ).")
    return int(text)


def rate_errors() -> list[str]:
    """What is wrong in the limits' settings (empty when nothing): a system check reports it at start-up, rather
    than every login or verification failing with a server error."""
    errors = []
    for check in (*(lambda name=name: rate_setting(name) for name in RATE_SETTINGS), address_failures):
        try:
            check()
        except ImproperlyConfigured as exc:
            errors.append(str(exc))
    return list(dict.fromkeys(errors))  # the per-address default reads HOCBA_LOGIN_RATE again: said once


def _keys(request, username: str) -> tuple[str, str]:
    _, seconds = login_rate()
    window = int(time.time() // seconds)
    account = hashlib.sha256(str(username or "").strip().casefold().encode()).hexdigest()[:32]
    address = (request.META.get("REMOTE_ADDR", "") if request is not None else "") or "?"
    return f"hocba:login:user:{account}:{window}", f"hocba:login:ip:{address}:{window}"


def login_blocked(request, username: str) -> bool:
    """Has this account, or this client address, failed too often in the current window?"""
    count, _ = login_rate()
    per_address = address_failures()
    account_key, address_key = _keys(request, username)
    found = cache.get_many([account_key, address_key])
    return found.get(account_key, 0) >= count or (per_address > 0 and found.get(address_key, 0) >= per_address)


def login_failed(request, username: str) -> None:
    """Count one wrong password for the account and the address."""
    _, seconds = login_rate()
    for key in _keys(request, username):
        if not cache.add(key, 1, timeout=seconds + 1):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=seconds + 1)


def minutes_left() -> int:
    """Minutes until the current window ends (at least 1), for the refusal's message."""
    _, seconds = login_rate()
    return max(1, -(-(seconds - int(time.time()) % seconds) // 60))


class ThrottledModelBackend(ModelBackend):
    """Django's backend, refusing an account or address past the limit and counting each wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get(self._username_field(), "")
        if login_blocked(request, name):
            raise PermissionDenied  # stops every backend: the right password does not get through either
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            login_failed(request, name)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD

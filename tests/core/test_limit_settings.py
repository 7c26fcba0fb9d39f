"""The limits' settings ("count/seconds") are read at start-up: a mistyped one stops `hocba serve` / `check` with
a Vietnamese message naming it, instead of every login failing with a server error."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from hocba.core import throttle
from hocba.verification import family


@pytest.mark.parametrize(("name", "value"), [
    ("HOCBA_LOGIN_RATE", "10/15m"), ("HOCBA_VERIFY_RATE", "mười/60"), ("HOCBA_VERIFY_UPLOAD_RATE", "20/"),
    ("HOCBA_LOGIN_ADDRESS_FAILURES", "x")])
def test_a_mistyped_limit_stops_the_start_naming_it(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert str(caught.value).count(f"{name}='{value}' không hợp lệ") == 1


def test_well_formed_limits_are_read(settings):
    settings.HOCBA_LOGIN_RATE = "5/300"
    settings.HOCBA_LOGIN_ADDRESS_FAILURES = "0"
    assert throttle.login_rate() == (5, 300) and throttle.address_failures() == 0
    assert throttle.rate_errors() == []
    call_command("check")


def test_a_mail_count_gone_from_the_cache_between_two_mails_counts_afresh(monkeypatch, db):
    """The cache may drop the hour's count between ``add`` and ``incr`` (expiry, eviction): the mail is counted
    as the first again, not a server error."""
    monkeypatch.setattr(family.cache, "add", lambda *a, **k: False)

    def gone(*a, **k):
        raise ValueError("Key not found")

    monkeypatch.setattr(family.cache, "incr", gone)
    family._count_mail(user=type("U", (), {"pk": 1})(), kind="login", per_hour=5)

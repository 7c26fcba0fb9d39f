"""Fixtures of the people tests: the tiny known world (see world.py) and a day of the school year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.people.world import World, build_world

#: A school day of the worlds' year 2025-2026 (05/09/2025 – 31/05/2026), Hanoi time.
SCHOOL_DAY = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def world(empty_db) -> World:
    return build_world()


@pytest.fixture
def today_is(monkeypatch):
    """``today_is(dt.datetime(…))`` freezes ``timezone.now`` (and so ``localdate``) at that moment."""
    def _freeze(moment: dt.datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment.astimezone(dt.UTC))

    return _freeze


@pytest.fixture
def school_day(today_is) -> dt.date:
    """Today is a school day of 2025-2026 (the admission date defaults to it)."""
    today_is(SCHOOL_DAY)
    return SCHOOL_DAY.date()

"""Shared fixtures: a small seeded city and one signed-in client per role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from hocba.demo.seed import seed_city

ROLE_USERS = ("so", "xa", "bgh", "hieutruong", "phohieutruong", "gvcn", "gvbm", "hocsinh", "phuhuynh")


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # One data folder (demo PKI, archive) per test worker, never the developer's var/.
    settings.DATA_DIR = tmp_path_factory.getbasetemp() / "data"


CITY = {"schools": 3, "students": 240, "seed": 7}
_seeded: dict[str, object] = {}


def _seed_city_now(data_dir: Path):
    """Seed the test city (and the demo PKI) into the current test database; sheets stay empty
    (gradebook tests start from empty sheets; tests/gradebook/test_demo.py covers the demo scores)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = data_dir
    previous = getattr(settings, "HOCBA_DEMO_GRADEBOOK", True)
    settings.HOCBA_DEMO_GRADEBOOK = False
    try:
        _seeded["city"] = seed_city(**CITY)
    finally:
        settings.HOCBA_DEMO_GRADEBOOK = previous
    return _seeded["city"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed the demo city ONCE per test worker, right after the test database is created.

    Each test then runs inside a transaction that is rolled back, so every test sees the same
    city without paying for seeding it. Tests that need an empty database use ``empty_db``.
    """
    with django_db_blocker.unblock():
        _seed_city_now(tmp_path_factory.getbasetemp() / "data")


@pytest.fixture
def city(db):
    """The demo city at test size: 3 schools (THCS, THPT, one more), 240 students, demo logins.

    After a transactional test has flushed the database, the city is seeded again.
    """
    from hocba.org.models import Department

    if not Department.objects.exists():
        from django.conf import settings

        return _seed_city_now(Path(settings.DATA_DIR))
    return _seeded["city"]


@pytest.fixture
def empty_db(db):
    """A database without the seeded city (emptied inside the test's transaction, restored after)."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def login(city):
    """``login("gvcn")`` → a Django test client signed in as that demo user."""
    from django.contrib.auth import get_user_model

    def _login(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are skipped on SQLite (CI runs the suite on both)."""
    on_postgres = (os.environ.get("DATABASE_URL") or "").startswith("postgres")
    skip = pytest.mark.skip(reason="chỉ chạy trên PostgreSQL (CI chạy cả hai cơ sở dữ liệu)")
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(skip)

"""Shared fixtures: a small seeded city and one signed-in client per role."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from hocba.demo.seed import seed_city

ROLE_USERS = ("so", "xa", "bgh", "hieutruong", "phohieutruong", "gvcn", "gvbm", "hocsinh", "phuhuynh")


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # One data folder (demo PKI, archive) per test worker, never the developer's var/.
    settings.DATA_DIR = tmp_path_factory.getbasetemp() / "data"


@pytest.fixture
def city(db, settings):
    """The demo city at test size: 3 schools (THCS, THPT, one more), 240 students, demo logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HOCBA_DEMO_GRADEBOOK = False  # gradebook tests start from empty sheets (tests/gradebook/test_demo.py)
    return seed_city(schools=3, students=240, seed=7)


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

"""The password the school hands out: hashed with few PBKDF2 rounds (it is random, and making a class's ~80
accounts at a million rounds each held the database for 80 s), re-hashed at the full count at first use."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from hocba.core import accounts


@pytest.fixture
def pbkdf2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _rounds(user) -> int:
    return int(get_user_model().objects.get(pk=user.pk).password.split("$")[1])


def test_an_initial_password_is_cheap_to_store_and_upgraded_at_first_login(db, pbkdf2):
    user, password = accounts.account_create(base="gvthu", full_name="Nguyễn Văn Thử")
    assert _rounds(user) == accounts.INITIAL_PASSWORD_ROUNDS < PBKDF2PasswordHasher.iterations
    assert user.get_full_name() == "Nguyễn Văn Thử"
    assert accounts.must_set_password(user)
    assert Client().login(username="gvthu", password=password)
    assert _rounds(user) == PBKDF2PasswordHasher.iterations  # Django re-hashed it on the way in
    again = accounts.password_reissue(user=user, by=None)
    assert _rounds(user) == accounts.INITIAL_PASSWORD_ROUNDS and again != password
    assert not Client().login(username="gvthu", password=password)
    accounts.password_set(user=user, password="Hoc-ba-2026!xyz")
    assert _rounds(user) == PBKDF2PasswordHasher.iterations and not accounts.must_set_password(user)


def test_a_unique_login_name_is_found(db):
    get_user_model().objects.create_user(username="gv0100")
    get_user_model().objects.create_user(username="gv01002")
    assert accounts.unique_username("gv0100") == "gv01003"

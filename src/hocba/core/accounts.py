"""Login accounts the school hands out: a generated initial password (mật khẩu ban đầu), shown once and
replaced by its holder at first login.

Used for families' accounts (``verification.family``) and teachers' (``people.accounts``); the gate that
holds an account with an initial password on the page that replaces it is ``verification.middleware``.
"""

from __future__ import annotations

import copy
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction
from django.utils import timezone

from hocba.core.models import ApiToken, InitialPassword

#: Letters of generated passwords: no 0/o, 1/l/i, so that a printed sheet is read back without a doubt.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105


#: PBKDF2 rounds of an initial password's hash. Django's default (a million) is there to slow down guessing a
#: password a person chose; an initial password is 12 random letters (≈ 58 bits), which no guessing reaches
#: even at one round, and it lives until its first use (Django then re-hashes it at the full count, and the
#: holder replaces it). At the default count, creating the accounts of a class (~80 people) took 80 s, with
#: the database locked meanwhile.
INITIAL_PASSWORD_ROUNDS = 20_000


def initial_password_hash(password: str) -> str:
    """The stored form of an initial password: the configured hasher, with fewer rounds when it is PBKDF2."""
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher) and hasher.iterations > INITIAL_PASSWORD_ROUNDS:
        hasher = copy.copy(hasher)
        hasher.iterations = INITIAL_PASSWORD_ROUNDS
    return make_password(password, hasher=hasher)


def initial_password() -> str:
    """A fresh password like ``k7mq-2xde-hp9w`` (≈ 58 bits), to print and hand over."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def unique_username(base: str) -> str:
    """``base``, or ``base2``, ``base3`` … the first one no account has (exactly: Django's logins are
    case-sensitive, and an exact match uses the unique index)."""
    User = get_user_model()
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


def account_create(*, base: str, full_name: str, email: str = "", by=None):
    """A new account named from ``base`` with an initial password; returns (user, the password in clear)."""
    password = initial_password()
    encoded = initial_password_hash(password)  # before this function's own writes: it is the slow part
    with transaction.atomic():
        # The whole name in first_name, as the demo's accounts: get_full_name() then shows it in Vietnamese order
        # (family name first) where Django would put a last_name after the given name.
        user = get_user_model().objects.create_user(
            username=unique_username(base), password=None, email=email, first_name=full_name[:150])
        user.password = encoded
        user.save(update_fields=["password"])
        InitialPassword.objects.create(user=user, issued_at=timezone.now(), issued_by=by)
    return user, password


def password_reissue(*, user, by) -> str:
    """A new initial password for an existing account (its holder forgot theirs); returns it in clear.

    The old password stops working at once, and so do the account's open sessions (Django ties a session
    to the password's hash) and its API tokens.
    """
    password = initial_password()
    encoded = initial_password_hash(password)
    with transaction.atomic():
        user.password = encoded
        user.save(update_fields=["password"])
        InitialPassword.objects.update_or_create(user=user, defaults={"issued_at": timezone.now(), "issued_by": by})
        ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
    return password


def password_set(*, user, password: str) -> None:
    """The holder sets their own password; the initial one, if any, is gone."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        InitialPassword.objects.filter(user=user).delete()


def must_set_password(user) -> bool:
    """The account still has the password the school handed out."""
    return InitialPassword.objects.filter(user_id=user.pk).exists()

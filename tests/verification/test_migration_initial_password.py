"""verification 0002: a family account that had not yet replaced the school's password still has to after the
upgrade (its flag becomes a core.InitialPassword row), one that had keeps its own, and the name split at the last
word ("Ân" / "Nguyễn Hải") is whole again, in Vietnamese order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("verification", "0001_initial"), ("core", "0003_initial_password")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_first_login_flag_and_the_names_survive_the_upgrade():
    old = _migrate(BEFORE)
    User, FamilyAccount = old.get_model("auth", "User"), old.get_model("verification", "FamilyAccount")
    pending = User.objects.create(username="ph-cho", first_name="Ân", last_name="Nguyễn Hải")
    done = User.objects.create(username="ph-xong", first_name="Bình", last_name="Trần Thị")
    User.objects.create(username="gv-khac", first_name="Cường", last_name="Lê")
    FamilyAccount.objects.create(user_id=pending.pk, must_change_password=True, created_at=timezone.now())
    FamilyAccount.objects.create(user_id=done.pk, must_change_password=False, created_at=timezone.now())

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth import get_user_model

    from hocba.core.models import InitialPassword

    assert set(InitialPassword.objects.values_list("user__username", flat=True)) == {"ph-cho"}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["ph-cho", "ph-xong", "gv-khac"])}
    assert users["ph-cho"].get_full_name() == "Nguyễn Hải Ân"
    assert users["ph-xong"].get_full_name() == "Trần Thị Bình"
    assert (users["gv-khac"].first_name, users["gv-khac"].last_name) == ("Cường", "Lê")  # not a family account

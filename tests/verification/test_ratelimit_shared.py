"""Rate limits shared by the web processes: with ``HOCBA_CACHE=file`` or ``database`` two processes count
together (a client got 60 look-ups a minute from each gunicorn worker with the per-process default)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from hocba.settings import cache_setting

#: One web process answering 40 look-ups of one client: how many it let through.
PROCESS = """
import django
django.setup()
from types import SimpleNamespace
from hocba.verification.ratelimit import allow
request = SimpleNamespace(META={"REMOTE_ADDR": "203.0.113.7"})
print(sum(allow(request) for _ in range(40)))
"""


def _env(tmp_path, kind: str) -> dict:
    return {**os.environ, "HOCBA_CACHE": kind, "HOCBA_DATA_DIR": str(tmp_path), "HOCBA_VERIFY_RATE": "60/3600",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_SETTINGS_MODULE": "hocba.settings"}


def _allowed(tmp_path, kind: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROCESS], env=_env(tmp_path, kind), capture_output=True, text=True,
                          timeout=120, check=True)
    return int(done.stdout.strip())


@pytest.mark.parametrize("kind", ["file", "database"])
def test_two_processes_share_one_count(tmp_path, kind):
    if kind == "database":  # what `hocba serve` does before starting its workers
        subprocess.run([sys.executable, "-m", "django", "createcachetable"], env=_env(tmp_path, kind), check=True,
                       timeout=120)
    assert _allowed(tmp_path, kind) + _allowed(tmp_path, kind) == 60


def test_the_default_counts_per_process_and_a_wrong_value_is_refused(tmp_path):
    assert _allowed(tmp_path, "memory") + _allowed(tmp_path, "memory") == 80
    with pytest.raises(ImproperlyConfigured, match="HOCBA_CACHE='redis' không hợp lệ"):
        cache_setting("redis", tmp_path)

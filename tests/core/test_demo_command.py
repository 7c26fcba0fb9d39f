"""`hocba demo --bind`: the records it composes point at the address it serves on."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from hocba.core.management.commands.demo import public_url


@pytest.mark.django_db
def test_the_demo_on_another_port_prints_and_uses_that_address(monkeypatch, settings_restored):
    monkeypatch.delenv("HOCBA_PUBLIC_URL", raising=False)
    out = io.StringIO()
    monkeypatch.setattr("hocba.core.management.commands.demo.call_command", lambda *a, **k: None)
    call_command("demo", bind="127.0.0.1:8931", no_serve=True, stdout=out)
    assert "mở http://127.0.0.1:8931/" in out.getvalue()
    # The QR codes of records composed from now on, and the server process started next, use it.
    assert settings.HOCBA_PUBLIC_URL == os.environ["HOCBA_PUBLIC_URL"] == "http://127.0.0.1:8931"


@pytest.mark.django_db
def test_an_address_set_by_the_operator_is_kept(monkeypatch, settings_restored):
    monkeypatch.setenv("HOCBA_PUBLIC_URL", "https://hocba.example.vn")
    settings.HOCBA_PUBLIC_URL = "https://hocba.example.vn"
    monkeypatch.setattr("hocba.core.management.commands.demo.call_command", lambda *a, **k: None)
    call_command("demo", bind="127.0.0.1:8931", no_serve=True, stdout=io.StringIO())
    assert settings.HOCBA_PUBLIC_URL == "https://hocba.example.vn"


def test_all_interfaces_means_this_machine_in_a_link():
    assert public_url("0.0.0.0:8000") == "http://127.0.0.1:8000"
    assert public_url("192.168.1.20:8080") == "http://192.168.1.20:8080"


@pytest.fixture
def settings_restored():
    before = settings.HOCBA_PUBLIC_URL
    yield
    settings.HOCBA_PUBLIC_URL = before


def test_stopping_the_server_with_sigterm_stops_the_web_server_and_the_worker(tmp_path):
    """What systemd or `kill` does: nothing may keep running (or keep the port) after the server is stopped."""
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "HOCBA_DATA_DIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "hocba", "serve", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "1"], env=env, stdout=out, stderr=subprocess.STDOUT)

    def descendants(pid: int) -> set[int]:
        found = set()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            for child in (task / "children").read_text().split():
                found |= {int(child)} | descendants(int(child))
        return found

    try:
        deadline = time.monotonic() + 120
        while True:  # up when the port answers (migrations, the demo PKI and gunicorn take a few seconds)
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        children = descendants(server.pid)
        assert len(children) >= 3  # gunicorn's arbiter and its worker, and the task worker
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) is not None
        time.sleep(0.5)
        assert [pid for pid in children if Path(f"/proc/{pid}").exists()
                and "zombie" not in Path(f"/proc/{pid}/status").read_text()] == []
    finally:
        if server.poll() is None:
            server.kill()


def test_a_background_worker_that_stops_is_started_again():
    """django-tasks' worker ends on a database error (a lock held past SQLite's timeout): a closing started from a
    page would wait forever. The server starts it again while the web server runs."""
    import subprocess
    import sys

    from hocba.core.management.commands.serve import supervise

    web = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    children, said = [web], []
    supervise(children, worker=[sys.executable, "-c", "raise SystemExit(3)"], write=said.append, pause=0.2,
              poll=0.05)
    assert web.returncode == 0
    assert len(said) >= 3 and said[0] == "Tiến trình công việc nền đã dừng (mã 3); khởi động lại."
    assert len(children) == 2  # the web server and the worker running now (the stopped ones are let go)
    children[1].wait()

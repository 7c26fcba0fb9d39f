"""hocba serve: run the production web server (gunicorn) and a background-task worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command

from hocba.core import cli


class Command(cli.Command):
    help = "Chạy máy chủ web (gunicorn) và tiến trình xử lý công việc nền."

    def needs_migrated_database(self, options):
        return bool(options.get("no_migrate"))  # else it migrates first

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("HOCBA_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("HOCBA_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="không chạy tiến trình công việc nền")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, bind, workers, no_worker, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)  # HOCBA_CACHE=database: its table
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        from hocba.signing.pki import ensure_demo_trust_services

        tsa = ensure_demo_trust_services()  # the demo PKI's TSA/OCSP/CRL, served by this process
        if tsa:
            self.stdout.write(f"Dịch vụ cấp dấu thời gian và OCSP (PKI demo): {tsa}")
        # A service manager (systemd, docker stop, kill) stops us with SIGTERM, which by default ends this process
        # at once and leaves the web server and the worker running: make it unwind like Ctrl+C instead.
        signal.signal(signal.SIGTERM, _interrupt)
        children: list[subprocess.Popen] = []
        try:
            children.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "hocba.wsgi",  # noqa: S603
                                              "--bind", bind, "--workers", str(workers), "--threads", "4",
                                              "--access-logfile", "-"]))
            self.stdout.write(f"Máy chủ hocba đang chạy tại http://{bind}/  (Ctrl+C để dừng)")
            self.stdout.flush()
            supervise(children, worker=None if no_worker else [sys.executable, "-m", "hocba", "manage", "db_worker",
                                                                "--queue-name", "*"], write=self._say)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


def supervise(children: list[subprocess.Popen], *, worker: list[str] | None, write, pause: float = 5.0,
              poll: float = 1.0) -> None:
    """Wait while the web server (``children[0]``) runs; run the background worker (the command ``worker``) beside
    it, and start it again whenever it stops, at most once per ``pause`` seconds.

    django-tasks' worker ends on a database error (on SQLite, a write lock held longer than the 30 s timeout):
    a closing or a batch signing started from a page would then wait forever with nobody to run it.
    """
    web = children[0]
    running, started = None, float("-inf")
    while web.poll() is None:
        if worker and (running is None or running.poll() is not None) and time.monotonic() - started >= pause:
            if running is not None:
                write(f"Tiến trình công việc nền đã dừng (mã {running.returncode}); khởi động lại.")
                children.remove(running)
            running, started = subprocess.Popen(worker), time.monotonic()  # noqa: S603
            children.append(running)
        time.sleep(poll)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """Stop the web server and the worker: politely (SIGTERM), then for good after 10 seconds."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

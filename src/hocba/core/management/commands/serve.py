"""hocba serve: run the production web server (gunicorn) and a background-task worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

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
        children = []
        try:
            if not no_worker:
                children.append(subprocess.Popen([sys.executable, "-m", "hocba", "manage", "db_worker",
                                                  "--queue-name", "*"]))
            children.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "hocba.wsgi",  # noqa: S603
                                              "--bind", bind, "--workers", str(workers), "--threads", "4",
                                              "--access-logfile", "-"]))
            self.stdout.write(f"Máy chủ hocba đang chạy tại http://{bind}/  (Ctrl+C để dừng)")
            self.stdout.flush()
            children[-1].wait()
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)


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

"""hocba demo: migrate, fill the demo city if empty, print the URL and logins, serve."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command

from hocba.core import cli
from hocba.demo.seed import DEMO_PASSWORD


class Command(cli.Command):
    help = "Chạy bản demo: tạo dữ liệu mẫu nếu trống, in địa chỉ và tài khoản, rồi chạy máy chủ."

    def needs_migrated_database(self, options):
        return False  # it migrates first

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="chỉ chuẩn bị dữ liệu, không chạy máy chủ")

    def handle(self, *args, bind, no_serve, **options):
        from django.contrib.auth import get_user_model

        if not os.environ.get("HOCBA_PUBLIC_URL"):
            # The records' QR codes and share links point at the address the demo serves on; the
            # server process reads the same variable.
            settings.HOCBA_PUBLIC_URL = os.environ["HOCBA_PUBLIC_URL"] = public_url(bind)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # HOCBA_CACHE=database: its table
        call_command("seed_demo", if_empty=True, stdout=self.stdout)
        users = get_user_model().objects.filter(is_active=True).order_by("id").values_list("username", flat=True)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Học bạ số (demo) — mở {public_url(bind)}/"))
        self.stdout.write(f"Đăng nhập bằng một trong các tài khoản: {', '.join(users)}; mật khẩu: {DEMO_PASSWORD}")
        self.stdout.flush()
        if not no_serve:
            call_command("serve", bind=bind, no_migrate=True)


def public_url(bind: str) -> str:
    """The address a visitor opens for a ``host:port`` the server binds (all interfaces → this machine)."""
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104  (an address to read, not one to bind)
        host = "127.0.0.1"
    return f"http://{host}:{port}"

"""hocba demo: migrate, fill the demo city if empty, print the URL and logins, serve."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from hocba.demo.seed import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Chạy bản demo: tạo dữ liệu mẫu nếu trống, in địa chỉ và tài khoản, rồi chạy máy chủ."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="chỉ chuẩn bị dữ liệu, không chạy máy chủ")

    def handle(self, *args, bind, no_serve, **options):
        from django.contrib.auth import get_user_model

        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", if_empty=True, stdout=self.stdout)
        users = get_user_model().objects.filter(is_active=True).order_by("id").values_list("username", flat=True)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Học bạ số (demo) — mở http://{bind}/"))
        self.stdout.write(f"Đăng nhập bằng một trong các tài khoản: {', '.join(users)}; mật khẩu: {DEMO_PASSWORD}")
        self.stdout.flush()
        if not no_serve:
            call_command("serve", bind=bind, no_migrate=True)

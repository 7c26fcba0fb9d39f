"""hocba seed-demo: create the synthetic city (demo logins printed at the end)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection

from hocba.core import cli
from hocba.core.text import vn_number
from hocba.demo.seed import DEMO_PASSWORD, seed_city


class Command(cli.Command):
    help = "Tạo dữ liệu mẫu: một thành phố với trường, lớp, giáo viên, học sinh và tài khoản demo."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=3, help="số trường (mặc định 3)")
        parser.add_argument("--students", type=int, default=400, help="số học sinh (mặc định 400)")
        parser.add_argument("--seed", type=int, default=2025, help="hạt giống ngẫu nhiên")
        parser.add_argument("--if-empty", action="store_true", help="bỏ qua nếu cơ sở dữ liệu đã có dữ liệu")

    def handle(self, *args, schools, students, seed, if_empty, **options):
        from hocba.org.models import Department

        if Department.objects.exists():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; bỏ qua tạo dữ liệu mẫu.")
                return
            raise CommandError("Cơ sở dữ liệu đã có dữ liệu; seed-demo chỉ chạy trên cơ sở dữ liệu trống.")
        if schools < 2 or students < schools * 10:
            raise CommandError("Cần ít nhất 2 trường và 10 học sinh mỗi trường.")
        self.stdout.write(f"Đang tạo {schools} trường, {students} học sinh …")
        result = seed_city(schools=schools, students=students, seed=seed, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Xong trong {vn_number(result.seconds, 1)} giây: {vn_number(result.schools)} trường, "
            f"{vn_number(result.classes)} lớp, {vn_number(result.teachers)} giáo viên, "
            f"{vn_number(result.students)} học sinh ({connection.vendor})."))
        self.stdout.write(f"Tài khoản demo (mật khẩu: {DEMO_PASSWORD}):")
        for username, description in result.logins.items():
            self.stdout.write(f"  {username:<14} {description}")

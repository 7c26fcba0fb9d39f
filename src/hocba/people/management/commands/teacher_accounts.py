"""``hocba teacher-accounts``: create the logins of a school's teachers from the command line.

    hocba teacher-accounts --school ID --as USERNAME [--out PATH.csv]

Acts as ``USERNAME`` (the school's board or principal, exactly as on the page "Giáo viên" → "Tạo tài khoản cho …
giáo viên"), creates a login for every working teacher of the school who has none, and writes the one-time
initial passwords to ``PATH.csv`` (readable by the owner only; UTF-8 with a byte-order mark, so Excel shows the
Vietnamese names) or, without ``--out``, prints them. Every teacher sets their own password at first login. The
creation is audited.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from hocba.core import cli
from hocba.core.errors import PermissionDeniedError
from hocba.core.permissions import has_any
from hocba.people import accounts, selectors

HEADER = ["Họ và tên", "Mã cán bộ", "Tên đăng nhập", "Mật khẩu ban đầu"]


class Command(cli.Command):
    help = "Tạo tài khoản đăng nhập cho giáo viên đang công tác chưa có tài khoản (in mật khẩu ban đầu một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--school", dest="school_id", type=int, required=True, help="mã số trường")
        parser.add_argument("--as", dest="as_user", required=True,
                            help="tài khoản ban quản lý học bạ hoặc hiệu trưởng của trường")
        parser.add_argument("--out", help="ghi danh sách tài khoản vào tệp CSV này (chỉ chủ tệp đọc được)")

    def handle(self, *, school_id, as_user, out=None, **_):
        user = get_user_model().objects.filter(username=as_user).first()
        if user is None:
            raise CommandError(f"Không có tài khoản '{as_user}'.")
        if not has_any(user, "people:teacher:account"):
            raise CommandError(f"Tài khoản '{as_user}' không có quyền tạo tài khoản cho giáo viên.")
        try:
            school = selectors.teacher_school_get(user=user, pk=school_id, perm="people:teacher:account")
        except PermissionDeniedError as exc:
            raise CommandError(f"Trường có mã số {school_id} không thuộc quyền quản lý của '{as_user}'.") from exc
        issued = accounts.teacher_accounts_create(school=school, by=user)
        rows = [[a.full_name, a.staff_code, a.username, a.password] for a in issued]
        if out:
            path = cli.write_private_csv(out, HEADER, rows)
            self.stdout.write(f"{school.name}: đã tạo {len(issued)} tài khoản; danh sách ghi vào {path}.")
        else:
            self.stdout.write(f"{school.name}: đã tạo {len(issued)} tài khoản.")
            for row in rows:
                self.stdout.write("\t".join(row))
        if not issued:
            self.stdout.write("Mọi giáo viên đang công tác của trường đã có tài khoản đăng nhập.")

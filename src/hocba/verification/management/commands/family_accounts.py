"""``hocba family-accounts``: create the family portal accounts of a class from the command line.

    hocba family-accounts --class ID --as USERNAME [--out PATH.csv]

Acts as ``USERNAME`` (the school's admin or principal, exactly as on the page "Tài khoản gia đình"),
creates an account for every active student of the class and each of their guardians who has none
yet, and writes the one-time initial passwords to ``PATH.csv`` (readable by the owner only; UTF-8
with a byte-order mark, so Excel shows the Vietnamese names) or, without ``--out``, prints them.
Every account must set its own password at first login. The creation is audited.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from hocba.core import cli
from hocba.core.permissions import has_any
from hocba.verification import family

HEADER = ["Họ và tên", "Là", "Tên đăng nhập", "Mật khẩu ban đầu"]


class Command(cli.Command):
    help = "Tạo tài khoản cổng gia đình cho học sinh và phụ huynh của một lớp (in mật khẩu ban đầu một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--class", dest="class_id", type=int, required=True, help="mã số lớp")
        parser.add_argument("--as", dest="as_user", required=True,
                            help="tài khoản quản trị hoặc hiệu trưởng của trường")
        parser.add_argument("--out", help="ghi danh sách tài khoản vào tệp CSV này (chỉ chủ tệp đọc được)")

    def handle(self, *, class_id, as_user, out=None, **_):
        user = get_user_model().objects.filter(username=as_user).first()
        if user is None:
            raise CommandError(f"Không có tài khoản '{as_user}'.")
        if not has_any(user, "verification:account:create"):
            raise CommandError(f"Tài khoản '{as_user}' không có quyền tạo tài khoản gia đình.")
        class_group = family.account_classes(user=user).filter(pk=class_id).first()
        if class_group is None:
            raise CommandError(f"Lớp có mã số {class_id} không phải lớp của năm học hiện tại thuộc trường "
                               f"mà '{as_user}' quản lý.")
        created = family.family_accounts_create(class_group=class_group, by=user)
        rows = [[a.full_name, a.kind, a.username, a.password] for a in created]
        if out:
            path = cli.write_private_csv(out, HEADER, rows)
            self.stdout.write(f"Lớp {class_group.name} ({class_group.school.name}): đã tạo {len(created)} tài khoản; "
                              f"danh sách ghi vào {path}.")
        else:
            self.stdout.write(f"Lớp {class_group.name} ({class_group.school.name}): đã tạo {len(created)} tài khoản.")
            for row in rows:
                self.stdout.write("\t".join(row))
        if not created:
            self.stdout.write("Mọi học sinh và phụ huynh của lớp đã có tài khoản.")

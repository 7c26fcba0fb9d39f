"""hocba audit-verify: check the hash chain of the audit log."""

from __future__ import annotations

from hocba.core import cli
from hocba.core.audit import audit_verify


class Command(cli.Command):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán; báo mắt xích hỏng đầu tiên."

    def handle(self, *args, **options):
        report = audit_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Chuỗi nhật ký toàn vẹn: {report.checked} bản ghi."))
            return
        self.stderr.write(f"Chuỗi nhật ký bị hỏng tại bản ghi #{report.first_broken_seq}: {report.reason} "
                          f"(đã kiểm tra {report.checked} bản ghi hợp lệ trước đó).")
        raise SystemExit(1)

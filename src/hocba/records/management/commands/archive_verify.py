"""hocba archive-verify: re-read every stored file and compare it with its SHA-256."""

from __future__ import annotations

from hocba.core import cli


class Command(cli.Command):
    help = "Kiểm tra toàn bộ kho lưu trữ học bạ theo mã băm SHA-256; báo tệp thiếu hoặc bị sửa."

    def handle(self, *args, **options):
        from hocba.records.archive import archive_check

        report = archive_check()
        for sha in report.missing:
            self.stderr.write(f"THIẾU  {sha}")
        for sha in report.altered:
            self.stderr.write(f"BỊ SỬA {sha}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Kho lưu trữ toàn vẹn: {report.checked} tệp."))
            return
        self.stderr.write(f"{report.checked} tệp đã kiểm tra: {len(report.missing)} thiếu, "
                          f"{len(report.altered)} bị sửa.")
        raise SystemExit(1)

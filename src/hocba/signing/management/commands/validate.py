"""hocba validate PATH: print the validation report of a signed PDF; non-zero exit when not valid."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError

from hocba.core import cli


class Command(cli.Command):
    help = ("Kiểm tra chữ ký số của một tệp PDF và in báo cáo; mã thoát khác 0 khi có chữ ký không nguyên vẹn, "
            "không tin cậy, hoặc tệp không có chữ ký.")

    def needs_migrated_database(self, options):
        return not options.get("roots")  # with --roots it reads no database (a verifier's machine)

    def add_arguments(self, parser):
        parser.add_argument("path", help="tệp PDF cần kiểm tra")
        parser.add_argument("--roots", help="tệp PEM các chứng thư gốc tin cậy (mặc định: các gốc đã đăng ký)")
        parser.add_argument("--fetch-revocation", action="store_true",
                            help="tra cứu OCSP/CRL trực tuyến khi tệp không nhúng thông tin thu hồi")

    def handle(self, *args, path, roots, fetch_revocation, **options):
        from cryptography import x509

        from hocba.signing import pki
        from hocba.signing.core.validate import report_lines, validate_pdf

        file = Path(path)
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        trust = (x509.load_pem_x509_certificates(Path(roots).read_bytes()) if roots else pki.trust_roots())
        if not trust:
            raise CommandError("Chưa có chứng thư gốc tin cậy nào (dùng --roots hoặc đăng ký chứng thư gốc).")
        report = validate_pdf(file.read_bytes(), trust, allow_fetching=fetch_revocation)
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.all_valid:
            sys.exit(1)

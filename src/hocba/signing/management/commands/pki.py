"""hocba pki export-roots PATH: write the trust roots this installation accepts (PEM)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from hocba.core import cli


class Command(cli.Command):
    help = "Chứng thư gốc tin cậy: 'export-roots PATH' ghi các chứng thư gốc được chấp nhận ra tệp PEM."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export-roots", help="ghi các chứng thư gốc tin cậy (PEM) ra tệp")
        export.add_argument("path", help="tệp PEM đầu ra ('-' để in ra màn hình)")

    def handle(self, *args, action, path, **options):
        from hocba.signing.models import TrustRoot

        roots = list(TrustRoot.objects.order_by("name", "pk"))
        if not roots:
            raise CommandError("Chưa có chứng thư gốc tin cậy nào được đăng ký (chạy 'hocba seed-demo' cho bản demo).")
        pem = "".join(r.pem if r.pem.endswith("\n") else r.pem + "\n" for r in roots)
        if path == "-":
            self.stdout.write(pem, ending="")
            return
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(pem, encoding="ascii")
        self.stderr.write(f"Đã ghi {len(roots)} chứng thư gốc tin cậy vào {out}.")

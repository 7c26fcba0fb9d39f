"""hocba render-sample: write the demo student's latest year record as PDF (seeding the demo if empty)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from hocba.core import cli


class Command(cli.Command):
    help = "Xuất học bạ mẫu (PDF) của học sinh demo; tự tạo dữ liệu mẫu nếu cơ sở dữ liệu trống."

    def needs_migrated_database(self, options):
        return False  # it migrates first

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="đường dẫn tệp PDF")
        parser.add_argument("--signed", action="store_true", help="ký số đủ quy trình (GVCN, Hiệu trưởng, con dấu)")
        parser.add_argument("--student", help="tên đăng nhập của học sinh (mặc định: hocsinh)", default="hocsinh")

    def handle(self, *args, out, signed, student, **options):
        from hocba.org.models import Department
        from hocba.people.models import Student
        from hocba.records.archive import archive_get
        from hocba.records.models import YearRecord
        from hocba.records.services import compose_class

        call_command("migrate", interactive=False, verbosity=0)
        if not Department.objects.exists():
            call_command("seed_demo", stdout=self.stderr)
        person = Student.objects.filter(user__username=student).first()
        if person is None:
            raise CommandError(f"Không có học sinh với tên đăng nhập '{student}'.")
        enrolment = person.enrolments.select_related("class_group").order_by("-school_year__start_date").first()
        record = YearRecord.objects.filter(student=person).order_by("-grade").first()
        if record is None or record.current_version is None:
            report = compose_class(class_group=enrolment.class_group)
            if person.full_name in report.failed:
                raise CommandError("Chưa lập được học bạ: " + "; ".join(report.failed[person.full_name]))
            record = YearRecord.objects.filter(student=person).order_by("-grade").first()
        version = record.current_version
        if signed:
            from hocba.signing.workflow import sign_sample

            version = sign_sample(version)
        data = archive_get(version.signed_pdf_sha256 or version.pdf_sha256)
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.stdout.write(json.dumps({"pdf": str(path), "verification_code": version.verification_code},
                                     ensure_ascii=False))

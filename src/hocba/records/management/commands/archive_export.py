"""hocba archive-export: a school's records of a year as a zip with a manifest of hashes."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from hocba.core import cli


class Command(cli.Command):
    help = "Xuất kho học bạ của một trường trong một năm học thành tệp zip kèm bảng kê mã băm."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="mã trường (ví dụ HP0001)")
        parser.add_argument("--year", required=True, help="năm học, ví dụ 2025-2026")
        parser.add_argument("--out", required=True, help="tệp .zip sẽ ghi")

    def handle(self, *args, school, year, out, **options):
        from hocba.org.models import School
        from hocba.records.archive import archive_export_zip
        from hocba.records.models import RecordVersion

        school_obj = School.objects.filter(code=school).first()
        if school_obj is None:
            raise CommandError(f"Không có trường mã '{school}'.")
        versions = (RecordVersion.objects.filter(year_record__school=school_obj, year_record__school_year__name=year)
                    .select_related("year_record__student", "year_record__class_group")
                    .order_by("year_record__class_group__name", "pk"))
        entries = []
        for v in versions:
            student = v.year_record.student
            base = f"{v.year_record.class_group.name}/{student.moet_code or student.pk}-v{v.number}"
            entries.append((f"{base}.json", v.json_sha256))
            entries.append((f"{base}.pdf", v.signed_pdf_sha256 or v.pdf_sha256))
        data = archive_export_zip(entries, {"school": school_obj.name, "school_code": school_obj.code,
                                            "school_year": year, "versions": len(versions)})
        Path(out).write_bytes(data)
        self.stdout.write(f"Đã xuất {len(versions)} phiên bản học bạ ({len(entries)} tệp) vào {out}.")

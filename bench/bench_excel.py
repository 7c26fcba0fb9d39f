"""Benchmark: Excel export and import of a 45-student subject sheet.

Builds its own database (like ``bench_gradebook.py``), makes a 45-student class with a full term of
Toán, then prints, each with the ratio to a floor measured in the same run:

* export (``excel.sheet_export``): median time; floor: openpyxl writing the same 45 × 12 plain
  values with no styles, no title block and no identification;
* import of the unchanged sheet and of a sheet with 45 changed cells
  (``excel.sheet_import_file``): median time; floor: ``services.sheet_import`` of the same values
  (the database work without reading any file).

Run: ``.venv/bin/python bench/bench_excel.py [--repeat 15]``
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocba`` for PostgreSQL).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gradebook import drop_bench_database, resize_class, use_bench_database


def median(fn, repeat: int) -> float:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = "hocba_bench_excel"
    label = use_bench_database(name)
    try:
        run(args, label)
    finally:
        if not args.keep:
            drop_bench_database(name)


def run(args, label: str) -> None:
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from openpyxl import Workbook, load_workbook

    from hocba.demo.seed import SEED_EXTENSIONS, seed_city
    from hocba.gradebook import excel, services
    from hocba.gradebook.models import SubjectTermScore
    from hocba.gradebook.sheet import sheet_shape
    from hocba.org.models import ClassGroup, Deadline, Subject

    print(f"Cơ sở dữ liệu: {label}")
    settings.HOCBA_DEMO_GRADEBOOK = False
    SEED_EXTENSIONS.clear()  # the city only: this benchmark writes its own sheet
    seed_city(schools=2, students=1200, seed=11)
    Deadline.objects.update(due_date=timezone.localdate() + dt.timedelta(days=365))
    gvbm = get_user_model().objects.get(username="gvbm")
    toan = Subject.objects.get(code="TOAN")
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    donor = ClassGroup.objects.filter(school=cls.school, grade=cls.grade).exclude(pk=cls.pk).first()
    if donor is None:
        sys.exit("Cần một lớp cùng khối để lấy thêm học sinh.")
    resize_class(cls, 45, donor)
    shape = sheet_shape(class_group=cls, subject=toan)
    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    students = list(
        Enrolment.objects.filter(class_group=cls, status__in=ACTIVE_STATUSES).values_list("student_id", flat=True)
    )
    assert len(students) == 45, len(students)
    SubjectTermScore.objects.bulk_create(
        [
            SubjectTermScore(
                class_group=cls, subject=toan, term=1, student_id=s, tx=["7.5"] * shape.tx_count, gk="8.0", ck="6.5"
            )
            for s in students
        ]
    )

    export_time = median(lambda _i: excel.sheet_export(class_group=cls, subject=toan, term=1), args.repeat)

    def plain(_i):
        wb = Workbook()
        ws = wb.active
        for n, s in enumerate(students, start=1):
            ws.append([n, str(s), "Họ và tên", "01/01/2011", *(["7,5"] * shape.tx_count), "8,0", "6,5", "7,3", ""])
        wb.save(io.BytesIO())

    export_floor = median(plain, args.repeat)

    data = excel.sheet_export(class_group=cls, subject=toan, term=1)
    unchanged = median(lambda _i: excel.sheet_import_file(fileobj=io.BytesIO(data), by=gvbm), args.repeat)

    files = []
    for i in range(args.repeat):
        wb = load_workbook(io.BytesIO(data))
        ws = wb.worksheets[0]
        for r in range(8, 8 + 45):
            ws[f"I{r}"] = f"{(i % 9) + 1},5"  # GK of every student
        buffer = io.BytesIO()
        wb.save(buffer)
        files.append(buffer.getvalue())
    changed = median(lambda i: excel.sheet_import_file(fileobj=io.BytesIO(files[i]), by=gvbm), args.repeat)

    def service(i):
        rows = {s: {"gk": f"{((i + 3) % 9) + 1}.5"} for s in students}
        services.sheet_import(
            class_group=cls, subject=toan, term=1, rows=rows, row_labels={s: str(s) for s in students}, by=gvbm
        )

    service_floor = median(service, args.repeat)
    print(
        f"Xuất sổ điểm 45 học sinh: {export_time * 1000:.1f} ms (sàn openpyxl thuần {export_floor * 1000:.1f} ms, "
        f"gấp {export_time / export_floor:.1f} lần)"
    )
    print(
        f"Nhập lại sổ không đổi: {unchanged * 1000:.1f} ms; nhập 45 ô thay đổi: {changed * 1000:.1f} ms "
        f"(sàn services.sheet_import {service_floor * 1000:.1f} ms, gấp {changed / service_floor:.1f} lần)"
    )


if __name__ == "__main__":
    main()

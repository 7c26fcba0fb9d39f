"""Benchmark: the e-gradebook of one school — the grid data, saving a cell, importing a sheet, closing a year.

Builds its own database (a temporary SQLite file, or the ``hocba_bench_gradebook`` database on the
PostgreSQL server of ``DATABASE_URL``), seeds one school of ~1,500 students with a full year of
scores by bulk inserts, then prints each figure with the ratio to a floor measured in the same run:

* grid data (``selectors.sheet_get``) of a 10- and a 45-student class: query counts (must be equal)
  and median server time; floor: one SQL query reading that sheet's score rows with the names;
* saving one cell (``services.score_update``): median time; floor: one UPDATE of that row, committed;
* importing a 45-row sheet (``services.sheet_import``): time; floor: the 45 UPDATEs in one transaction;
* closing the school's year (``closing.close_classes``): students/s; floor: one SQL pass reading
  the school's score rows (``cursor.execute`` + ``fetchall``).

Run: ``.venv/bin/python bench/bench_gradebook.py [--students 1500] [--repeat 30]``
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocba`` for PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


# --- a database of its own ----------------------------------------------------------------------


def use_bench_database(name: str) -> str:
    """Point Django at a fresh database for the benchmark (never the developer's own); returns its label."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _db = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"
        label = f"PostgreSQL ({name})"
    else:
        path = Path(tempfile.mkdtemp(prefix="hocba-bench-")) / f"{name}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        label = f"SQLite ({path})"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    os.environ["HOCBA_DB_CONN_MAX_AGE"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return label


def drop_bench_database(name: str) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    from django.db import connections

    connections.close_all()
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a full year of scores by bulk insert -----------------------------------------------------

SCORE_POOL = [f"{n / 10:.1f}" for n in range(30, 101)]
WEIGHTS = [max(1.0, 40 - abs(n - 75) / 1.5) for n in range(30, 101)]  # centred on 7.5


def fill_year(class_ids: list[int], *, seed: int = 1, conduct_blank: float = 0.0) -> tuple[int, int]:
    """Every score cell of both terms and every conduct of the classes; returns (score rows, students).

    PostgreSQL: COPY; SQLite: executemany. Values are plausible (centred on 7,5), comment subjects
    mostly Đ. This is test data, so it goes straight to the tables (as an import would, without history).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from hocba.org.models import ClassGroup, CurriculumEntry, TeachingAssignment
    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    rng = random.Random(seed)
    tx_of = {(c.subject_id, c.grade): c.tx_count for c in CurriculumEntry.objects.filter(school_year=None)}
    grade = dict(ClassGroup.objects.filter(pk__in=class_ids).values_list("pk", "grade"))
    subjects: dict[int, list[tuple[int, str]]] = {}
    for cid, sid, mode in TeachingAssignment.objects.filter(class_group_id__in=class_ids).values_list(
        "class_group_id", "subject_id", "subject__mode"
    ):
        subjects.setdefault(cid, []).append((sid, mode))
    students: dict[int, list[int]] = {}
    for cid, stid in Enrolment.objects.filter(
        class_group_id__in=class_ids, status__in=ACTIVE_STATUSES
    ).values_list("class_group_id", "student_id"):
        students.setdefault(cid, []).append(stid)
    now = timezone.now().isoformat()
    pool = rng.choices(SCORE_POOL, WEIGHTS, k=100_003)
    k = 0
    score_lines: list[str] = []
    homeroom_lines: list[str] = []
    conducts = ["Tốt"] * 7 + ["Khá"] * 2 + ["Đạt"]
    for cid in class_ids:
        g = grade[cid]
        plan = [(sid, mode, tx_of.get((sid, g), 3)) for sid, mode in subjects.get(cid, [])]
        for stid in students.get(cid, []):
            for term in (1, 2):
                head = f"{cid}\t"
                tail = f"\t{stid}\t{term}\t"
                for sid, mode, n in plan:
                    if mode == "score":
                        vals = pool[k % 99_000 : k % 99_000 + n + 2]
                        k += n + 7
                    else:
                        vals = ["Đ"] * (n + 2) if rng.random() > 0.02 else ["Đ"] * n + ["CĐ", "CĐ"]
                    tx = '["' + '", "'.join(vals[:n]) + '"]'
                    score_lines.append(f"{head}{sid}{tail}{tx}\t{vals[n]}\t{vals[n + 1]}\t\t1\t{now}\n")
                conduct = "" if conduct_blank and rng.random() < conduct_blank else conducts[k % 10]
                k += 1
                homeroom_lines.append(f"{cid}\t{stid}\t{term}\t{conduct}\t\t{k % 3}\t{k % 2 * (k % 4)}\t1\n")
    score_cols = (
        "class_group_id",
        "subject_id",
        "student_id",
        "term",
        "tx",
        "gk",
        "ck",
        "comment",
        "version",
        "updated_at",
    )
    homeroom_cols = (
        "class_group_id",
        "student_id",
        "term",
        "conduct",
        "comment",
        "absent_excused",
        "absent_unexcused",
        "version",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _bulk(cursor, "gradebook_subjecttermscore", score_cols, score_lines)
        _bulk(cursor, "gradebook_homeroomtermentry", homeroom_cols, homeroom_lines)
    return len(score_lines), sum(len(v) for v in students.values())


def _bulk(cursor, table: str, cols: tuple[str, ...], lines: list[str]) -> None:
    """Tab-separated lines (COPY text format) into the table: COPY on PostgreSQL, executemany elsewhere."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for i in range(0, len(lines), 20_000):
                copy.write("".join(lines[i : i + 20_000]))
    else:
        marks = ", ".join(["%s"] * len(cols))
        rows = [line.rstrip("\n").split("\t") for line in lines]
        for i in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608 — fixed names
                rows[i : i + 5000],
            )


def score_floor(class_ids: list[int]) -> tuple[float, int]:
    """The floor: one SQL pass reading the classes' score rows (seconds, rows)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(class_ids))
        cursor.execute(
            "SELECT class_group_id, student_id, subject_id, term, tx, gk, ck "  # noqa: S608 — placeholders only
            f"FROM gradebook_subjecttermscore WHERE class_group_id IN ({marks})",
            class_ids,
        )
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def median_time(fn: Callable[[int], object], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (the machine may be shared: both are shown)."""
    times, cpus = [], []
    for i in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn(i)
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(times), statistics.median(cpus)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# --- the benchmark ---------------------------------------------------------------------------------


def resize_class(class_group, size: int, donor) -> None:
    """Move enrolments between two classes of the same grade so ``class_group`` has ``size`` students."""
    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    mine = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES).order_by("pk"))
    if len(mine) > size:
        Enrolment.objects.filter(pk__in=[e.pk for e in mine[size:]]).update(class_group=donor)
    elif len(mine) < size:
        theirs = list(
            Enrolment.objects.filter(class_group=donor, status__in=ACTIVE_STATUSES).order_by("pk")[
                : size - len(mine)
            ]
        )
        Enrolment.objects.filter(pk__in=[e.pk for e in theirs]).update(class_group=class_group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1500, help="students of the benchmarked school")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL benchmark database")
    args = parser.parse_args()
    name = "hocba_bench_gradebook"
    label = use_bench_database(name)
    try:
        run(args, label)
    finally:
        if not args.keep:
            drop_bench_database(name)


def run(args, label: str) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hocba.core.permissions import scope_of
    from hocba.demo.seed import seed_city
    from hocba.gradebook import selectors, services
    from hocba.gradebook.closing import close_classes
    from hocba.gradebook.models import SubjectTermScore
    from hocba.gradebook.sheet import sheet_shape
    from hocba.org.models import ClassGroup, Deadline, Subject, TeachingAssignment

    print(f"Cơ sở dữ liệu: {label}")
    started = time.perf_counter()
    # Two schools: the THCS school gets the students asked for (seed_city splits evenly).

    settings.HOCBA_DEMO_GRADEBOOK = False  # this benchmark fills the year itself (fill_year)
    settings.HOCBA_DEMO_GRADEBOOK = False  # scores come from fill_year (COPY), not the demo extension
    seed = seed_city(schools=2, students=2 * args.students, seed=11)
    Deadline.objects.update(due_date=timezone.localdate() + __import__("datetime").timedelta(days=365))
    gvbm = get_user_model().objects.get(username="gvbm")
    toan = Subject.objects.get(code="TOAN")
    big = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    school = big.school
    siblings = list(
        ClassGroup.objects.filter(school=school, grade=big.grade).exclude(pk=big.pk).order_by("name")
    )
    if len(siblings) < 2:
        sys.exit("Cần ít nhất 3 lớp cùng khối: tăng --students.")
    small = siblings[0]
    resize_class(big, 45, siblings[1])
    resize_class(small, 10, siblings[1])
    for cg in (small,):  # gvbm teaches Toán in both measured classes
        TeachingAssignment.objects.filter(class_group=cg, subject=toan).update(
            teacher_id=TeachingAssignment.objects.get(class_group=big, subject=toan).teacher_id
        )
    class_ids = list(
        ClassGroup.objects.filter(school=school, school_year=seed.year).values_list("pk", flat=True)
    )
    rows, n_students = fill_year(class_ids)
    print(
        f"Chuẩn bị: {n_students} học sinh, {len(class_ids)} lớp, {rows} dòng điểm "
        f"({time.perf_counter() - started:.1f} s)"
    )
    scope_of(gvbm)

    # 1. grid data: constant query count, server time.
    def sheet_sql(cg):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.full_name, s.birth_date, r.tx, r.gk, r.ck, r.comment FROM people_enrolment e "
                "JOIN people_student s ON s.id = e.student_id LEFT JOIN gradebook_subjecttermscore r ON "
                "r.student_id = e.student_id AND r.class_group_id = e.class_group_id AND r.subject_id = %s "
                "AND r.term = 1 WHERE e.class_group_id = %s ORDER BY s.sort_name",
                [toan.pk, cg.pk],
            )
            return cursor.fetchall()

    counts = {}
    for cg in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            sheet = selectors.sheet_get(class_group=cg, subject=toan, term=1)
        counts[len(sheet.rows)] = len(ctx.captured_queries)
    grid, grid_cpu = median_time(lambda _i: selectors.sheet_get(class_group=big, subject=toan, term=1), args.repeat)
    grid_floor, _ = median_time(lambda _i: sheet_sql(big), args.repeat)
    print(
        f"Lưới nhập điểm (sheet_get): số truy vấn {counts} (10 và 45 học sinh) — "
        f"{'không đổi' if len(set(counts.values())) == 1 else 'TĂNG THEO SỐ HỌC SINH'}"
    )
    print(
        f"  thời gian máy chủ, lớp 45 em: {ms(grid)} (trung vị; CPU Python {ms(grid_cpu)}); "
        f"sàn 1 truy vấn SQL {ms(grid_floor)}; "
        f"tỉ lệ {grid / grid_floor:.1f}×"
    )

    # 2. saving one cell.
    sheet = selectors.sheet_get(class_group=big, subject=toan, term=1)
    student_ids = [r.student_id for r in sheet.rows]
    current = {sid: r.cells["gk"] for sid, r in zip(student_ids, sheet.rows, strict=True)}

    def save(i: int) -> None:
        sid = student_ids[i % len(student_ids)]
        value = "9.5" if current[sid] != "9.5" else "6.0"
        services.score_update(
            class_group=big,
            subject=toan,
            student_id=sid,
            term=1,
            field="gk",
            raw=value,
            expected=current[sid],
            by=gvbm,
        )
        current[sid] = value

    row_ids = list(
        SubjectTermScore.objects.filter(class_group=big, subject=toan, term=1).values_list("pk", flat=True)
    )

    def save_floor(i: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE gradebook_subjecttermscore SET gk = %s, version = version + 1 WHERE id = %s",
                ["7.5" if i % 2 else "8.0", row_ids[i % len(row_ids)]],
            )

    save_time, save_cpu = median_time(save, args.repeat)
    save_floor_time, _ = median_time(save_floor, args.repeat)
    print(
        f"Lưu một ô (score_update): {ms(save_time)} (trung vị; CPU Python {ms(save_cpu)}); "
        f"sàn 1 UPDATE {ms(save_floor_time)}; "
        f"tỉ lệ {save_time / save_floor_time:.1f}×"
    )

    # 3. importing a 45-row sheet (every cell changes each time).
    shape = sheet_shape(class_group=big, subject=toan)
    labels = {sid: f"dòng {n}" for n, sid in enumerate(student_ids, start=7)}

    def do_import(i: int) -> None:
        value = "8,5" if i % 2 == 0 else "7,0"
        services.sheet_import(
            class_group=big,
            subject=toan,
            term=2,
            rows={sid: dict.fromkeys(shape.fields, value) for sid in student_ids},
            row_labels=labels,
            by=gvbm,
        )

    def import_floor(i: int) -> None:
        value = "8.5" if i % 2 == 0 else "7.0"
        tx = json.dumps([value] * shape.tx_count)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE gradebook_subjecttermscore SET tx = %s, gk = %s, ck = %s WHERE id = %s",
                [(tx, value, value, rid) for rid in row_ids],
            )

    repeat = max(3, args.repeat // 3)
    import_time, import_cpu = median_time(do_import, repeat)
    import_floor_time, _ = median_time(import_floor, repeat)
    print(
        f"Nhập tệp 45 dòng (sheet_import, {len(shape.fields)} cột): {ms(import_time)} "
        f"(CPU Python {ms(import_cpu)}); "
        f"sàn 45 UPDATE {ms(import_floor_time)}; tỉ lệ {import_time / import_floor_time:.1f}×"
    )

    # 4. closing the school's year.
    floor, floor_rows = min(score_floor(class_ids) for _ in range(3))
    started, cpu = time.perf_counter(), time.process_time()
    report = close_classes(class_ids=class_ids, period="year")
    close_time, close_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"Tổng kết năm cả trường (close_classes): {report.students} học sinh trong {close_time:.2f} s = "
        f"{report.students / close_time:,.0f} học sinh/s ({floor_rows / close_time:,.0f} dòng điểm/s), "
        f"{report.failed} lỗi; CPU Python {close_cpu:.2f} s"
    )
    print(
        f"  sàn: đọc {floor_rows} dòng điểm bằng 1 truy vấn SQL {floor:.3f} s; "
        f"tỉ lệ {close_time / floor:.1f}×"
    )


if __name__ == "__main__":
    main()

"""Benchmark: closing the school year of a whole city on PostgreSQL.

Seeds a city (``hocba.demo.seed.seed_city``: schools, classes, students) in its own database
``hocba_bench_city`` on the server of ``DATABASE_URL``, fills every score cell of both terms and
every conduct by COPY, then times ``closing.close_classes`` over every class for the period
"year" (the production path of ``hocba gradebook close --all`` and of the page's button: units of
classes in worker processes) and prints wall time, CPU of this process and of its worker processes,
rows/s, students/s and the ratio to the floor: one SQL pass that reads the same score rows
(``cursor.execute`` + fetching every row). Before timing, the snapshots table is VACUUMed (not timed): the
previous run's snapshots are dead rows, which autovacuum would clear in production.

Target (issue 4): 300,000 students within 5 minutes on the 2-core machine, within 3× the floor.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocba .venv/bin/python bench/bench_close_city.py``
     ``[--students 300000] [--schools 300] [--keep] [--reuse] [--workers N]``
     (``--reuse``: skip seeding, use the database kept by ``--keep``; ``--workers``: processes of the
     closing, default ``HOCBA_CLOSING_WORKERS`` or one per core).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gradebook import drop_bench_database, fill_year, use_bench_database

NAME = "hocba_bench_city"


TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a PostgreSQL backend running on this machine, else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


class BackendSampler:
    """Samples the CPU of every other backend of the benchmark database while the closing runs.

    The closing's worker processes each hold a connection for the whole closing; the last sample of
    each backend (taken every 0.2 s, on a connection of its own) is its CPU, minus what it had used
    before. A database on another machine gives no figure.
    """

    def __init__(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.sample()
        self.first = dict(self.last)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        pids = [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        for pid in pids:
            value = backend_cpu(pid)
            if value is not None:
                self.last[pid] = value

    def loop(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()

    def finish(self) -> float | None:
        self.stop.set()
        self.thread.join()
        self.conn.close()
        if not self.last:
            return None
        return sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())


def floor_pass() -> tuple[float, int, float, float | None]:
    """One SQL pass reading every score row of the year (what any closing must at least read).

    Returns wall seconds, rows, this process's CPU and the CPU of its PostgreSQL backend (None when the
    server is not on this machine).
    """
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    before_server, cpu = backend_cpu(pid), time.process_time()
    started = time.perf_counter()
    n = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT class_group_id, student_id, subject_id, term, tx, gk, ck FROM gradebook_subjecttermscore"
        )
        while rows := cursor.fetchmany(20_000):
            n += len(rows)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after_server = backend_cpu(pid)
    server = None if before_server is None or after_server is None else after_server - before_server
    return seconds, n, cpu, server


def vacuum_results() -> None:
    """VACUUM the snapshots table before timing (not timed).

    A run replaces every snapshot of the year: the previous ones become dead rows. In production
    autovacuum clears them between closings; a server with autovacuum off (as a benchmark machine may
    be) would otherwise make every --reuse run slower than the last (each DELETE walks the dead index
    entries of all earlier runs), so successive runs could not be compared.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM gradebook_studentresult")
    print(f"VACUUM bảng kết quả tổng kết (không tính giờ): {time.perf_counter() - started:.0f} s", flush=True)


def seed(args) -> None:
    from django.conf import settings
    from django.db import connection

    from hocba.demo.seed import seed_city
    from hocba.org.models import ClassGroup

    settings.HOCBA_DEMO_GRADEBOOK = False  # scores come from fill_year (COPY), not the demo extension
    started = time.perf_counter()
    result = seed_city(
        schools=args.schools,
        students=args.students,
        seed=2025,
        progress=lambda msg: print(msg, flush=True) if args.verbose else None,
    )
    print(
        f"Tạo thành phố: {result.schools} trường, {result.classes} lớp, {result.students:,} học sinh "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    started = time.perf_counter()
    by_school: dict[int, list[int]] = {}
    for pk, school_id in ClassGroup.objects.values_list("pk", "school_id"):
        by_school.setdefault(school_id, []).append(pk)
    schools = sorted(by_school)
    rows = 0
    for i in range(0, len(schools), 20):  # 20 schools at a time keeps memory small
        ids = [c for s in schools[i : i + 20] for c in by_school[s]]
        rows += fill_year(ids, seed=i + 1)[0]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Điểm cả năm: {rows:,} dòng điểm (COPY) ({time.perf_counter() - started:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database for another run (--reuse)")
    parser.add_argument("--reuse", action="store_true", help="use the database kept by an earlier --keep run")
    parser.add_argument("--workers", type=int, default=None, help="processes of the closing")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Cần PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocba")
    if args.reuse:
        base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
        os.environ["DATABASE_URL"] = f"{base}/{NAME}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
        import django

        django.setup()
        label = f"PostgreSQL ({NAME}, giữ lại từ lần trước)"
    else:
        label = use_bench_database(NAME)
    print(f"Cơ sở dữ liệu: {label}", flush=True)
    try:
        if not args.reuse:
            seed(args)
        run(args.workers)
    finally:
        if not args.keep:
            drop_bench_database(NAME)


def run(workers: int | None = None) -> None:
    from hocba.gradebook.closing import close_classes
    from hocba.org.models import ClassGroup

    vacuum_results()
    floors = [floor_pass() for _ in range(2)]
    floor, rows, floor_cpu, floor_server = min(floors, key=lambda f: f[0])
    floor_total = floor_cpu + (floor_server or 0.0)
    print(
        f"Sàn: đọc {rows:,} dòng điểm bằng 1 truy vấn SQL: {floor:.1f} s ({rows / floor:,.0f} dòng/s); "
        f"CPU Python {floor_cpu:.1f} s + PostgreSQL {_seconds(floor_server)}",
        flush=True,
    )
    class_ids = list(ClassGroup.objects.order_by("school_id", "grade", "name").values_list("pk", flat=True))
    started = time.perf_counter()
    cpu = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks = iter(range(1, 11))
    next_mark = [next(marks)]

    def progress(done: int, failed: int) -> None:
        elapsed = time.perf_counter() - started
        if done >= next_mark[0] * expected / 10:
            print(f"  … {done:,} học sinh, {elapsed:.0f} s", flush=True)
            next_mark[0] = next(marks, 99)

    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    expected = Enrolment.objects.filter(status__in=ACTIVE_STATUSES).count() or 1
    sampler = BackendSampler()
    report = close_classes(class_ids=class_ids, period="year", progress=progress, workers=workers)
    seconds = time.perf_counter() - started
    server = sampler.finish()
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, reaped when the closing ends
    workers_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    print(
        f"Tổng kết năm toàn thành phố: {report.students:,} học sinh, {len(class_ids):,} lớp, "
        f"{report.failed} lỗi trong {seconds:.1f} s (CPU tiến trình chính {cpu:.1f} s, "
        f"CPU các tiến trình con {workers_cpu:.1f} s, PostgreSQL {_seconds(server)})"
    )
    total = cpu + workers_cpu + (server or 0.0)
    print(
        f"  CPU tổng {total:.1f} s = {total / floor_total:.1f}× CPU của sàn ({floor_total:.1f} s); "
        f"chia cho {os.cpu_count()} lõi: {total / (os.cpu_count() or 1):.1f} s"
    )
    print(f"  {rows / seconds:,.0f} dòng điểm/s, {report.students / seconds:,.0f} học sinh/s")
    print(
        f"  tỉ lệ so với sàn: {seconds / floor:.1f}× (mục tiêu ≤ 3×); "
        f"mục tiêu ≤ 300 s: {'đạt' if seconds <= 300 else 'CHƯA ĐẠT'}"
    )


def _seconds(value: float | None) -> str:
    return "không đo được (máy chủ khác)" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    main()

"""Benchmark of ``hocba seed-demo`` at city scale (default 300 schools, 300,000 students).

For each database (SQLite in a fresh temporary directory; PostgreSQL too with ``--postgres``,
in a fresh database ``hocba_bench`` that is dropped afterwards) it prints, measured in the same run:

- the migration time of the empty database;
- the seed time, the rows written (every table) and rows/s;
- the database size afterwards (SQLite file size after a WAL checkpoint; ``pg_database_size``);
- the floor: the time to bulk-insert the same number of bare rows (an integer and a short text)
  into one simple table over the same connection, and the ratio seed time / floor time.

Each database runs in its own child process (Django settings are read once per process). By default
only the foundation's city is seeded; ``--with-extensions`` adds the other apps' seed extensions
(the gradebook's year of scores). The load average is printed: the figures are wall-clock times.

Run: ``.venv/bin/python bench/bench_seed.py [--schools 300] [--students 300000] [--postgres]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("HOCBA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "hocba_bench"


def _child(schools: int, students: int, with_extensions: bool) -> dict:
    """Runs inside the child process: migrate, seed, measure size, then the floor."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started

    from hocba.demo.seed import SEED_EXTENSIONS, seed_city

    if not with_extensions:  # the foundation's city only (no year of scores from the gradebook)
        SEED_EXTENSIONS.clear()
    def counts() -> int:
        total = 0
        with connection.cursor() as cur:
            for model in apps.get_models(include_auto_created=True):
                cur.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"')  # noqa: S608 — table names from models
                total += cur.fetchone()[0]
        return total

    rows_before = counts()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = seed_city(schools=schools, students=students, seed=2025,
                       progress=lambda m: print(m, file=sys.stderr))
    seed_s = time.perf_counter() - started
    seed_cpu_s = time.process_time() - cpu_started
    rows = counts() - rows_before

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db_path = Path(connection.settings_dict["NAME"])
            size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
        else:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]

    # Floor: the same number of bare rows into one simple table, with multi-row INSERTs in batches of
    # 2,000 rows (what bulk_create sends), in one transaction, over the same connection.
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_floor (id integer PRIMARY KEY, label varchar(40) NOT NULL)")
    batch = 2000
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, rows, batch):
            ids = range(start, min(rows, start + batch))
            values = ", ".join(["(%s, %s)"] * len(ids))
            params = [p for i in ids for p in (i, f"dòng {i}")]
            cur.execute(f"INSERT INTO bench_floor (id, label) VALUES {values}", params)  # noqa: S608
    floor_s = time.perf_counter() - started
    return {
        "vendor": connection.vendor, "migrate_s": migrate_s, "seed_s": seed_s, "seed_cpu_s": seed_cpu_s,
        "rows": rows, "size": size,
        "floor_s": floor_s, "schools": result.schools, "students": result.students, "classes": result.classes,
        "teachers": result.teachers,
    }


def _run_child(env: dict, schools: int, students: int, with_extensions: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", "--schools", str(schools), "--students", str(students)]
    if with_extensions:
        cmd.append("--with-extensions")
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(label: str, r: dict) -> None:
    mib = r["size"] / 2**20
    print(f"\n== {label} ==")
    print(f"  created: {r['schools']} schools, {r['classes']} classes, {r['teachers']} teachers, "
          f"{r['students']} students")
    print(f"  migrate:  {r['migrate_s']:.1f} s")
    print(f"  seed:     {r['seed_s']:.1f} s for {r['rows']:,} rows = {r['rows'] / r['seed_s']:,.0f} rows/s "
          f"(CPU time of the seeding process: {r['seed_cpu_s']:.1f} s)")
    print(f"  size:     {mib:,.1f} MiB ({r['size'] / max(1, r['students']):,.0f} bytes per student)")
    print(f"  floor:    {r['floor_s']:.1f} s to bulk-insert {r['rows']:,} bare rows "
          f"= {r['rows'] / r['floor_s']:,.0f} rows/s")
    print(f"  ratio:    seed / floor = {r['seed_s'] / r['floor_s']:.1f}×")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--students", type=int, default=300_000)
    parser.add_argument("--postgres", action="store_true",
                        help="also run on PostgreSQL (database hocba_bench)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--with-extensions", action="store_true",
                        help="also run the other apps' seed extensions (the gradebook's year of scores)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.schools, args.students, args.with_extensions)))
        return 0
    print(f"seed-demo --schools {args.schools} --students {args.students}"
          + (" (with the other apps' extensions)" if args.with_extensions else " (foundation only)"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="hocba-bench-") as tmp:
        if not args.no_sqlite:
            env = {**base_env, "HOCBA_DATA_DIR": tmp}
            _report("SQLite", _run_child(env, args.schools, args.students, args.with_extensions))
        if args.postgres:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg_admin(f"CREATE DATABASE {PG_DB}")
            try:
                env = {**base_env, "HOCBA_DATA_DIR": tmp, "DATABASE_URL": f"{PG_SERVER}/{PG_DB}"}
                _report("PostgreSQL", _run_child(env, args.schools, args.students, args.with_extensions))
            finally:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

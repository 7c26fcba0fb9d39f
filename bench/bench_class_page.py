"""Benchmark of the class page (org:class_detail) for a class of 45 students.

Seeds a small demo city (2 schools, 1,440 students: the THCS school gets classes of exactly 45)
into a fresh database, then requests the class page in-process through Django's full stack
(middleware, authorisation, queries, template) as the school's records board (``bgh``) and as
the homeroom teacher (``gvcn``). Prints, measured in the same run:

- the median and 90th-percentile server time of the class page and its query count;
- the floor: the login page (same middleware and base template, no query), and the ratio.

Run: ``.venv/bin/python bench/bench_class_page.py [--repeat 200] [--postgres]``
(SQLite in a temporary directory; ``--postgres`` uses a database ``hocba_bench_page``, dropped after).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("HOCBA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "hocba_bench_page"


def _timed(client, url: str, repeat: int) -> tuple[list[float], int]:
    from django.db import connection

    client.get(url)  # warm-up (templates, content types)
    sql: list[str] = []

    def count(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(count):  # survives the per-request reset of connection.queries
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    return times, len(sql)


def _child(repeat: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)
    from hocba.demo.seed import SEED_EXTENSIONS, seed_city
    from hocba.org.models import ClassGroup

    SEED_EXTENSIONS.clear()
    seed_city(schools=2, students=1440, seed=45)
    User = get_user_model()
    out: dict = {"vendor": django.db.connection.vendor}
    gvcn_class = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    cls = (ClassGroup.objects.filter(school=gvcn_class.school)
           .annotate(n=Count("enrolments", filter=Q(enrolments__status="studying"))).filter(n=45)
           .order_by("-pk" if gvcn_class.pk else "pk"))
    target = gvcn_class if gvcn_class.enrolments.count() == 45 else cls.first()
    out["class"] = f"{target.name} ({target.enrolments.count()} học sinh)"
    url = reverse("org:class_detail", args=[target.pk])
    for username in ("bgh", "gvcn"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        times, queries = _timed(client, url, repeat)
        out[username] = {"median": statistics.median(times), "p90": statistics.quantiles(times, n=10)[-1],
                         "queries": queries, "allowed": username == "bgh" or target.pk == gvcn_class.pk}
    floor_times, floor_queries = _timed(Client(), reverse("core:login"), repeat)
    out["floor"] = {"median": statistics.median(floor_times), "queries": floor_queries}
    return out


def _report(label: str, r: dict) -> None:
    print(f"\n== {label}: class page of {r['class']} ==")
    floor = r["floor"]["median"]
    for username in ("bgh", "gvcn"):
        m = r[username]
        if not m["allowed"]:
            continue
        print(f"  as {username:<5} median {m['median'] * 1000:6.1f} ms, p90 {m['p90'] * 1000:6.1f} ms, "
              f"{m['queries']} queries; ratio to floor {m['median'] / floor:.1f}×")
    print(f"  floor: login page median {floor * 1000:.1f} ms ({r['floor']['queries']} queries)")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _run_child(env: dict, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", "--repeat", str(repeat)], env=env, check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.repeat)))
        return 0
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="hocba-bench-page-") as tmp:
        _report("SQLite", _run_child({**base, "HOCBA_DATA_DIR": tmp}, args.repeat))
        if args.postgres:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg_admin(f"CREATE DATABASE {PG_DB}")
            try:
                env = {**base, "HOCBA_DATA_DIR": tmp, "DATABASE_URL": f"{PG_SERVER}/{PG_DB}"}
                _report("PostgreSQL", _run_child(env, args.repeat))
            finally:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

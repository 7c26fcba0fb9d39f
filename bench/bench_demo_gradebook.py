"""Benchmark: the gradebook part of ``hocba seed-demo`` (a year of scores, homeroom entries, closing).

Builds its own database (like ``bench_gradebook.py``), seeds the city with no extensions, then times
:func:`hocba.gradebook.demo.seed_gradebook` and prints it with the ratio to a floor measured in the
same run: one ``executemany`` INSERT of the same number of score rows (same columns, same JSON text)
into a temporary table — the least any way of writing those rows can cost. The closing (three
periods and the summer re-close by the assessment engine) is included in the seeding time.

Run: ``.venv/bin/python bench/bench_demo_gradebook.py [--schools 30 --students 30000]``
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocba`` for PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gradebook import drop_bench_database, use_bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3)
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = "hocba_bench_demo_gradebook"
    label = use_bench_database(name)
    try:
        run(args, label)
    finally:
        if not args.keep:
            drop_bench_database(name)


def run(args, label: str) -> None:
    from django.db import connection, transaction

    from hocba.demo.seed import SEED_EXTENSIONS, seed_city
    from hocba.gradebook.demo import seed_gradebook
    from hocba.gradebook.models import StudentResult, SubjectTermScore

    print(f"Cơ sở dữ liệu: {label}")
    SEED_EXTENSIONS.clear()
    started = time.perf_counter()
    result = seed_city(schools=args.schools, students=args.students, seed=2025)
    city = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    seed_gradebook(result, random.Random(2025))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rows = SubjectTermScore.objects.count()
    results = StudentResult.objects.count()

    sample = list(
        SubjectTermScore.objects.values_list(
            "class_group_id", "subject_id", "student_id", "term", "tx", "gk", "ck", "comment"
        )[:1000]
    )
    data = [(c, s, st, t, json.dumps(tx, ensure_ascii=False), gk, ck, cm) for c, s, st, t, tx, gk, ck, cm in sample]
    data = (data * (rows // len(data) + 1))[:rows]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE floor_scores (class_group_id int, subject_id int, student_id int, "
            "term int, tx text, gk varchar(4), ck varchar(4), comment text)"
        )
        floor_started = time.perf_counter()
        for i in range(0, len(data), 5000):
            cur.executemany("INSERT INTO floor_scores VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", data[i : i + 5000])
        floor = time.perf_counter() - floor_started
        cur.execute("DROP TABLE floor_scores")
    print(f"Thành phố ({args.schools} trường, {args.students} học sinh): {city:.1f} giây")
    print(
        f"Sổ điểm cả năm + tổng kết: {seconds:.1f} giây — {rows} dòng điểm, {results} kết quả tổng kết "
        f"({rows / seconds:,.0f} dòng điểm/giây; CPU của tiến trình {cpu:.1f} giây — máy bận thì thời gian "
        "thực dài hơn)"
    )
    print(f"Sàn (INSERT {rows} dòng bằng executemany): {floor:.1f} giây; gấp {seconds / floor:.1f} lần")


if __name__ == "__main__":
    main()

"""Benchmark: compose and render every học bạ of a 1,500-student school.

Prints documents per second (compose + render + archive, end to end) and, as the floor measured in
the same run, the time to render a fixed one-page Typst document; memory (peak RSS) is sampled
along the way to show it stays flat. Run: ``.venv/bin/python bench/bench_records.py [--students 1500]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=1500, help="students of the measured school")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data / 'bench.sqlite3'}")
    os.environ["HOCBA_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from hocba.demo.seed import seed_city
    from hocba.org.models import ClassGroup, School
    from hocba.records.services import compose_class

    t = time.perf_counter()
    seed_city(schools=2, students=2 * args.students, seed=11)
    print(f"seed (2 schools, scores, closed year): {time.perf_counter() - t:.1f} s")
    school = School.objects.order_by("pk").first()
    classes = list(ClassGroup.objects.filter(school=school).order_by("grade", "name"))

    import typst

    floor_src = data / "floor.typ"
    floor_src.write_text('#set page(paper: "a4")\n#set text(lang: "vi")\n= Học bạ\nHọ và tên: Nguyễn Văn An\n'
                         "#table(columns: 4, [Môn], [HK I], [HK II], [Cả năm], [Toán], [8,0], [8,5], [8,3])\n",
                         encoding="utf-8")
    compiler = typst.Compiler(str(floor_src))
    compiler.compile(format="pdf")
    n_floor = 200
    t = time.perf_counter()
    for _ in range(n_floor):
        compiler.compile(format="pdf")
    floor = (time.perf_counter() - t) / n_floor

    docs = 0
    samples = []
    cpu0 = time.process_time()
    t = time.perf_counter()
    for cg in classes:
        report = compose_class(class_group=cg)
        docs += report.created + report.updated + report.new_versions
        samples.append(rss_mib())
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu0
    per_doc = cpu / max(docs, 1)
    print(f"documents composed and rendered: {docs} in {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"  {docs / wall:.1f} documents/s wall; {1 / per_doc:.1f} documents/s per core (CPU time)")
    print(f"floor: one-page Typst document {floor * 1000:.2f} ms; ratio per document {per_doc / floor:.1f}x")
    print(f"memory (RSS MiB) first/middle/last class: {samples[0]:.0f} / {samples[len(samples) // 2]:.0f} / "
          f"{samples[-1]:.0f}; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()

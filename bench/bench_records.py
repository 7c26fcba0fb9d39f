"""Benchmark: compose and render every học bạ of a 1,500-student school.

Prints documents per second (compose + render + signature fields + archive, end to end) in CPU
time of the process (the per-core figure) and wall time, the ratio to the floor — the same Typst
set-up rendering a fixed one-page document (a 13-row Vietnamese table, a new serial number each
time so nothing comes from typst's cache), measured in CPU time in this run — where the CPU goes
per document, and resident memory sampled along the way to show it stays flat.

    .venv/bin/python bench/bench_records.py [--students 1500] [--workers 2]

``--workers N`` composes the school's classes in N processes at once (what N web workers do when
N people press "Lập học bạ" on different classes) and prints the wall throughput. On SQLite the
workers take turns (one writer at a time, and a record is rendered inside its transaction), so
point ``DATABASE_URL`` at an empty PostgreSQL database for that figure; ``--flush`` empties it
first. Target (issue 5): at least 50 học bạ PDFs per second per core end to end.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_render import FLOOR_SOURCE  # the same one-page floor document as the renderer's bench


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_floor(workdir: Path, count: int = 200) -> float:
    """CPU seconds per compile of the fixed one-page document with a warm compiler (PDF/A-3b)."""
    import typst

    path = workdir / "floor.typ"
    path.write_text(FLOOR_SOURCE, encoding="utf-8")
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
    compiler = typst.Compiler(str(path), root=str(workdir), font_paths=fonts, ignore_system_fonts=True)
    compiler.compile(sys_inputs={"n": "warm"}, pdf_standards=["a-3b"])
    cpu = time.process_time()
    for i in range(count):
        compiler.compile(sys_inputs={"n": str(i)}, pdf_standards=["a-3b"])
    return (time.process_time() - cpu) / count


class Timings:
    """CPU time spent in the named steps, by wrapping the functions the records service calls."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            t = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.cpu[label] += time.process_time() - t

        setattr(owner, name, timed)


class _TimedCompiler:
    def __init__(self, compiler, timings: Timings) -> None:
        self._compiler, self._timings = compiler, timings

    def compile(self, *args, **kwargs):
        t = time.process_time()
        try:
            return self._compiler.compile(*args, **kwargs)
        finally:
            self._timings.cpu["typst compile"] += time.process_time() - t

    def __getattr__(self, name):
        return getattr(self._compiler, name)


def instrument() -> Timings:
    from hocba.records import archive, services
    from hocba.records.document import default_renderer
    from hocba.records.document import render as render_module

    timings = Timings()
    renderer = default_renderer()
    renderer._compilers = {k: _TimedCompiler(c, timings) for k, c in renderer._compilers.items()}
    timings.wrap(services, "compose_document", "compose (build the record dict)")
    timings.wrap(services, "render", "render (all of render_record)")
    timings.wrap(render_module, "qr_svg", "QR code (zxing-cpp SVG)")
    timings.wrap(render_module, "check_record", "JSON Schema check")
    timings.wrap(services, "with_signature_fields", "empty signature fields")
    timings.wrap(archive, "archive_put_many", "archive (sha256, files, rows)")
    return timings


def compose_classes(class_ids: list[int]) -> tuple[int, float, float, list[float]]:
    """Compose the given classes here; (documents, CPU seconds, wall seconds, RSS after each class)."""
    from hocba.org.models import ClassGroup
    from hocba.records.services import compose_class

    docs = 0
    samples = []
    cpu, wall = time.process_time(), time.perf_counter()
    for cg in ClassGroup.objects.filter(pk__in=class_ids).order_by("grade", "name"):
        report = compose_class(class_group=cg)
        docs += report.created + report.updated + report.new_versions
        samples.append(rss_mib())
    return docs, time.process_time() - cpu, time.perf_counter() - wall, samples


def _worker(class_ids: list[int], queue) -> None:
    import django

    django.setup()  # a spawned process: Django from scratch, with the parent's environment
    from hocba.records.document import default_renderer

    default_renderer()  # warm in this process, outside the measured part
    queue.put(compose_classes(class_ids))


def run_workers(class_ids: list[int], workers: int) -> None:
    import multiprocessing

    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("spawn")  # not fork: typst has run here (the seed composes a class)
    queue = ctx.Queue()
    shares = [class_ids[i::workers] for i in range(workers)]
    wall = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(share, queue)) for share in shares]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - wall
    docs = sum(r[0] for r in results)
    cpu = sum(r[1] for r in results)
    print(f"{workers} worker processes: {docs} documents in {wall:.1f} s wall ({docs / wall:.1f} documents/s wall), "
          f"{cpu:.1f} s CPU in the workers ({docs / cpu:.1f} documents/s per core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1500, help="students of the measured school")
    parser.add_argument("--workers", type=int, default=1, help="compose in this many processes at once")
    parser.add_argument("--flush", action="store_true", help="empty the database first (PostgreSQL runs)")
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
    if args.flush:
        call_command("flush", interactive=False, verbosity=0)
    from hocba.demo.seed import seed_city
    from hocba.org.models import ClassGroup, School
    from hocba.records.document import default_renderer

    t = time.perf_counter()
    seed_city(schools=2, students=2 * args.students, seed=11)
    print(f"seed (2 schools, scores, closed year): {time.perf_counter() - t:.1f} s")
    school = School.objects.order_by("pk").first()
    class_ids = list(ClassGroup.objects.filter(school=school).order_by("grade", "name").values_list("pk", flat=True))

    if args.workers > 1:
        run_workers(class_ids, args.workers)
        print(f"floor: one-page Typst document {measure_floor(data) * 1000:.2f} ms CPU")
        return

    default_renderer()  # fonts loaded and templates parsed before the clock starts
    floor = measure_floor(data)

    timings = instrument()
    docs, cpu, wall, samples = compose_classes(class_ids)
    per_doc = cpu / max(docs, 1)
    print(f"documents composed and rendered: {docs} in {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"  {docs / wall:.1f} documents/s wall; {1 / per_doc:.1f} documents/s per core (CPU time); "
          f"{per_doc * 1000:.1f} ms CPU per document (target: 50/s = 20 ms)")
    print(f"floor: one-page Typst document {floor * 1000:.2f} ms CPU; ratio per document {per_doc / floor:.1f}x")
    print("CPU per document by step (nested steps are indented):")
    rendered = timings.cpu["render (all of render_record)"]
    nested = {"typst compile", "QR code (zxing-cpp SVG)", "JSON Schema check"}
    for label, seconds in sorted(timings.cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {'  ' if label in nested else ''}{label:<34} {seconds / docs * 1000:6.2f} ms")
    outside = cpu - sum(v for k, v in timings.cpu.items() if k not in nested)
    print(f"  {'other (ORM queries, audit, Python)':<34} {outside / docs * 1000:6.2f} ms")
    print(f"  {'  render minus the above':<36} "
          f"{(rendered - sum(timings.cpu[k] for k in nested)) / docs * 1000:6.2f} ms")
    print(f"memory (RSS MiB) first/middle/last class: {samples[0]:.0f} / {samples[len(samples) // 2]:.0f} / "
          f"{samples[-1]:.0f}; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()

"""Benchmark: render a school's year records (1,500 different students) to học bạ PDFs.

Prints documents per second (wall and per CPU core), the ratio to the floor — the same Typst
set-up rendering a fixed one-page document (a 13-row Vietnamese table) measured in this run — and
resident memory sampled along the run, to show whether it stays flat.

    .venv/bin/python bench/bench_render.py [--records 1500] [--floor 300] [--long 0]

Each record is validated (JSON Schema), serialised canonically, given its QR code and rendered
(PDF/A-3b, fonts embedded, record.json attached), and its signature boxes are located: the whole of
``render_record``. Building the sample dicts is not timed (the records service reads them from the
database). ``--long N`` renders N more records afterwards to watch memory over a longer run.
Target (issue 5): at least 50 PDFs per second per core.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import typst

from hocba.records.document import Renderer, sample_record

FLOOR_SOURCE = """#set page(paper: "a4")
#set text(font: "Libertinus Serif", size: 11pt, lang: "vi")
#let n = sys.inputs.at("n", default: "0")
= Học bạ — bản thử số #n
#table(columns: (1fr, auto, auto, auto), [*Môn học*], [*Học kì I*], [*Học kì II*], [*Cả năm*],
  ..("Ngữ văn", "Toán", "Ngoại ngữ 1 (Tiếng Anh)", "Giáo dục công dân", "Lịch sử và Địa lí",
     "Khoa học tự nhiên", "Công nghệ", "Tin học", "Giáo dục thể chất", "Nghệ thuật (Âm nhạc)",
     "Nghệ thuật (Mĩ thuật)", "Hoạt động trải nghiệm, hướng nghiệp", "Nội dung giáo dục của địa phương")
     .map(s => (s, "8,5", "9,0", "8,8")).flatten())
"""


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_floor(count: int) -> tuple[float, float]:
    """Seconds (wall, CPU) per compile of the fixed one-page document, warm compiler."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.typ"
        path.write_text(FLOOR_SOURCE, encoding="utf-8")
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
        compiler = typst.Compiler(str(path), root=tmp, font_paths=fonts, ignore_system_fonts=True)
        compiler.compile(sys_inputs={"n": "warm"})
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            # a serial number per compile so typst really lays the page out again (no cache hit)
            compiler.compile(sys_inputs={"n": str(i)}, pdf_standards=["a-3b"])
        return (time.perf_counter() - wall) / count, (time.process_time() - cpu) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1500)
    parser.add_argument("--floor", type=int, default=300)
    parser.add_argument("--long", type=int, default=0, help="extra records afterwards, to watch memory")
    args = parser.parse_args()

    records = [
        sample_record("THCS" if i % 3 else "THPT", seed=i, version=2 if i % 10 == 0 else 1)
        for i in range(args.records)
    ]
    renderer = Renderer()
    renderer.render(records[0])  # warm: fonts loaded, templates parsed
    floor_wall, floor_cpu = measure_floor(args.floor)

    gc.collect()
    samples = [(0, rss_mib())]
    pages = 0
    size = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i, record in enumerate(records, 1):
        rendered = renderer.render(record)
        pages += rendered.page_count
        size += len(rendered.pdf)
        if i % 100 == 0:
            samples.append((i, rss_mib()))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(records)

    long_samples = []
    if args.long:
        for i in range(args.long):
            renderer.render(sample_record("THCS" if i % 3 else "THPT", seed=args.records + i))
            if (i + 1) % 500 == 0:
                long_samples.append((n + i + 1, rss_mib()))

    per_doc_wall, per_doc_cpu = wall / n, cpu / n
    result = {
        "records": n,
        "pages": pages,
        "mean_pdf_kib": round(size / n / 1024, 1),
        "docs_per_s_wall": round(n / wall, 1),
        "docs_per_s_per_core_cpu": round(n / cpu, 1),
        "ms_per_doc_wall": round(per_doc_wall * 1000, 2),
        "ms_per_doc_cpu": round(per_doc_cpu * 1000, 2),
        "floor_ms_one_page_wall": round(floor_wall * 1000, 2),
        "floor_ms_one_page_cpu": round(floor_cpu * 1000, 2),
        "ratio_doc_to_floor_wall": round(per_doc_wall / floor_wall, 2),
        "ratio_doc_to_floor_cpu": round(per_doc_cpu / floor_cpu, 2),
        "target_docs_per_s_per_core": 50,
        "rss_mib_samples": [(k, round(v, 1)) for k, v in samples + long_samples],
        "rss_growth_mib_after_first_300": round(samples[-1][1] - samples[min(3, len(samples) - 1)][1], 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))
    print(
        f"{n} học bạ PDFs: {result['docs_per_s_wall']} docs/s wall, "
        f"{result['docs_per_s_per_core_cpu']} docs/s per core (CPU), {result['ms_per_doc_cpu']} ms CPU/doc = "
        f"{result['ratio_doc_to_floor_cpu']}× the one-page floor ({result['floor_ms_one_page_cpu']} ms); "
        f"RSS {samples[0][1]:.0f} → {samples[-1][1]:.0f} MiB, peak {result['peak_rss_mib']} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

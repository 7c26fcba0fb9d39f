"""Benchmark: the principal's batch — N học bạ PDFs signed at PAdES B-T against a local TSA.

    .venv/bin/python bench/bench_signing.py [--n 1500] [--concurrency 32] [--key ec|rsa]

Prints records/s for the batch on ONE core — process CPU time (the machine is shared, so the
wall clock is noisy; it is printed too). The signing process is pinned to CPU 0; the
time-stamping authority runs in a separate process, as a real TSA would, pinned to another CPU
when there is one, so its work is not counted as ours. Measured in the same run as floors:

* the raw private-key operation (``cryptography`` signing a SHA-256 digest), per second;
* producing the unsigned PDF (Typst rendering of the test học bạ + preparing the empty signature
  fields), per second. The batch itself signs a PRE-MADE PDF (rendered once), so its figure is
  the signing cost alone; the render floor says what a render-and-sign pipeline would add.

Target (issue 6): ≥ 30 records/s per core at B-T with a file-based key; 1,500 in under a minute.
Time-stamp round trips are overlapped (``sign_many`` keeps ``--concurrency`` documents in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed  # noqa: E402

from hocba.signing.core import pades  # noqa: E402
from hocba.signing.core.backends import Pkcs12Backend  # noqa: E402
from hocba.signing.core.pki import DemoPKI  # noqa: E402
from hocba.signing.core.services import running_trust_services  # noqa: E402
from hocba.signing.core.validate import validate_pdf  # noqa: E402

DOC = r"""
#set page(paper: "a4", margin: 2cm)
#set text(font: "Libertinus Serif", size: 10pt, lang: "vi")
= HỌC BẠ TRUNG HỌC CƠ SỞ — Năm học 2025-2026
Họ và tên: #sys.inputs.at("name", default: "Nguyễn Văn An") — Lớp 6A1 — Trường THCS Lê Lợi
#table(columns: (1fr, auto, auto, auto), [Môn học/Hoạt động giáo dục], [Học kì I], [Học kì II], [Cả năm],
  ..(("Ngữ văn", "7,8", "8,2", "8,1"), ("Toán", "6,5", "7,0", "6,8"), ("Tiếng Anh", "8,0", "8,4", "8,3"),
     ("Khoa học tự nhiên", "7,1", "7,5", "7,4"), ("Lịch sử và Địa lí", "8,3", "8,0", "8,1"),
     ("Giáo dục công dân", "Đ", "Đ", "Đ"), ("Công nghệ", "7,9", "8,1", "8,0"),
     ("Tin học", "9,0", "8,8", "8,9"),
     ("Giáo dục thể chất", "Đ", "Đ", "Đ"), ("Nghệ thuật", "Đ", "Đ", "Đ"),
     ("Hoạt động trải nghiệm, hướng nghiệp", "Đ", "Đ", "Đ"),
     ("Nội dung giáo dục của địa phương", "Đ", "Đ", "Đ"),
     ("Ngoại ngữ 2", "8,0", "8,2", "8,1")).flatten())
Nhận xét của giáo viên chủ nhiệm: Em chăm ngoan, tiến bộ rõ rệt.
#place(bottom + left, box(width: 226pt, height: 85pt, stroke: 0.5pt)[Giáo viên chủ nhiệm])
#place(bottom + right, box(width: 226pt, height: 85pt, stroke: 0.5pt)[Hiệu trưởng])
"""
BOX_HOMEROOM = pades.SignatureBox("gvcn", 0, 60, 60, 280, 140)
BOX_PRINCIPAL = pades.SignatureBox("hieutruong", 0, 315, 60, 535, 140)


def _serve(pki_dir: str, ready, stop) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    pki = DemoPKI.load_or_create(pki_dir)
    with running_trust_services(pki):
        ready.set()
        stop.wait()


def _key_floor(key, seconds: float = 1.0) -> float:
    digest = hashlib.sha256(b"x").digest()
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            assert isinstance(key, rsa.RSAPrivateKey)
            key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        n += 1
    return n / (time.process_time() - start)


def _render_floor(src: Path, count: int = 30) -> tuple[float, bytes]:
    import typst

    compiler = typst.Compiler(str(src))
    pdf = b""
    start = time.process_time()
    for i in range(count):
        raw = compiler.compile(format="pdf", sys_inputs={"name": f"Học sinh {i}"})
        pdf = pades.prepare_signature_fields(bytes(raw), [BOX_HOMEROOM, BOX_PRINCIPAL])
    return count / (time.process_time() - start), pdf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--key", choices=["ec", "rsa"], default="ec")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    pki = DemoPKI.load_or_create(work / "pki", key_type=args.key, with_refusal_cases=False)
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    tsa = ctx.Process(target=_serve, args=(str(work / "pki"), ready, stop), daemon=True)
    tsa.start()
    if not ready.wait(60):
        raise SystemExit("TSA did not start")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    try:
        src = work / "hocba.typ"
        src.write_text(DOC, encoding="utf-8")
        render_per_s, premade = _render_floor(src)
        person = pki.person("hieutruong")
        backend = Pkcs12Backend(person.p12_path, person.passphrase)
        key_per_s = _key_floor(person.private_key())
        options = pades.SigningOptions(timestamp_url=pki.timestamp_url, trust_roots=(pki.root,))
        # warm-up (font/stamp cache, imports, TSA connection) — not counted
        warm = [pades.SignJob(i, premade, BOX_PRINCIPAL, pades.ROLE_PRINCIPAL) for i in range(5)]
        asyncio.run(pades.sign_many(warm, backend=backend, options=options, concurrency=args.concurrency))

        jobs = [pades.SignJob(i, premade, BOX_PRINCIPAL, pades.ROLE_PRINCIPAL) for i in range(args.n)]
        cpu0, start = time.process_time(), time.perf_counter()
        results = asyncio.run(pades.sign_many(jobs, backend=backend, options=options, concurrency=args.concurrency))
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu0
        failed = [r for r in results if not r.ok]
        sample = validate_pdf(results[len(results) // 2].pdf or b"", [pki.root])
        per_s = args.n / wall
        per_cpu = args.n / cpu
        print(
            f"hocba signing benchmark — {args.n} records, PAdES B-T, {args.key.upper()} key from a .p12, "
            f"concurrency {args.concurrency}, signing process pinned to 1 core, TSA in its own process "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        print(
            f"  per core (CPU time): {per_cpu:8.1f} records/s   ({cpu / args.n * 1000:.1f} ms CPU per record, "
            f"{len(failed)} failed)"
        )
        print(f"  wall clock:          {per_s:8.1f} records/s   ({wall:.1f} s; 1,500 records ≈ {1500 / per_s:.0f} s)")
        print("  floors measured in this run:")
        print(
            f"    raw key operation: {key_per_s:8.0f} signatures/s per core (cryptography, SHA-256 digest) "
            f"→ a record costs {key_per_s / per_cpu:.0f} key operations"
        )
        print(
            f"    rendering alone:   {render_per_s:8.1f} PDFs/s per core (Typst + empty signature fields; the "
            f"batch signs a pre-made PDF) → render + sign ≈ {1 / (1 / per_cpu + 1 / render_per_s):.1f} records/s"
        )
        print(
            f"  target ≥ 30 records/s per core: {'MET' if per_cpu >= 30 else 'NOT MET'} (ratio {per_cpu / 30:.2f}); "
            f"1,500 in under a minute on this run's wall clock: {'yes' if 1500 / per_s < 60 else 'no'}"
        )
        if failed:
            print(f"  first failure: {failed[0].error}")
        print(f"  sample validates: {sample.all_valid} (timestamp {sample.signatures[-1].timestamp_valid})")
        print(
            json.dumps(
                {
                    "records_per_cpu_s": round(per_cpu, 2),
                    "records_per_s_wall": round(per_s, 2),
                    "key_ops_per_s": round(key_per_s),
                    "render_per_s": round(render_per_s, 2),
                    "failed": len(failed),
                    "n": args.n,
                    "key": args.key,
                    "load_avg_1m": os.getloadavg()[0],
                }
            )
        )
    finally:
        stop.set()
        tsa.join(10)


if __name__ == "__main__":
    main()

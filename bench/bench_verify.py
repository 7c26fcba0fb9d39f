"""Load benchmark of verification by code and by uploaded PDF, against the production server.

Starts gunicorn (``hocba.wsgi``) on loopback over a fresh SQLite database holding one signed
record (``hocba render-sample --signed``), then a load generator on loopback — ``wrk`` when
installed, else a small threaded keep-alive client — for a bounded number of requests:

* the floor: a static file served by the same server (WhiteNoise), same run;
* ``GET /api/verify/<code>`` and ``GET /xac-thuc/<code>`` (verifications per second, p50/p99);
* ``POST /api/verify/pdf`` with the signed PDF (validations per second).

Targets (issue 7): ≥ 500 verifications/s on a 2-core machine, p99 < 100 ms, zero errors; uploads ≥ 20/s.
The rate is measured at saturation (wrk sends as fast as the server answers); the p99 at the target rate
(``--rate 500``: wrk sends 500 requests/s through ``bench/wrk_paced.lua``), since at saturation any
latency is queueing by construction.
Usage: ``.venv/bin/python bench/bench_verify.py [--requests 5000] [--connections 16] [--workers 2]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def threaded_load(port: int, method: str, path: str, total: int, connections: int,
                  body: bytes = b"", headers: dict | None = None, bodies=None) -> dict:
    """Keep-alive clients in threads; returns rate, p50, p99 (ms) and error count.

    ``bodies`` (optional): a function giving the (body, headers) of each request instead of ``body``.
    """
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per = [total // connections + (1 if i < total % connections else 0) for i in range(connections)]

    def run(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        for _ in range(n):
            t0 = time.perf_counter()
            try:
                sent, sent_headers = bodies() if bodies is not None else (body, headers)
                conn.request(method, path, body=sent or None, headers=sent_headers or {})
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 500 or resp.status == 429:
                    bad += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except Exception:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(n,)) for n in per]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "rate": len(latencies) / elapsed,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "errors": errors[0], "tool": "threads"}


def wrk_load(port: int, path: str, total: int, connections: int, seconds: int, expect_404: bool = False,
             rate: int | None = None) -> dict:
    """wrk for a bounded time (≈ total requests at the expected rate); ``rate``: send at that many
    requests per second (bench/wrk_paced.lua) instead of as fast as the server answers."""
    paced = ["-s", str(ROOT / "bench" / "wrk_paced.lua")] if rate else []
    env = {**os.environ, "HOCBA_WRK_INTERVAL_MS": f"{2 * 1000 / rate:.3f}"} if rate else None  # 2 wrk threads
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *paced,
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True,
                         env=env).stdout

    def ms(text: str) -> float:
        value = float(text.rstrip("usm"))
        return value / 1000 if text.endswith("us") else (value * 1000 if text.endswith("s") and not
                                                         text.endswith("ms") else value)

    lines = out.splitlines()
    rate = float(next(x for x in lines if x.startswith("Requests/sec")).split()[1])
    p50 = ms(next(x for x in lines if x.strip().startswith("50%")).split()[1])
    p99 = ms(next(x for x in lines if x.strip().startswith("99%")).split()[1])
    reqs = int(next(x for x in lines if "requests in" in x).split()[0])
    non2xx = sum(int(x.split()[-1]) for x in lines if "Non-2xx" in x)
    socket_errors = sum(int(part.split()[-1]) for x in lines if "Socket errors" in x
                        for part in x.split(":", 1)[1].split(","))
    return {"requests": reqs, "rate": rate, "p50_ms": p50, "p99_ms": p99,
            "errors": (0 if expect_404 else non2xx) + socket_errors,
            "tool": "wrk"}


BENCH_DB = "hocba_bench_verify"


def _server_url(url: str) -> tuple[str, str]:
    base, _, _ = url.rpartition("/")
    return f"{base}/postgres", f"{base}/{BENCH_DB}"


def create_database(url: str) -> str:
    import psycopg

    admin, bench = _server_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return bench


def drop_database(url: str) -> None:
    import psycopg

    admin, _ = _server_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def multipart(pdf: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hocba.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--uploads", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--rate", type=int, default=500,
                        help="also send verifications at this fixed rate (wrk) and report the latency there")
    parser.add_argument("--database", metavar="POSTGRES_URL",
                        help="serve from PostgreSQL (a fresh database hocba_bench_verify on that server) "
                             "instead of a fresh SQLite file")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    env = {**os.environ, "HOCBA_DATA_DIR": str(data), "HOCBA_VERIFY_RATE": "100000000/60",
           "HOCBA_VERIFY_UPLOAD_RATE": "100000000/60", "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    if args.database:
        env["DATABASE_URL"] = create_database(args.database)
    print(f"Seeding a demo database with one signed record in {data} …", flush=True)
    t0 = time.time()
    seeded = subprocess.run([PY, "-m", "hocba", "render-sample", "--signed", "--out", str(data / "signed.pdf")],
                            env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    code = json.loads(seeded.stdout.strip().splitlines()[-1])["verification_code"]
    pdf = (data / "signed.pdf").read_bytes()
    print(f"  seeded in {time.time() - t0:.0f} s; code {code}; PDF {len(pdf)} bytes", flush=True)
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up (one "Not Found" line per 404) and
    # then blocks the server's workers.
    server_log = (data / "server.log").open("wb")
    server = subprocess.Popen([PY, "-m", "gunicorn", "hocba.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--threads", str(args.threads),
                               "--log-level", "warning"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=server_log)
    use_wrk = shutil.which("wrk") and not args.no_wrk
    try:
        wait_up(port)
        # warm every worker (imports, first validation → cached per signed-PDF hash)
        threaded_load(port, "GET", f"/api/verify/{code}", 40, 8)
        body, headers = multipart(pdf)
        threaded_load(port, "POST", "/api/verify/pdf", 8, 4, body, headers)

        def load(path: str, expect_404: bool = False) -> dict:
            if use_wrk:
                return wrk_load(port, path, args.requests, args.connections, seconds=max(3, args.requests // 800),
                                expect_404=expect_404)
            return threaded_load(port, "GET", path, args.requests, args.connections)

        results = {
            "static floor (/static/hocba/app.css)": load("/static/hocba/app.css"),
            "API GET /api/verify/{code}": load(f"/api/verify/{code}"),
            "page GET /xac-thuc/{code}": load(f"/xac-thuc/{code}"),
            "API GET unknown code (404 expected)": load("/api/verify/ZZZZZZZZZZZZZZZZ", expect_404=True),
        }
        if use_wrk and args.rate:
            results[f"API GET /api/verify/{{code}} at {args.rate}/s"] = wrk_load(
                port, f"/api/verify/{code}", args.requests, args.connections,
                seconds=max(5, args.requests // args.rate), rate=args.rate)
        uploads = threaded_load(port, "POST", "/api/verify/pdf", args.uploads, 4, body, headers)
        results["API POST /api/verify/pdf (archived PDF)"] = uploads
        # Each upload a different file (the signed PDF with a unique comment appended after it): every one is
        # validated afresh (signatures, chain, timestamp, revocation) and answered as "re-saved after signing".
        fresh = threaded_load(port, "POST", "/api/verify/pdf", max(40, args.uploads // 5), 4,
                              bodies=lambda: multipart(pdf + f"\n% {uuid.uuid4().hex}\n".encode()))
        results["API POST /api/verify/pdf (new file, validated)"] = fresh
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)  # gunicorn's graceful timeout is 30 s
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()
        log = (data / "server.log").read_text(errors="replace")
        if "Traceback" in log or "CRITICAL" in log or "ERROR" in log:
            print("Server errors (server.log):\n" + log[-3000:], flush=True)
        shutil.rmtree(data, ignore_errors=True)
        if args.database:
            drop_database(args.database)
    conn_age = env.get("HOCBA_DB_CONN_MAX_AGE", "60")
    floor = results["static floor (/static/hocba/app.css)"]["rate"]
    print(f"\nserver: gunicorn {args.workers} workers × {args.threads} threads, "
          f"{'PostgreSQL' if args.database else 'SQLite'} (CONN_MAX_AGE {conn_age}); "
          f"client: {'wrk' if use_wrk else 'threads'}, {args.connections} connections; cores: {os.cpu_count()}")
    print(f"{'route':44} {'req':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'÷ floor':>7}")
    for name, r in results.items():
        print(f"{name:44} {r['requests']:6d} {r['rate']:8.0f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
              f"{r['errors']:6d} {r['rate'] / floor:7.2f}")
    api = results["API GET /api/verify/{code}"]
    paced = results.get(f"API GET /api/verify/{{code}} at {args.rate}/s", api)
    print(f"\nTarget verifications ≥ 500/s: {api['rate']:.0f}/s at saturation "
          f"({'đạt' if api['rate'] >= 500 else 'CHƯA ĐẠT'}); p99 < 100 ms at {paced['rate']:.0f}/s: "
          f"{paced['p99_ms']:.1f} ms ({'đạt' if paced['p99_ms'] < 100 and paced['rate'] >= 490 else 'CHƯA ĐẠT'}); "
          f"errors: {api['errors'] + paced['errors']}; uploads ≥ 20/s: {uploads['rate']:.0f}/s "
          f"({'đạt' if uploads['rate'] >= 20 else 'CHƯA ĐẠT'}); uploads validated afresh: {fresh['rate']:.0f}/s "
          f"({'đạt' if fresh['rate'] >= 20 else 'CHƯA ĐẠT'})")

if __name__ == "__main__":
    main()

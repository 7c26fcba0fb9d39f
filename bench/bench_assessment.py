"""Benchmark of the assessment engine (Circular 22) at city scale: 100,000 student-years.

Prints, measured in the same run:

(a) the engine alone on pre-parsed input (``tt22.evaluate`` on validated tenths) — target
    ≥ 50,000 student-years/s on one core; also the engine with the Vietnamese explanations
    rendered, and the public ``assess()`` path (Decimal dataclasses in and out);
(b) the JSON floor: ``json.loads`` + ``json.dumps`` of the same input;
(c) ``hocba assess`` end to end through a subprocess (parse, validate, assess, explain, write) —
    target ≤ 3 × the floor.

All figures are CPU time of one process (``time.process_time``; for the subprocess, its
user + system time), so a busy shared machine does not distort them; the CLI's wall time is
printed too.

Run: ``.venv/bin/python bench/bench_assessment.py [--students N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hocba.assessment import (  # noqa: E402
    CommentSubject,
    ConductInput,
    Level,
    ScoredSubject,
    ScoredTerm,
    StudentInput,
    assess,
    tt22,
)
from hocba.assessment.explain import explain  # noqa: E402
from hocba.assessment.parse import prepare_json  # noqa: E402

SCORED = [
    ("Toán", 140),
    ("Ngữ văn", 140),
    ("Ngoại ngữ 1", 105),
    ("Khoa học tự nhiên", 140),
    ("Lịch sử và Địa lí", 105),
    ("Giáo dục công dân", 35),
    ("Công nghệ", 52),
    ("Tin học", 35),
    ("Ngoại ngữ 2", 105),
    ("Tiếng dân tộc", 70),
]
COMMENT = [
    ("Giáo dục thể chất", 70),
    ("Nghệ thuật (Âm nhạc)", 35),
    ("Nghệ thuật (Mĩ thuật)", 35),
    ("Hoạt động trải nghiệm, hướng nghiệp", 105),
    ("Nội dung giáo dục của địa phương", 35),
]
LEVELS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]


def _score(rng: random.Random, ability: float) -> float:
    value = min(10.0, max(0.0, rng.gauss(ability, 1.2)))
    tenths = round(value * 10)
    if rng.random() < 0.5:
        tenths -= tenths % 5  # teachers like halves
    return tenths / 10  # a JSON number with one decimal


def student(rng: random.Random) -> dict:
    """One plausible student-year: 12–14 subjects, mostly scored, occasional re-test/summer data."""
    ability = rng.uniform(4.0, 9.5)
    n_subjects = rng.randint(12, 14)
    n_comment = rng.randint(4, 5)
    subjects: list[dict] = []
    for name, periods in SCORED[: n_subjects - n_comment]:
        n = tt22.tx_count(periods)
        subject = {"name": name, "mode": "score", "periods_per_year": periods}
        for term in ("hk1", "hk2"):
            subject[term] = {
                "tx": [_score(rng, ability) for _ in range(n)],
                "gk": _score(rng, ability),
                "ck": _score(rng, ability),
            }
        if rng.random() < 0.05:
            subject["retest"] = _score(rng, ability + 1)
        subjects.append(subject)
    for name, periods in COMMENT[:n_comment]:
        subject = {"name": name, "mode": "comment", "periods_per_year": periods}
        if rng.random() < 0.03:
            subject["exempt"] = True
        else:
            for term in ("hk1", "hk2"):
                if rng.random() < 0.3:
                    n = tt22.tx_count(periods)
                    subject[term] = {
                        "tx": ["Đ" if rng.random() < 0.97 else "CĐ" for _ in range(n)],
                        "gk": "Đ",
                        "ck": "Đ" if rng.random() < 0.98 else "CĐ",
                    }
                else:
                    subject[term] = "Đ" if rng.random() < 0.97 else "CĐ"
        subjects.append(subject)
    conduct = {"hk1": rng.choices(LEVELS, [60, 30, 9, 1])[0], "hk2": rng.choices(LEVELS, [65, 27, 7, 1])[0]}
    if rng.random() < 0.02:
        conduct["summer"] = rng.choice(["Đạt", "Chưa đạt"])
    return {
        "grade": rng.randint(6, 9),
        "subjects": subjects,
        "conduct": conduct,
        "absences": rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20, 50]),
    }


def to_input(obj: dict) -> StudentInput:
    """The same student as public dataclasses (Decimals), for the ``assess()`` figure."""
    subjects = []
    for s in obj["subjects"]:
        if s["mode"] == "score":
            terms = [
                ScoredTerm(
                    tuple(Decimal(str(v)) for v in s[k]["tx"]),
                    Decimal(str(s[k]["gk"])),
                    Decimal(str(s[k]["ck"])),
                )
                for k in ("hk1", "hk2")
            ]
            retest = Decimal(str(s["retest"])) if "retest" in s else None
            subjects.append(ScoredSubject(s["name"], s["periods_per_year"], *terms, retest=retest))
        elif s.get("exempt"):
            subjects.append(CommentSubject(s["name"], s["periods_per_year"], None, None, exempt=True))
        else:
            from hocba.assessment.types import Comment, CommentTerm

            def term(v):
                if isinstance(v, str):
                    return Comment(v)
                return CommentTerm(tuple(Comment(x) for x in v["tx"]), Comment(v["gk"]), Comment(v["ck"]))

            subjects.append(CommentSubject(s["name"], s["periods_per_year"], term(s["hk1"]), term(s["hk2"])))
    c = obj["conduct"]
    conduct = ConductInput(
        Level.parse(c["hk1"]), Level.parse(c["hk2"]), Level.parse(c["summer"]) if "summer" in c else None
    )
    return StudentInput(tuple(subjects), conduct, obj["absences"], obj["grade"])


def timed(fn):
    """CPU seconds of this process spent in ``fn()`` (the machine may be shared: CPU time is the
    one-core figure; wall time would count other processes' turns) and its result."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    n = args.students
    rng = random.Random(args.seed)
    data = [student(rng) for _ in range(n)]
    text = json.dumps(data, ensure_ascii=False)
    print(
        f"{n:,} student-years, {sum(len(s['subjects']) for s in data) / n:.1f} subjects each, "
        f"{len(text.encode()) / 1e6:.1f} MB of JSON"
    )

    prepared = [prepare_json(s) for s in data]
    evaluate = tt22.evaluate
    t_engine, evaluations = timed(lambda: [evaluate(p) for p in prepared])
    t_explain, _ = timed(lambda: [explain(ev) for ev in evaluations])
    t_prepare, _ = timed(lambda: [prepare_json(s) for s in data])
    inputs = [to_input(s) for s in data[: n // 10]]
    t_assess, _ = timed(lambda: [assess(s) for s in inputs])

    t_loads, loaded = timed(lambda: json.loads(text))
    t_dumps, _ = timed(lambda: json.dumps(loaded, ensure_ascii=False))
    floor = t_loads + t_dumps

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-c", "import sys; from hocba.assessment.cli import main; sys.exit(main([]))"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=text.encode(), capture_output=True, env=env, check=False)
    wall_cli = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    t_cli = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        print(proc.stderr.decode(), file=sys.stderr)
        return 1
    out = json.loads(proc.stdout)
    assert len(out) == n

    def rate(seconds: float, count: int = n) -> str:
        return f"{count / seconds:>10,.0f} student-years/s  ({seconds * 1e6 / count:6.1f} µs each)"

    print(f"(a) engine alone, pre-parsed          {rate(t_engine)}   target ≥ 50,000/s")
    print(f"    + Vietnamese explanations          {rate(t_engine + t_explain)}")
    print(f"    validation/parsing of JSON objects {rate(t_prepare)}")
    print(f"    assess() on Decimal dataclasses    {rate(t_assess, len(inputs))}")
    print(f"(b) JSON floor (loads + dumps)        {rate(floor)}   = {floor:.2f} s")
    print(f"(c) hocba assess, subprocess          {rate(t_cli)}   = {t_cli:.2f} s CPU, {wall_cli:.2f} s wall")
    print(f"ratio engine speed / 50,000 target: {n / t_engine / 50_000:.2f}×")
    print(f"ratio CLI / JSON floor: {t_cli / floor:.2f}×   (target ≤ 3×)")
    outcomes: dict[str, int] = {}
    for r in out:
        key = r.get("outcome", "error")
        outcomes[key] = outcomes.get(key, 0) + 1
    print("outcomes:", ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

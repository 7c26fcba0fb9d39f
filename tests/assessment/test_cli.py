"""``hocba assess`` end to end, through a subprocess, as other systems call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .builders import scored, student

SRC = Path(__file__).resolve().parents[2] / "src"
CONTRACT_EXAMPLE = {
    "grade": 8,
    "subjects": [
        {
            "name": "Toán",
            "mode": "score",
            "periods_per_year": 140,
            "hk1": {"tx": [7, 8.5, 9, 6], "gk": 7.5, "ck": 8},
            "hk2": {"tx": [8, 8, 7.5, 9], "gk": 8, "ck": 8.5},
            "retest": 6.0,
        },
        {"name": "Giáo dục thể chất", "mode": "comment", "periods_per_year": 70, "hk1": "Đ", "hk2": "Đ"},
        {"name": "Âm nhạc", "mode": "comment", "periods_per_year": 35, "exempt": True},
    ],
    "conduct": {"hk1": "Tốt", "hk2": "Khá", "summer": "Đạt"},
    "absences": 12,
}


def run(stdin: bytes | str) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    code = "import sys; from hocba.__main__ import main; sys.exit(main(['assess']))"
    return subprocess.run(
        [sys.executable, "-c", code],
        input=data,
        capture_output=True,
        check=False,
        timeout=60,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )


def test_contract_example_end_to_end():
    proc = run(json.dumps([CONTRACT_EXAMPLE], ensure_ascii=False))
    assert proc.returncode == 0, proc.stderr.decode()
    [result] = json.loads(proc.stdout)
    assert result["subjects"] == {
        "Toán": {"hk1": 7.7, "hk2": 8.2, "cn": 8.0},
        "Giáo dục thể chất": {"hk1": "Đ", "hk2": "Đ", "cn": "Đ"},
    }
    assert result["conduct"] == {"hk1": "Tốt", "hk2": "Khá", "cn": "Khá"}
    assert result["outcome"] == "promoted"
    assert result["award"] is None
    assert set(result) == {"subjects", "learning", "conduct", "outcome", "award", "explanation"}
    assert all(isinstance(line, str) and line for line in result["explanation"])
    # numbers are JSON numbers written with a decimal point: 8.0, not 8 or "8,0"
    assert b'"cn": 8.0' in proc.stdout


def test_same_order_and_errors_in_place_exit_1():
    students = [
        student([9] * 8),
        {"subjects": [scored("Toán", 11)], "conduct": {"hk1": "Tốt", "hk2": "Tốt"}},
        student([5] * 8, conduct=("Đạt", "Đạt")),
    ]
    proc = run(json.dumps(students))
    assert proc.returncode == 1
    results = json.loads(proc.stdout)
    assert [r.get("learning", {}).get("cn") for r in results] == ["Tốt", None, "Đạt"]
    assert results[1] == {"error": "Môn Toán, HK I, ĐĐGtx lần 1: điểm 11 nằm ngoài thang điểm 0–10"}


def test_not_an_array_exits_2_with_vietnamese_message():
    proc = run('{"grade": 8}')
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "mảng JSON" in proc.stderr.decode()


def test_not_json_exits_2():
    proc = run("[{")
    assert proc.returncode == 2
    assert "không phải JSON hợp lệ" in proc.stderr.decode()


def test_empty_array_gives_empty_array():
    proc = run("[]")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_output_is_utf8_vietnamese():
    proc = run(json.dumps([student([9] * 8)]))
    text = proc.stdout.decode("utf-8")
    assert "Kết quả học tập cả năm: Tốt" in text


def test_help():
    from hocba.assessment.cli import main

    assert main(["--help"]) == 0
    assert main(["--bogus"]) == 2


def run_in_process(monkeypatch, stdin: bytes) -> tuple[int, bytes, str]:
    """The same filter called in-process (as ``hocba.__main__`` does), for coverage and speed."""
    import io

    from hocba.assessment.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = main([])
    out.flush()
    return code, out.buffer.getvalue(), err.getvalue()


def test_in_process_matches_contract(monkeypatch):
    code, out, _ = run_in_process(monkeypatch, json.dumps([CONTRACT_EXAMPLE, [1]]).encode())
    assert code == 1
    first, second = json.loads(out)
    assert first["subjects"]["Toán"] == {"hk1": 7.7, "hk2": 8.2, "cn": 8.0}
    assert second == {"error": "Dữ liệu học sinh phải là một đối tượng JSON"}
    code, out, err = run_in_process(monkeypatch, b"\xff\xfe")
    assert code == 2 and "không phải JSON hợp lệ" in err
    code, out, err = run_in_process(monkeypatch, b'"x"')
    assert code == 2 and "mảng JSON" in err


def test_engine_starts_without_django():
    """``hocba assess`` is a fast filter: importing the engine must not import Django."""
    code = (
        "import sys, hocba.assessment, hocba.assessment.cli; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        check=False,
        timeout=60,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr.decode()

"""Cross-check with an independent validator: pyHanko's command line (``pyhanko sign validate``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _pyhanko_cli() -> str:
    exe = Path(sys.executable).with_name("pyhanko")
    if exe.exists():
        return str(exe)
    found = shutil.which("pyhanko")
    if not found:
        pytest.skip("pyhanko-cli not installed (.venv/bin/pip install pyhanko-cli)")
    return found


def test_pyhanko_cli_reports_the_signatures_valid_intact_and_trusted(pki, trust, signed_chain, tmp_path) -> None:
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(signed_chain[-1])
    proc = subprocess.run(
        [
            _pyhanko_cli(),
            "sign",
            "validate",
            "--trust",
            str(pki.root_pem_path),
            "--trust-replace",
            "--pretty-print",
            str(signed),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    # one report block per signature, in pyHanko's own words
    assert out.count("The signature is judged VALID.") == 3, out
    assert out.count("The signature is cryptographically sound.") == 3
    assert out.count("The signer's certificate is trusted.") == 3
    assert out.count("The TSA certificate is trusted.") == 3
    assert "INVALID" not in out


def test_pyhanko_cli_rejects_a_tampered_copy(pki, trust, signed_chain, tmp_path) -> None:
    pdf = bytearray(signed_chain[-1])
    pos = pdf.index(b"/Title<FEFF") + len(b"/Title<FEFF") + 3
    pdf[pos] = ord("5") if pdf[pos] != ord("5") else ord("6")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(pdf))
    proc = subprocess.run(
        [
            _pyhanko_cli(),
            "sign",
            "validate",
            "--trust",
            str(pki.root_pem_path),
            "--trust-replace",
            "--executive-summary",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.count(":INVALID") == 3 or proc.returncode != 0, proc.stdout + proc.stderr

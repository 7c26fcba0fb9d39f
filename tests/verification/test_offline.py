"""Offline proof: a signed học bạ validates with the standard pyHanko CLI given only the trust roots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hocba.signing.models import TrustRoot


def _pyhanko() -> str:
    return str(Path(sys.executable).with_name("pyhanko"))


def _validate(pdf: Path, roots: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_pyhanko(), "sign", "validate", "--trust", str(roots), "--trust-replace",
                           "--no-revocation-check", "--pretty-print", str(pdf)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_pyhanko_cli_validates_the_signed_record_with_exported_roots(signed_pdf, tmp_path):
    roots = tmp_path / "roots.pem"
    roots.write_text("".join(r.pem for r in TrustRoot.objects.all()))
    pdf = tmp_path / "hocba.pdf"
    pdf.write_bytes(signed_pdf)
    good = _validate(pdf, roots)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "INTACT:TRUSTED" in good.stdout or "trusted" in good.stdout.lower()
    # and the same tool refuses an altered copy
    pos = len(signed_pdf) // 4
    bad = tmp_path / "altered.pdf"
    bad.write_bytes(signed_pdf[:pos] + bytes([signed_pdf[pos] ^ 1]) + signed_pdf[pos + 1:])
    assert _validate(bad, roots).returncode != 0

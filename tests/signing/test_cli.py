"""Command line: `hocba pki export-roots`, `hocba validate` (tampering fails), `hocba render-sample --signed`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from cryptography import x509
from django.core.management import call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from hocba.records import archive
from hocba.signing import pki
from hocba.signing.models import SignRole
from hocba.signing.workflow import confirm_as_assigned_teachers, version_sign
from tests.signing.djangofix import SECRET, archive_dir, composed, current_versions, homeroom_class, users  # noqa: F401  (fixtures)

HOCBA = str(Path(sys.executable).parent / "hocba")


def _validate(path: Path) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("validate", str(path), stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_export_roots_writes_the_accepted_roots(city, tmp_path):
    path = tmp_path / "roots" / "trust.pem"
    call_command("pki", "export-roots", str(path), stderr=StringIO())
    roots = x509.load_pem_x509_certificates(path.read_bytes())
    assert roots == pki.trust_roots() and roots[0] == pki.demo_pki().root


def _signed_pdf(class_group) -> bytes:
    gvcn, ht = users("gvcn", "hieutruong")
    version = current_versions(class_group)[0]
    confirm_as_assigned_teachers(version=version, source="test")
    version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    version_sign(version=version, role=SignRole.PRINCIPAL, by=ht, secret=SECRET)
    version.refresh_from_db()
    return archive.archive_get(version.signed_pdf_sha256)


@pytest.mark.django_db
def test_validate_accepts_a_signed_record_and_rejects_tampering(composed, tmp_path):
    pdf = _signed_pdf(composed)
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    code, out = _validate(good)
    assert code == 0 and out.startswith("HỢP LỆ"), out
    assert "Giáo viên chủ nhiệm" in out and "Hiệu trưởng" in out and "tin cậy: có" in out

    # One byte changed inside the signed range (the first page's content).
    flipped = bytearray(pdf)
    at = pdf.index(b"stream", len(pdf) // 4) + 20
    flipped[at] ^= 0x01
    bad = tmp_path / "byte.pdf"
    bad.write_bytes(bytes(flipped))
    code, out = _validate(bad)
    assert code != 0 and out.startswith("KHÔNG HỢP LỆ")
    assert "nguyên vẹn: không" in out

    # A later incremental update that draws over the first page.
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"q 1 0 0 rg 50 50 200 40 re f Q"))
    contents = page["/Contents"]
    page["/Contents"] = generic.ArrayObject(
        [*(contents if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]), extra])
    writer.update_container(page)
    out_buf = BytesIO()
    writer.write(out_buf)
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(out_buf.getvalue())
    code, out = _validate(altered)
    assert code != 0 and out.startswith("KHÔNG HỢP LỆ")
    assert "sửa đổi sau khi ký" in out

    # A PDF without any signature.
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(archive.archive_get(current_versions(composed)[1].pdf_sha256))
    code, out = _validate(unsigned)
    assert code != 0 and "Không có chữ ký số" in out


def test_render_sample_signed_prints_one_json_line(tmp_path):
    """The whole chain on a fresh machine: seed the demo, compose, confirm, sign ×3, validate."""
    out_pdf = tmp_path / "sample.pdf"
    env = {**os.environ, "HOCBA_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([HOCBA, "render-sample", "--signed", "--out", str(out_pdf)], capture_output=True,
                          text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    data = json.loads(lines[0])
    assert data["pdf"] == str(out_pdf) and len(data["verification_code"]) >= 8
    check = subprocess.run([HOCBA, "validate", str(out_pdf)], capture_output=True, text=True, env=env, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("HỢP LỆ") and check.stdout.count("tin cậy: có") == 3

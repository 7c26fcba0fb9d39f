"""An Excel file as an attacker would craft it: a few hundred kilobytes that unpack to gigabytes (a "zip bomb"),
an upload far over the limit, a sheet that claims to be 16,384 columns wide. Each is refused, or read only as
far as the limits, before openpyxl holds it in memory: one teacher's upload must not take the server down."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hocba.core.errors import DomainError
from hocba.gradebook import excel
from hocba.gradebook.models import SubjectTermScore
from tests.gradebook.gb_world import clock, world  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db

SHARED_STRINGS = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def _rewritten(data: bytes, *, extra: dict[str, bytes] | None = None, sheet=None) -> bytes:
    """The exported file with parts added (``extra``) and the first sheet's XML changed by ``sheet``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "[Content_Types].xml" and extra:
                part = part.replace(b"</Types>", SHARED_STRINGS.encode() + b"</Types>")
            if item.filename == "xl/worksheets/sheet1.xml" and sheet:
                part = sheet(part)
            target.writestr(item, part)
        for name, part in (extra or {}).items():
            target.writestr(name, part)
    return out.getvalue()


def _bomb(data: bytes, megabytes: int) -> bytes:
    text = b"A" * (megabytes * 1024 * 1024)
    return _rewritten(data, extra={"xl/sharedStrings.xml": b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="'
                                   b'http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                                   b'uniqueCount="1"><si><t>' + text + b"</t></si></sst>"})


def _sheet_url(w, name: str) -> str:
    return reverse(name, kwargs={"class_id": w.cls.pk, "subject_id": w.toan.pk, "term": 1})


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    client = Client()
    client.force_login(world.gvbm)
    exported = client.get(_sheet_url(world, "gradebook:sheet_export")).content
    bomb = _bomb(exported, 64)
    assert len(bomb) < 200 * 1024  # a small upload, far under the 10 MB limit
    response = client.post(_sheet_url(world, "gradebook:sheet_import"),
                           {"file": SimpleUploadedFile("so-diem.xlsx", bomb)})
    assert response.status_code == 422
    assert "quá lớn khi giải nén" in response.content.decode()
    assert not SubjectTermScore.objects.exists()


class _Endless(io.RawIOBase):
    """An upload of ``size`` bytes that counts how much of it was read."""

    def __init__(self, size: int):
        self.size, self.taken = size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.taken if n is None or n < 0 else min(n, self.size - self.taken)
        self.taken += n
        return b"PK" + b"\0" * (n - 2) if n >= 2 else b"\0" * n


def test_an_upload_over_the_limit_is_not_read_whole():
    upload = _Endless(3 * excel.MAX_BYTES)
    with pytest.raises(DomainError, match="Tệp quá lớn"):
        excel.sheet_identify(fileobj=upload)
    assert upload.taken <= excel.MAX_BYTES + 1


def test_a_sheet_claiming_every_column_is_read_only_as_wide_as_the_limit(world):
    exported = excel.sheet_export(class_group=world.cls, subject=world.toan, term=1)

    def widen(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD2000"/>', xml)
        rows = b"".join(b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r)
                        for r in range(100, 2000))
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    wb = excel._open(_rewritten(exported, sheet=widen), data_only=True)
    try:
        _, rows = excel._main_sheet(wb)
    finally:
        wb.close()
    assert max(len(row) for row in rows) <= 200  # not the 16,384 columns the sheet claims

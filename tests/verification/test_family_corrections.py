"""The family page says what a corrected version changed (the PDF's corrections page, on the page itself)."""

from __future__ import annotations

import re

from hocba.records.document.codes import format_verification_code
from hocba.records.models import RecordVersion
from hocba.verification import family
from tests.verification.helpers import correct_and_recompose


def _text(response) -> str:
    """The page as the reader sees it: tags dropped, spaces collapsed."""
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_a_parent_sees_what_the_second_version_corrected(signed, student, homeroom_class, staff, login):
    second = correct_and_recompose(class_group=homeroom_class, student=student, staff=staff)
    assert second.number == 2
    text = _text(login("phuhuynh").get("/gia-dinh/"))
    assert "Đã sửa chữa — phiên bản 2" in text
    assert "Phiên bản 2 thay thế phiên bản 1" in text
    # Toán term II and year, as tests/records/test_compose.py computes them
    assert "Toán — Học kì II : 8,0 → 8,7" in text and "Toán — Cả năm : 8,0 → 8,5" in text
    date = second.corrections[0]["date"]
    assert f"Ngày sửa {date}" in text and "Lý do: Sửa điểm nhập nhầm sau hạn" in text
    assert f"Người sửa: {staff['gvbm'].teacher.full_name}" in text  # the downloaded PDF prints it too
    # the student's own account sees the same block
    assert "Phiên bản 2 thay thế phiên bản 1" in _text(login("hocsinh").get("/gia-dinh/"))


def test_a_first_version_has_no_correction_block(signed, login):
    assert signed.number == 1
    text = _text(login("phuhuynh").get("/gia-dinh/"))
    assert format_verification_code(signed.verification_code) in text  # as the PDF prints it
    assert "Đã sửa chữa" not in text and "thay thế phiên bản" not in text
    assert family.version_corrections(version=signed) is None


def test_corrections_are_shaped_for_reading():
    version = RecordVersion(number=3, corrections=[
        {"field": "Học kì I", "subject": "Ngữ văn", "old": "", "new": "7,5", "by": "Trần Thị B",
         "reason": "Bổ sung điểm", "date": "02/06/2026"},
        {"field": "Rèn luyện cả năm", "subject": "", "old": "Khá", "new": "Tốt", "by": "Lê Văn C",
         "reason": "Hội đồng xét lại", "date": "03/06/2026"},
    ])
    fix = family.version_corrections(version=version)
    assert (fix.number, fix.replaces) == (3, 2)
    assert [(c.what, c.old, c.new, c.date, c.by, c.reason) for c in fix.lines] == [
        ("Ngữ văn — Học kì I", "trống", "7,5", "02/06/2026", "Trần Thị B", "Bổ sung điểm"),
        ("Rèn luyện cả năm", "Khá", "Tốt", "03/06/2026", "Lê Văn C", "Hội đồng xét lại"),
    ]

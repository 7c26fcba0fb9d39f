"""Every ``hocba`` command speaks Vietnamese to the person at the terminal: a refusal is one line
"Lỗi: …" (Django's own line is "CommandError: …"), Django's options are explained in Vietnamese, wrong
arguments are refused in Vietnamese, and a database never migrated gets a line saying to migrate, not a
traceback from the command's first query."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError

from hocba.__main__ import main
from tests.gradebook.test_cli import keep_connection  # noqa: F401 — fixture

HOCBA = str(Path(sys.executable).with_name("hocba"))


@pytest.mark.django_db
def test_a_refused_command_is_one_vietnamese_line(tmp_path, capsys, keep_connection):
    out = str(tmp_path / "kho.zip")
    assert main(["archive-export", "--school", "KHONGCO", "--year", "2025-2026", "--out", out]) == 1
    assert capsys.readouterr().err.strip() == "Lỗi: Không có trường mã 'KHONGCO'."
    # A developer still gets the traceback when asking for it.
    with pytest.raises(CommandError):
        main(["archive-export", "--school", "KHONGCO", "--year", "2025-2026", "--out", out, "--traceback"])


def test_wrong_arguments_and_help_are_vietnamese_for_every_command(capsys):
    assert main(["family-accounts", "--class", "lop6a", "--as", "quantri"]) == 2
    err = capsys.readouterr().err
    assert "Cách dùng: hocba family-accounts" in err and "--class không nhận giá trị 'lop6a'" in err
    assert "usage:" not in err and "invalid" not in err
    assert main(["archive-export", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Cách dùng: hocba archive-export" in out and "archive_export" not in out
    for words in ("in hướng dẫn này rồi thoát", "mức chi tiết của thông báo", "tệp .zip sẽ ghi",
                  "khi lệnh bị từ chối, in toàn bộ vết lỗi"):
        assert words in out
    for english in ("Verbosity level", "show this help", "stack trace", "options:"):
        assert english not in out


def _on_a_new_database(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'moi.sqlite3'}", "HOCBA_DATA_DIR": str(tmp_path)}
    return subprocess.run([HOCBA, *args], capture_output=True, text=True, timeout=120, check=False, env=env)


@pytest.mark.parametrize("args", [
    ["gradebook", "classes"],
    ["archive-verify"],
    ["pki", "export-roots", "-"],
])
def test_a_database_never_migrated_is_said_not_a_traceback(tmp_path, args):
    done = _on_a_new_database(tmp_path, *args)
    assert done.returncode == 1
    assert done.stderr.strip() == ("Lỗi: Cơ sở dữ liệu chưa được tạo hoặc chưa cập nhật cấu trúc; "
                                   "hãy chạy trước: hocba manage migrate")


def test_checking_a_pdf_against_given_roots_needs_no_database(tmp_path):
    roots = tmp_path / "goc.pem"
    roots.write_text("")
    done = _on_a_new_database(tmp_path, "validate", str(tmp_path / "khong-co.pdf"), "--roots", str(roots))
    assert done.returncode == 1 and done.stderr.strip() == f"Lỗi: Không tìm thấy tệp {tmp_path / 'khong-co.pdf'}."

"""``hocba gradebook …`` from the command line: classes, export, import, close."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from hocba.__main__ import main
from hocba.core.models import AuditEntry
from hocba.gradebook.models import ClosingRun, ScoreChange, StudentResult, SubjectTermScore
from hocba.gradebook.selectors import sheet_get
from hocba.org.models import ClassGroup, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment
from tests.gradebook.gb_world import clock, fill_class, teacher_user, world  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db
HEAD = 7


@pytest.fixture
def keep_connection(monkeypatch):
    """``hocba.__main__.main`` runs the command as the shell does, and Django then closes every database
    connection; inside a test that would close the test's own transaction (on PostgreSQL)."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args) -> str:
    out = io.StringIO()
    call_command("gradebook", *args, stdout=out)
    return out.getvalue()


def fill_cell(path: Path, header: str, value, row: int = HEAD + 1) -> None:
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    col = next(c.column_letter for c in ws[HEAD] if c.value == header)
    ws[f"{col}{row}"] = value
    wb.save(path)


def test_classes_json_lists_the_years_classes_with_ids_and_subject_codes(world):
    rows = json.loads(run("classes", "--json"))
    assert len(rows) == ClassGroup.objects.filter(school_year=world.cls.school_year).count()
    mine = next(r for r in rows if r["id"] == world.cls.pk)
    assert mine["name"] == world.cls.name and mine["grade"] == world.cls.grade
    assert mine["school_id"] == world.cls.school_id and mine["school"] == world.cls.school.name
    codes = {s["code"] for s in mine["subjects"]}
    assert codes == set(
        TeachingAssignment.objects.filter(class_group=world.cls).values_list("subject__code", flat=True)
    )
    assert next(s for s in mine["subjects"] if s["code"] == "TOAN")["teacher_username"] == "gvbm"


def test_export_then_import_as_the_subject_teacher_prints_what_changed(world, tmp_path):
    path = tmp_path / "toan.xlsx"
    out = run("export", "--class", str(world.cls.pk), "--subject", "TOAN", "--term", "1", "--out", str(path))
    assert "Toán" in out and path.exists()
    fill_cell(path, "GK", "8,5")
    out = run("import", str(path))
    assert "gvbm" in out and "1 ô thay đổi" in out
    assert f"Dòng {HEAD + 1}" in out and "GK: (trống) → 8,5" in out
    change = ScoreChange.objects.get()
    assert (change.new, change.source, change.by) == ("8.5", "import", world.gvbm)
    assert AuditEntry.objects.filter(action="gradebook:sheet:export", source="cli").exists()


def test_refused_import_exits_non_zero_with_every_bad_cell(world, tmp_path, capsys, keep_connection):
    path = tmp_path / "toan.xlsx"
    run("export", "--class", str(world.cls.pk), "--subject", "TOAN", "--term", "1", "--out", str(path))
    fill_cell(path, "TX1", "11", HEAD + 1)
    fill_cell(path, "CK", "8,55", HEAD + 2)
    capsys.readouterr()
    status = main(["gradebook", "import", str(path)])
    err = capsys.readouterr().err
    assert status != 0
    first, second = sheet_get(class_group=world.cls, subject=world.toan, term=1).rows[:2]
    assert f"Dòng {HEAD + 1} (STT 1, {first.full_name}), cột E (TX1): Điểm 11 nằm ngoài thang 0–10." in err
    assert f"Dòng {HEAD + 2} (STT 2, {second.full_name}), cột" in err and "(CK)" in err
    assert "một chữ số thập phân" in err
    assert not SubjectTermScore.objects.exists()


def test_import_as_another_user_goes_through_the_same_permission_check(world, tmp_path, keep_connection):
    path = tmp_path / "toan.xlsx"
    run("export", "--class", str(world.cls.pk), "--subject", "TOAN", "--term", "2", "--out", str(path))
    fill_cell(path, "GK", "7")
    with pytest.raises(CommandError) as exc:
        run("import", str(path), "--as", "gvcn")
    assert "Chỉ giáo viên dạy môn Toán" in str(exc.value)
    assert main(["gradebook", "import", str(path), "--as", "gvcn"]) != 0
    assert not SubjectTermScore.objects.exists()


def test_import_of_a_teacher_without_a_login_asks_for_as(world, tmp_path):
    ta = (
        TeachingAssignment.objects.select_related("teacher", "subject")
        .filter(class_group=world.cls, teacher__user__isnull=True, subject__mode="score")
        .first()
    )
    code = ta.subject.code
    path = tmp_path / "sheet.xlsx"
    run("export", "--class", str(world.cls.pk), "--subject", code, "--term", "1", "--out", str(path))
    with pytest.raises(CommandError) as exc:
        run("import", str(path))
    assert "--as" in str(exc.value) and ta.teacher.full_name in str(exc.value)
    teacher_user(world.cls, code, "gv_new")
    fill_cell(path, "CK", "6")
    assert "1 ô thay đổi" in run("import", str(path), "--as", "gv_new")


def test_export_summary_and_unknown_class_or_subject(world, tmp_path):
    path = tmp_path / "tonghop.xlsx"
    run("export-summary", "--class", str(world.cls.pk), "--term", "1", "--out", str(path))
    ws = load_workbook(path).worksheets[0]
    assert "Kết quả học tập" in [c.value for c in ws[HEAD]]
    with pytest.raises(CommandError, match="Không có lớp"):
        run("export", "--class", "999999", "--subject", "TOAN", "--term", "1", "--out", str(path))
    with pytest.raises(CommandError, match="không học môn"):
        run("export", "--class", str(world.cls.pk), "--subject", "XYZ", "--term", "1", "--out", str(path))


def test_close_a_school_as_the_system_account_computes_every_students_results(world):
    for cg in ClassGroup.objects.filter(school=world.cls.school):
        fill_class(cg)
    out = run("close", "--school", str(world.cls.school_id), "--period", "year")
    school_students = Enrolment.objects.filter(
        class_group__school=world.cls.school, status__in=ACTIVE_STATUSES, school_year=world.cls.school_year
    ).count()
    assert f"{school_students}/{school_students} học sinh (100%)" in out
    assert StudentResult.objects.filter(period="year", class_group__school=world.cls.school).count() == school_students
    filled = StudentResult.objects.filter(period="year", class_group=world.cls)
    assert filled.count() == len(world.students) and not filled.exclude(error="").exists()
    system = get_user_model().objects.get(username="hocba-system")
    assert not system.has_usable_password()
    run_row = ClosingRun.objects.get()
    assert run_row.started_by == system and run_row.status == "done"
    assert AuditEntry.objects.filter(action="core:system_user:grant").count() == 1
    assert AuditEntry.objects.filter(action="gradebook:closing:start", actor=system).exists()


def test_close_the_city_and_refuse_a_user_without_the_right(world, keep_connection):
    for cg in ClassGroup.objects.exclude(pk=world.cls.pk):
        fill_class(cg, terms=(1,))
    with pytest.raises(CommandError, match="không có quyền"):
        run("close", "--all", "--period", "hk1", "--as", "gvbm")
    assert not StudentResult.objects.exists()
    with pytest.raises(CommandError) as exc:  # the class with no scores cannot be closed: said, and non-zero
        run("close", "--all", "--period", "hk1", "--as", "so")
    assert f"{len(world.students)} học sinh chưa tổng kết được" in str(exc.value)
    everyone = Enrolment.objects.filter(status__in=ACTIVE_STATUSES, school_year=world.cls.school_year).count()
    assert StudentResult.objects.filter(period="hk1").count() == everyone
    assert StudentResult.objects.filter(period="hk1").exclude(error="").count() == len(world.students)
    fill_class(world.cls, terms=(1,))
    assert "0 lỗi" in run("close", "--all", "--period", "hk1", "--as", "so")
    assert not StudentResult.objects.filter(period="hk1").exclude(error="").exists()
    assert main(["gradebook", "close", "--school", str(world.cls.school_id), "--all", "--period", "hk1"]) != 0


def test_the_hocba_command_lists_the_subcommands():
    done = subprocess.run(
        [str(Path(sys.executable).with_name("hocba")), "gradebook", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for sub in ("classes", "export", "export-summary", "import", "close"):
        assert sub in done.stdout

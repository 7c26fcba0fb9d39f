"""``hocba gradebook …`` when things go wrong: every refusal a Vietnamese line and a non-zero exit, never a
traceback or an English argparse message; an interrupted or dead closing never blocks the next one."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hocba.__main__ import main
from hocba.core.text import vn_number
from hocba.gradebook import tasks
from hocba.gradebook.models import CLOSING_STALE_AFTER, ClosingRun, StudentResult
from hocba.org.models import ClassGroup, SchoolYear, TeachingAssignment
from tests.gradebook.gb_world import clock, world  # noqa: F401 — fixtures
from tests.gradebook.test_cli import keep_connection, run  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db
BUSY = "Đang có một lượt tổng kết"


def run_anyway(*args) -> str:
    """What a command printed, refused or not (a closing of a school with empty classes ends refused)."""
    out = io.StringIO()
    with contextlib.suppress(CommandError):
        call_command("gradebook", *args, stdout=out)
    return out.getvalue()


def close_school(world) -> str:
    return run("close", "--school", str(world.cls.school_id), "--period", "hk1")


def stop_midway(exc: BaseException):
    """A ``close_classes`` that closes one batch, then meets ``exc`` (Ctrl-C, a bug, a lost database)."""

    def fake(*, class_ids, period, by, progress, **_):
        progress(1, 0)
        raise exc

    return fake


# --- 1. an interrupted or dead closing ------------------------------------------------------

def test_ctrl_c_during_close_marks_the_run_failed_and_the_next_close_runs(world, monkeypatch):
    monkeypatch.setattr(tasks, "close_classes", stop_midway(KeyboardInterrupt()))
    try:
        with pytest.raises(CommandError) as exc:
            close_school(world)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C went through the command and left its run behind")
    assert "Đã dừng tổng kết (Ctrl-C)" in str(exc.value) and exc.value.returncode != 0
    stopped = ClosingRun.objects.get()
    assert stopped.status == ClosingRun.Status.FAILED and stopped.finished_at is not None
    assert stopped.messages == [tasks.INTERRUPTED]
    monkeypatch.undo()
    out = run_anyway("close", "--school", str(world.cls.school_id), "--period", "hk1")
    assert "Xong:" in out and ClosingRun.objects.filter(status=ClosingRun.Status.DONE).count() == 1


def test_an_error_during_close_marks_the_run_failed_and_exits_non_zero(world, monkeypatch, capsys, keep_connection):
    with monkeypatch.context() as broken:  # only the closing: keep_connection's patch must stay (PostgreSQL)
        broken.setattr(tasks, "close_classes", stop_midway(RuntimeError("mất kết nối")))
        assert main(["gradebook", "close", "--school", str(world.cls.school_id), "--period", "hk1"]) != 0
    err = capsys.readouterr().err
    assert "Tổng kết bị lỗi hệ thống (mất kết nối)" in err and "Traceback" not in err
    failed = ClosingRun.objects.get()
    assert failed.status == ClosingRun.Status.FAILED and failed.messages == ["Lỗi hệ thống: mất kết nối"]
    close = ["gradebook", "close", "--school", str(world.cls.school_id), "--period", "hk1"]
    main(close)
    assert BUSY not in capsys.readouterr().err
    assert ClosingRun.objects.count() == 2 and StudentResult.objects.filter(period="hk1").exists()


def test_a_run_without_progress_for_15_minutes_no_longer_blocks_but_a_moving_one_does(world):
    def running(minutes_ago: int) -> ClosingRun:
        return ClosingRun.objects.create(
            school_year=world.cls.school_year, school=world.cls.school, period="hk1",
            status=ClosingRun.Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=1),
            progress_at=timezone.now() - dt.timedelta(minutes=minutes_ago))

    assert dt.timedelta(minutes=15) == CLOSING_STALE_AFTER
    dead = running(16)
    assert dead.is_stale and list(ClosingRun.objects.stale()) == [dead] and not ClosingRun.objects.blocking()
    assert "Đã ghi là lỗi 1 lượt tổng kết cũ" in run_anyway("close", "--school", str(world.cls.school_id),
                                                            "--period", "hk1")
    dead.refresh_from_db()
    assert dead.status == ClosingRun.Status.FAILED and "không tiến triển trong 15 phút" in dead.messages[0]
    moving = running(14)
    assert not moving.is_stale and list(ClosingRun.objects.blocking()) == [moving]
    with pytest.raises(CommandError, match=BUSY) as exc:
        close_school(world)
    assert "tiến triển lần cuối lúc" in str(exc.value)


def test_the_closing_pages_button_is_not_blocked_by_a_dead_run_either(world):
    from hocba.gradebook.services import closing_run_start
    from tests.gradebook.gb_world import user

    dead = ClosingRun.objects.create(school_year=world.cls.school_year, school=world.cls.school, period="hk1",
                                     status=ClosingRun.Status.RUNNING,
                                     created_at=timezone.now() - dt.timedelta(hours=1),
                                     progress_at=timezone.now() - dt.timedelta(minutes=16))
    run = closing_run_start(school=world.cls.school, period="hk1", by=user("hieutruong"), run_inline=True)
    assert run.status == ClosingRun.Status.DONE
    dead.refresh_from_db()
    assert dead.status == ClosingRun.Status.FAILED


def test_a_queued_run_expired_while_waiting_is_not_run_when_the_worker_picks_it_up(world):
    queued = ClosingRun.objects.create(school_year=world.cls.school_year, school=world.cls.school, period="hk1",
                                       created_at=timezone.now() - dt.timedelta(minutes=20))
    assert tasks.closing_runs_expire_stale(school_year=world.cls.school_year, school=world.cls.school,
                                           period="hk1") == 1
    assert tasks.run_closing_now(queued.pk).status == ClosingRun.Status.FAILED
    assert not StudentResult.objects.exists()


def test_a_live_run_expired_as_stale_stops_at_its_next_unit_and_stays_failed(world, clock, monkeypatch):
    from hocba.gradebook import closing, services
    from tests.gradebook.gb_world import user

    monkeypatch.setattr(closing, "BATCH_CLASSES", 1)  # one class per unit
    school = world.cls.school
    classes = ClassGroup.objects.filter(school_year=world.cls.school_year, school=school).count()
    assert classes >= 3
    seen = []

    def on_progress(done, failed, total):  # between two units: the run is taken for dead and replaced
        seen.append(done)
        if len(seen) == 1:
            clock.move_to(clock() + CLOSING_STALE_AFTER + dt.timedelta(minutes=1))
            assert tasks.closing_runs_expire_stale(school_year=world.cls.school_year, school=school,
                                                   period="hk1") == 1
            services.closing_run_start(school=school, period="hk1", by=user("bgh"))  # queued

    first = services.closing_run_start(school=school, period="hk1", by=world.hieutruong, run_inline=True,
                                       on_progress=on_progress)
    assert first.status == ClosingRun.Status.FAILED and "không tiến triển trong 15 phút" in first.messages[0]
    assert len(seen) == 1 and first.done == seen[0]  # stopped at its next unit, writing nothing more
    assert StudentResult.objects.filter(period="hk1").values("class_group").distinct().count() <= 2 < classes
    second = ClosingRun.objects.exclude(pk=first.pk).get()
    assert second.status == ClosingRun.Status.QUEUED  # the one run of the scope now


def test_the_command_says_a_closing_expired_while_it_ran_did_not_finish(world, monkeypatch):
    def expired_midway(*, class_ids, period, by, progress, **_):
        progress(1, 0)
        run = ClosingRun.objects.get(status=ClosingRun.Status.RUNNING)
        tasks.closing_run_fail(run_id=run.pk, reason=tasks.STALE.format(minutes=15))
        progress(2, 0)
        pytest.fail("the closing went on after its run was expired")

    monkeypatch.setattr(tasks, "close_classes", expired_midway)
    with pytest.raises(CommandError, match=r"Lượt tổng kết này đã dừng, không hoàn thành: .*không tiến triển"):
        close_school(world)
    assert ClosingRun.objects.get().status == ClosingRun.Status.FAILED


def test_the_busy_hint_names_the_latest_heartbeat_a_queued_runs_being_when_it_was_queued(world):
    now = timezone.now()
    scope = {"school_year": world.cls.school_year, "school": world.cls.school, "period": "hk1"}
    ClosingRun.objects.create(**scope, status=ClosingRun.Status.RUNNING, created_at=now - dt.timedelta(hours=1),
                              progress_at=now - dt.timedelta(minutes=10))
    ClosingRun.objects.create(**scope, created_at=now - dt.timedelta(minutes=2))  # queued: no progress_at
    with pytest.raises(CommandError, match=BUSY) as exc:
        close_school(world)
    assert "Lượt đó đang chờ chạy từ 08:58 ngày 10/03/2026; nếu đến 09:13" in str(exc.value)


# --- 2. tracebacks ---------------------------------------------------------------------------

def export_to(world, out: str) -> None:
    run("export", "--class", str(world.cls.pk), "--subject", "TOAN", "--term", "1", "--out", out)


def test_export_to_a_directory_nothing_or_an_unwritable_place_is_refused_in_vietnamese(world, tmp_path):
    with pytest.raises(CommandError, match="là một thư mục; --out cần một tên tệp"):
        export_to(world, str(tmp_path))
    with pytest.raises(CommandError, match="--out cần một tên tệp"):
        export_to(world, "")
    with pytest.raises(CommandError, match=r"Không ghi được tệp /proc/x\.xlsx: không có tệp hoặc thư mục đó"):
        export_to(world, "/proc/x.xlsx")


def test_no_current_school_year_is_said_for_classes_and_close(world):
    SchoolYear.objects.update(is_current=False)
    with pytest.raises(CommandError, match="Chưa có năm học hiện tại") as exc:
        run("classes")
    assert "/admin/org/schoolyear/" in str(exc.value)
    with pytest.raises(CommandError, match="Chưa có năm học hiện tại"):
        run("close", "--all", "--period", "year")
    assert not ClosingRun.objects.exists()


def test_seed_demo_on_a_database_never_migrated_says_to_migrate(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "HOCBA_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(Path(sys.executable).with_name("hocba")), "seed-demo"], capture_output=True,
                          text=True, timeout=120, check=False, env=env)
    assert done.returncode != 0
    assert "hãy chạy trước: hocba manage migrate" in done.stderr and "Traceback" not in done.stderr


# --- 3. --out - ------------------------------------------------------------------------------

def test_out_dash_writes_the_workbook_to_standard_output(world, tmp_path, capsysbinary):
    assert run("export", "--class", str(world.cls.pk), "--subject", "TOAN", "--term", "1", "--out", "-") == ""
    sheet = capsysbinary.readouterr()
    assert sheet.out.startswith(b"PK") and "Đã xuất sổ điểm Toán" in sheet.err.decode()
    assert not Path("-").exists()
    run("export-summary", "--class", str(world.cls.pk), "--term", "1", "--out", "-")
    assert capsysbinary.readouterr().out.startswith(b"PK")


# --- 4. a teacher without an account ---------------------------------------------------------

def test_import_for_a_teacher_without_an_account_says_how_to_make_one(world, tmp_path):
    ta = (TeachingAssignment.objects.select_related("teacher", "subject")
          .filter(class_group=world.cls, teacher__user__isnull=True, subject__mode="score").first())
    path = tmp_path / "sheet.xlsx"
    run("export", "--class", str(world.cls.pk), "--subject", ta.subject.code, "--term", "1", "--out", str(path))
    for extra in ([], ["--as", "gvcn"]):  # someone else is refused anyway: say what works instead
        with pytest.raises(CommandError) as exc:
            run("import", str(path), *extra)
        said = str(exc.value)
        assert ta.teacher.full_name in said and "chưa có tài khoản" in said
        assert "/admin/auth/user/add/" in said and f"/admin/people/teacher/{ta.teacher.pk}/change/" in said
        assert "--as TÊN_ĐĂNG_NHẬP của chính giáo viên đó" in said


# --- 5. --school by code ---------------------------------------------------------------------

def test_school_is_taken_by_its_code_or_its_id_and_an_unknown_one_is_refused(world):
    school = world.cls.school
    by_code = run("classes", "--school", school.code)
    assert by_code == run("classes", "--school", str(school.pk)) == run("classes", "--school", school.code.lower())
    assert f"{ClassGroup.objects.filter(school=school, school_year=world.cls.school_year).count()} lớp" in by_code
    with pytest.raises(CommandError, match="Không có trường có mã '999999'"):
        run("classes", "--school", "999999")
    assert "Xong:" in run_anyway("close", "--school", school.code, "--period", "hk1")
    assert ClosingRun.objects.get().school == school


# --- 6. Vietnamese argument errors -----------------------------------------------------------

@pytest.mark.parametrize(("args", "said"), [
    (["export", "--class", "1", "--subject", "TOAN", "--term", "3", "--out", "x.xlsx"],
     "--term: học kì là 1 hoặc 2, không phải '3'"),
    (["export", "--class", "abc", "--subject", "TOAN", "--term", "1", "--out", "x.xlsx"],
     "--class: mã số lớp là một số"),
    (["export-summary", "--class", "1", "--term", "1"], "thiếu tham số bắt buộc: --out"),
    (["close", "--all", "--period", "hk3"], "--period: kỳ tổng kết là hk1, hk2 hoặc year"),
    (["close", "--all", "--school", "1", "--period", "hk1"], "không dùng --school cùng với --all"),
    (["nope"], "không có lệnh 'nope'"),
])
def test_wrong_arguments_are_refused_in_vietnamese(args, said, capsys):
    with pytest.raises(CommandError, match=re.escape(said)):
        run(*args)
    assert main(["gradebook", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and "lỗi:" in err and "Cách dùng: hocba gradebook " in err
    assert "error:" not in err and "usage:" not in err and "invalid" not in err


def test_help_names_the_command_once_and_explains_each_option(capsys):
    assert main(["gradebook", "export", "--help"]) == 0
    out = capsys.readouterr().out
    assert "hocba gradebook export" in out and "gradebook gradebook" not in out
    for words in ("mã số lớp", "học kì: 1 hoặc 2", "đầu ra chuẩn", "mã môn"):
        assert words in out
    assert main(["gradebook", "close", "--help"]) == 0
    out = capsys.readouterr().out
    assert "mã trường (ví dụ HP0001" in out and "hk1 (học kì I)" in out


# --- 7. Vietnamese numbers -------------------------------------------------------------------

def test_numbers_are_written_the_vietnamese_way(world, tmp_path):
    assert (vn_number(1789.4), vn_number(0.11, 2), vn_number(1234567, 1)) == ("1.789", "0,11", "1.234.567,0")
    path = tmp_path / "toan.xlsx"
    export_to(world, str(path))
    assert re.search(r"\(\d+,\d\d giây\)", run("import", str(path)))
    out = run_anyway("close", "--school", world.cls.school.code, "--period", "hk1")
    assert re.search(r"học sinh \(\d+%\), \d+ lỗi, \d+,\d giây", out)
    assert re.search(r"Xong: [\d.]+ học sinh, [\d.]+ lỗi, \d+,\d giây \(\d{1,3}(\.\d{3})* học sinh/giây\)", out)
    assert not re.search(r"\d\.\d giây", out)

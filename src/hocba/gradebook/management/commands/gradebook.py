"""``hocba gradebook``: the gradebook from the command line, for bulk work.

    hocba gradebook classes [--school CODE|ID] [--json]
    hocba gradebook export --class ID --subject CODE --term 1|2 --out PATH|-
    hocba gradebook export-summary --class ID --term 1|2 --out PATH|-
    hocba gradebook import PATH [--as USERNAME]
    hocba gradebook close (--school CODE|ID | --all) --period hk1|hk2|year [--as USERNAME]

``--out -`` writes the workbook to standard output (binary), as Unix tools do. Refusals, wrong
arguments included, are Vietnamese lines and a non-zero exit status, never a traceback; numbers are
written the Vietnamese way (``1.789``, ``0,1``).

Reading and exporting are the server operator's (whoever can run this command can read the
database anyway); each export is still audited. Writes go through the same services, permission
checks, locks and history as the web pages:

* ``import`` acts as the subject teacher of the class × subject the sheet names (their login), or
  as ``--as USERNAME``, who must be allowed to edit that sheet like on the web.
* ``close`` has no signed-in person. It acts as ``--as USERNAME`` when given (a principal for their
  school, a Department officer for ``--all``); otherwise as the dedicated account ``hocba-system``:
  created once (audited), with no usable password (nobody can sign in with it), holding only the
  Department-officer role of the Department the closing is for, so the same ``may_run_closing``
  check applies and every closing is recorded in the audit log under that name.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from hocba.core import cli
from hocba.core.audit import audit_record
from hocba.core.context import audit_source
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.models import Role, RoleAssignment
from hocba.core.text import vn_number
from hocba.gradebook import excel, services, tasks
from hocba.gradebook.models import CLOSING_STALE_AFTER, ClosingRun
from hocba.org.models import ClassGroup, Department, School, Subject, TeachingAssignment
from hocba.org.selectors import current_school_year

SYSTEM_USERNAME = "hocba-system"
STDOUT = "-"
PERIODS = {"hk1": "học kì I", "hk2": "học kì II", "year": "cả năm"}


def system_actor(department):
    """The ``hocba-system`` account with the Department-officer role of ``department`` (created if needed)."""
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=SYSTEM_USERNAME,
            defaults={"first_name": "Hệ thống", "last_name": "hocba", "is_active": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        _, granted = RoleAssignment.objects.get_or_create(
            user=user, role=Role.DEPARTMENT_OFFICER, department=department
        )
        if created or granted:
            audit_record(
                actor=None,
                action="core:system_user:grant",
                object_type="user",
                object_id=user.pk,
                source="cli",
                after={
                    "username": SYSTEM_USERNAME,
                    "role": Role.DEPARTMENT_OFFICER,
                    "department": department.code,
                    "why": "tổng kết chạy từ dòng lệnh (hocba gradebook close)",
                },
            )
    return user


# --- arguments -------------------------------------------------------------------------------

def _class_id(value: str) -> int:
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"mã số lớp là một số (xem: hocba gradebook classes), không phải '{value}'")
    return int(value)


def _term(value: str) -> int:
    if value.strip() not in {"1", "2"}:
        raise argparse.ArgumentTypeError(f"học kì là 1 hoặc 2, không phải '{value}'")
    return int(value)


def _period(value: str) -> str:
    if value.strip().lower() not in PERIODS:
        raise argparse.ArgumentTypeError(f"kỳ tổng kết là hk1, hk2 hoặc year (cả năm), không phải '{value}'")
    return value.strip().lower()


# --- lookups ---------------------------------------------------------------------------------

def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Không có tài khoản '{username}'.")
    return user


def _class(class_id: int) -> ClassGroup:
    cg = ClassGroup.objects.select_related("school", "school_year").filter(pk=class_id).first()
    if cg is None:
        raise CommandError(f"Không có lớp có mã số {class_id} (xem: hocba gradebook classes).")
    return cg


def _school(value: str) -> School:
    """A school by its code (HP0001, as ``classes`` lists it) or its numeric id."""
    text = value.strip()
    school = School.objects.select_related("department").filter(code__iexact=text).first()
    if school is None and text.isdigit():
        school = School.objects.select_related("department").filter(pk=int(text)).first()
    if school is None:
        raise CommandError(f"Không có trường có mã '{value}' (mã trường như HP0001 hoặc mã số; "
                           "xem: hocba gradebook classes).")
    return school


def _year():
    year = current_school_year()
    if year is None:
        raise CommandError("Chưa có năm học hiện tại: hãy tạo năm học và đánh dấu “năm học hiện tại” ở trang "
                           f"quản trị ({_admin_url('admin:org_schoolyear_changelist')}).")
    return year


def _admin_url(name: str, *args) -> str:
    return settings.HOCBA_PUBLIC_URL + reverse(name, args=args)


# --- files -----------------------------------------------------------------------------------

_OS_REASONS = {
    errno.ENOENT: "không có tệp hoặc thư mục đó",
    errno.EACCES: "không có quyền",
    errno.EPERM: "không có quyền",
    errno.EISDIR: "đó là một thư mục",
    errno.ENOTDIR: "một phần của đường dẫn không phải là thư mục",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOSPC: "hết chỗ trống trên đĩa",
}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0, f"lỗi hệ thống {errno.errorcode.get(exc.errno or 0, exc.errno)}")


def _write(path: str, data: bytes) -> None:
    if not path.strip():
        raise CommandError("--out cần một tên tệp, ví dụ --out so-diem.xlsx (hoặc --out - để ghi ra đầu ra chuẩn).")
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"{path} là một thư mục; --out cần một tên tệp, ví dụ --out {target / 'so-diem.xlsx'}.")
    if not target.parent.exists():
        raise CommandError(f"Thư mục {target.parent} không tồn tại.")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"Không ghi được tệp {path}: {_os_reason(exc)}.") from exc


def _write_stdout(data: bytes) -> None:
    """``--out -``: the workbook on standard output, for a pipe or a redirection (never onto a terminal)."""
    if sys.stdout.isatty():
        raise CommandError("Không in tệp Excel ra màn hình; hãy chuyển hướng, ví dụ: … --out - > so-diem.xlsx")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


class Command(cli.Command):
    help = "Sổ điểm điện tử: danh sách lớp, xuất/nhập Excel, tổng kết học kì và cả năm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, parser_class=cli.VietnameseParser,
            metavar="{classes,export,export-summary,import,close}", title="lệnh",
        )
        class_help = "mã số lớp (cột đầu của: hocba gradebook classes)"
        term_help = "học kì: 1 hoặc 2"
        out_help = "tệp .xlsx sẽ ghi; - để ghi ra đầu ra chuẩn (ví dụ: --out - > so-diem.xlsx)"
        school_help = "mã trường (ví dụ HP0001, như hocba gradebook classes in ra) hoặc mã số trường"
        p = sub.add_parser("classes", help="các lớp của năm học hiện tại, với mã số lớp và mã môn")
        p.add_argument("--school", metavar="MÃ_TRƯỜNG", help="chỉ một trường: " + school_help)
        p.add_argument("--json", action="store_true", help="in JSON (cho máy đọc)")
        p = sub.add_parser("export", help="xuất sổ điểm một môn của một lớp ra .xlsx")
        p.add_argument("--class", dest="class_id", type=_class_id, required=True, metavar="ID", help=class_help)
        p.add_argument("--subject", required=True, metavar="MÃ_MÔN",
                       help="mã môn, ví dụ TOAN (xem: hocba gradebook classes)")
        p.add_argument("--term", type=_term, required=True, metavar="HK", help=term_help)
        p.add_argument("--out", required=True, metavar="TỆP", help=out_help)
        p = sub.add_parser("export-summary", help="xuất bảng tổng hợp kết quả học kì của một lớp ra .xlsx")
        p.add_argument("--class", dest="class_id", type=_class_id, required=True, metavar="ID", help=class_help)
        p.add_argument("--term", type=_term, required=True, metavar="HK", help=term_help)
        p.add_argument("--out", required=True, metavar="TỆP", help=out_help)
        p = sub.add_parser("import", help="nhập lại sổ điểm .xlsx (tệp tự ghi lớp, môn, học kì)")
        p.add_argument("path", metavar="TỆP", help="tệp .xlsx đã xuất bằng hocba gradebook export hoặc trên web")
        p.add_argument("--as", dest="as_user", metavar="TÊN_ĐĂNG_NHẬP",
                       help="nhập với tư cách tài khoản này (mặc định: GV dạy môn đó)")
        p = sub.add_parser("close", help="tổng kết học kì/cả năm cho một trường hoặc toàn thành phố")
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--school", metavar="MÃ_TRƯỜNG", help=school_help)
        scope.add_argument("--all", action="store_true", help="toàn thành phố")
        p.add_argument("--period", type=_period, required=True, metavar="KỲ",
                       help="kỳ tổng kết: hk1 (học kì I), hk2 (học kì II) hoặc year (cả năm)")
        p.add_argument("--as", dest="as_user", metavar="TÊN_ĐĂNG_NHẬP",
                       help="chạy với tư cách tài khoản này (mặc định: hocba-system)")

    def handle(self, *args, action: str, **options):
        try:
            with audit_source("cli"):
                getattr(self, "do_" + action.replace("-", "_"))(**options)
        except BrokenPipeError:
            # Whoever read the output stopped early (``… | head``): end quietly, as Unix tools do.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None

    # --- reads ---------------------------------------------------------------------------

    def do_classes(self, *, school=None, json: bool = False, **_):
        year = _year()
        classes = ClassGroup.objects.filter(school_year=year).select_related("school", "homeroom_teacher")
        if school is not None:
            classes = classes.filter(school=_school(school))
        classes = list(classes.order_by("school__code", "grade", "name"))
        subjects: dict[int, list[dict]] = {}
        for ta in (
            TeachingAssignment.objects.filter(class_group__in=classes)
            .select_related("subject", "teacher__user")
            .order_by("subject__display_order")
        ):
            subjects.setdefault(ta.class_group_id, []).append(
                {
                    "code": ta.subject.code,
                    "name": ta.subject.name,
                    "mode": ta.subject.mode,
                    "teacher": ta.teacher.full_name,
                    "teacher_username": ta.teacher.user.username if ta.teacher.user else None,
                }
            )
        rows = [
            {
                "id": c.pk,
                "school_id": c.school_id,
                "school_code": c.school.code,
                "school": c.school.name,
                "name": c.name,
                "grade": c.grade,
                "school_year": year.name,
                "homeroom_teacher": c.homeroom_teacher.full_name if c.homeroom_teacher else None,
                "subjects": subjects.get(c.pk, []),
            }
            for c in classes
        ]
        if json:
            self.stdout.write(_json_dumps(rows))
            return
        for r in rows:
            self.stdout.write(
                f"{r['id']:>6}  {r['school_code']}  {r['name']:<6} khối {r['grade']:<2}  "
                + " ".join(s["code"] for s in r["subjects"])
            )
        self.stdout.write(f"{vn_number(len(rows))} lớp, năm học {year.name}.")

    def do_export(self, *, class_id, subject, term, out, **_):
        cg = _class(class_id)
        subj = Subject.objects.filter(code=subject.upper()).first()
        if subj is None or not TeachingAssignment.objects.filter(class_group=cg, subject=subj).exists():
            raise CommandError(f"Lớp {cg.name} không học môn có mã '{subject}'.")
        where = self._emit(out, excel.sheet_export(class_group=cg, subject=subj, term=term))
        services.export_record(by=None, class_group=cg, term=term, subject=subj, where=where)
        self._said(out, f"Đã xuất sổ điểm {subj.name} lớp {cg.name} học kì {term} → {where}")

    def do_export_summary(self, *, class_id, term, out, **_):
        cg = _class(class_id)
        where = self._emit(out, excel.class_summary_export(class_group=cg, term=term))
        services.export_record(by=None, class_group=cg, term=term, where=where)
        self._said(out, f"Đã xuất bảng tổng hợp lớp {cg.name} học kì {term} → {where}")

    def _emit(self, out: str, data: bytes) -> str:
        """Write an export to ``out`` (``-``: standard output); where it went, in words."""
        if out == STDOUT:
            _write_stdout(data)
            return "đầu ra chuẩn"
        _write(out, data)
        return out

    def _said(self, out: str, line: str) -> None:
        """The confirmation, on standard error when standard output carries the workbook."""
        (self.stderr if out == STDOUT else self.stdout).write(line)

    # --- writes --------------------------------------------------------------------------

    def do_import(self, *, path, as_user=None, **_):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {_os_reason(exc)}.") from exc
        started = time.perf_counter()
        try:
            cg, subject, term = excel.sheet_identify(fileobj=io.BytesIO(data))
            ta = (
                TeachingAssignment.objects.select_related("teacher__user")
                .filter(class_group=cg, subject=subject)
                .first()
            )
            if as_user:
                by = _user(as_user)
            elif ta is None or ta.teacher.user is None:
                raise CommandError(_no_teacher_login(cg, subject, ta, path))
            else:
                by = ta.teacher.user
            try:
                report = excel.sheet_import_file(fileobj=io.BytesIO(data), by=by)
            except PermissionDeniedError as exc:
                if ta is None or ta.teacher.user is None:  # --as someone else, and the teacher has no login
                    raise CommandError(_no_teacher_login(cg, subject, ta, path)) from exc
                raise
        except DomainError as exc:
            raise CommandError("Không nhập: " + excel.report_text(exc)) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Sổ điểm {subject.name} lớp {cg.name} học kì {term}, nhập với tư cách "
            f"{by.get_username()}: {vn_number(report.students)} học sinh, {vn_number(report.changed_cells)} ô "
            f"thay đổi ({vn_number(seconds, 2)} giây)."
        )
        for c in report.changes:
            self.stdout.write(
                f"  Dòng {c.row} {c.code} {c.full_name}, {c.column}: "
                f"{c.old or '(trống)'} → {c.new or '(trống)'}"
            )
        for i, line in enumerate(excel.kept_lines(report)):
            self.stdout.write(line if i == 0 else f"  {line}")

    def do_close(self, *, school=None, all=False, period, as_user=None, **_):
        target = _school(school) if school is not None else None
        year = _year()
        if as_user:
            by = _user(as_user)
        else:
            department = target.department if target else Department.objects.order_by("pk").first()
            if department is None:
                raise CommandError("Chưa có Sở GDĐT nào trong cơ sở dữ liệu.")
            by = system_actor(department)
        scope = target.name if target else "toàn thành phố"
        expired = tasks.closing_runs_expire_stale(school_year=year, school=target, period=period)
        if expired:
            self.stdout.write(f"Đã ghi là lỗi {vn_number(expired)} lượt tổng kết cũ không còn chạy "
                              f"(không tiến triển trong {_minutes()} phút).")
        self.stdout.write(f"Tổng kết {PERIODS[period]} — {scope}, với tư cách {by.get_username()} …")
        started = time.perf_counter()
        tty = sys.stdout.isatty()

        def progress(done: int, failed: int, total: int) -> None:
            pct = int(100 * done / total) if total else 100
            line = (f"  {vn_number(done)}/{vn_number(total)} học sinh ({pct}%), {vn_number(failed)} lỗi, "
                    f"{vn_number(time.perf_counter() - started, 1)} giây")
            if tty:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        runs = ClosingRun.objects.filter(school_year=year, school=target, period=period)
        try:
            run = services.closing_run_start(
                school=target, period=period, by=by, run_inline=True, on_progress=progress
            )
        except DomainError as exc:
            hint = "" if isinstance(exc, PermissionDeniedError) else _blocking_hint(runs)
            raise CommandError(excel.report_text(exc) + hint) from exc
        except KeyboardInterrupt:
            # (tasks.run_closing_now has marked the run failed: whatever stops a closing does)
            if tty:
                self.stdout.write("")
            raise CommandError("Đã dừng tổng kết (Ctrl-C); lượt này được ghi là lỗi, có thể chạy lại.",
                               returncode=130) from None
        except Exception as exc:
            raise CommandError(f"Tổng kết bị lỗi hệ thống ({exc}); lượt này được ghi là lỗi, có thể chạy lại "
                               "sau khi khắc phục (chi tiết: thêm --traceback).") from exc
        if tty:
            self.stdout.write("")
        if run.status != ClosingRun.Status.DONE:  # expired as stale while it ran: it stopped, failed
            reason = run.messages[0] if run.messages else run.get_status_display()
            raise CommandError(f"Lượt tổng kết này đã dừng, không hoàn thành: {reason}")
        seconds = time.perf_counter() - started
        rate = run.done / seconds if seconds else 0
        self.stdout.write(
            f"Xong: {vn_number(run.done)} học sinh, {vn_number(run.failed)} lỗi, {vn_number(seconds, 1)} giây "
            f"({vn_number(rate)} học sinh/giây)."
        )
        for message in run.messages[:20]:
            self.stdout.write(f"  - {message}")
        if run.failed:
            raise CommandError(f"{vn_number(run.failed)} học sinh chưa tổng kết được (xem các dòng trên).")


def _minutes() -> int:
    return int(CLOSING_STALE_AFTER.total_seconds() // 60)


def _blocking_hint(runs) -> str:
    """When a queued or running closing refuses this one: since when it has not moved (its heartbeat, see
    ``ClosingRun.is_stale``: the last progress, or when it was queued), and until when it blocks."""
    run = runs.blocking().order_by(F("heartbeat").desc(nulls_last=True)).first()
    if run is None:
        return ""
    last = timezone.localtime(run.progress_at or run.created_at)
    until = last + CLOSING_STALE_AFTER
    if run.progress_at is None:
        return (f"\nLượt đó đang chờ chạy từ {last:%H:%M} ngày {last:%d/%m/%Y}; nếu đến {until:%H:%M} nó vẫn "
                "chưa chạy thì được coi là đã dừng và có thể chạy lại.")
    return (f"\nLượt đó tiến triển lần cuối lúc {last:%H:%M} ngày {last:%d/%m/%Y}; nếu đến {until:%H:%M} nó vẫn "
            "không tiến triển thì được coi là đã dừng và có thể chạy lại.")


def _no_teacher_login(cg: ClassGroup, subject: Subject, ta, path: str) -> str:
    """Why an import has nobody to act as, and what works: only the subject's teacher may import a sheet."""
    if ta is None:
        return (f"Lớp {cg.name} chưa được phân công giáo viên dạy {subject.name}; chỉ giáo viên dạy môn mới được "
                f"nhập sổ điểm này. Hãy phân công ở trang quản trị "
                f"({_admin_url('admin:org_teachingassignment_add')}) rồi nhập lại.")
    teacher = ta.teacher
    User = get_user_model()
    add_user = _admin_url(f"admin:{User._meta.app_label}_{User._meta.model_name}_add")
    return (
        f"Giáo viên dạy {subject.name} lớp {cg.name} là {teacher.full_name} (mã cán bộ {teacher.staff_code}), "
        "chưa có tài khoản; chỉ giáo viên dạy môn mới được nhập sổ điểm này, nên --as với tài khoản khác "
        "cũng bị từ chối. Cách làm:\n"
        f"  1. Tạo tài khoản cho giáo viên ở trang quản trị: {add_user}\n"
        f"  2. Gắn tài khoản đó vào hồ sơ giáo viên (ô User): {_admin_url('admin:people_teacher_change', teacher.pk)}\n"
        f"  3. Nhập lại: hocba gradebook import {path} (nhập với tư cách giáo viên đó; hoặc thêm "
        "--as TÊN_ĐĂNG_NHẬP của chính giáo viên đó)."
    )


def _json_dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)

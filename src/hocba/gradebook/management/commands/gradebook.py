"""``hocba gradebook``: the gradebook from the command line, for bulk work.

    hocba gradebook classes [--school ID] [--json]
    hocba gradebook export --class ID --subject CODE --term 1|2 --out PATH
    hocba gradebook export-summary --class ID --term 1|2 --out PATH
    hocba gradebook import PATH [--as USERNAME]
    hocba gradebook close (--school ID | --all) --period hk1|hk2|year [--as USERNAME]

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

import io
import json
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hocba.core.audit import audit_record
from hocba.core.context import audit_source
from hocba.core.errors import DomainError
from hocba.core.models import Role, RoleAssignment
from hocba.gradebook import excel, services
from hocba.org.models import ClassGroup, School, Subject, TeachingAssignment
from hocba.org.selectors import current_school_year

SYSTEM_USERNAME = "hocba-system"


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


def _write(path: str, data: bytes) -> None:
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise CommandError(f"Thư mục {target.parent} không tồn tại.")
    target.write_bytes(data)


class Command(BaseCommand):
    help = "Sổ điểm điện tử: danh sách lớp, xuất/nhập Excel, tổng kết học kì và cả năm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{classes,export,export-summary,import,close}"
        )
        p = sub.add_parser("classes", help="các lớp của năm học hiện tại, với mã số lớp và mã môn")
        p.add_argument("--school", type=int, help="chỉ một trường (mã số trường)")
        p.add_argument("--json", action="store_true", help="in JSON (cho máy đọc)")
        p = sub.add_parser("export", help="xuất sổ điểm một môn của một lớp ra .xlsx")
        p.add_argument("--class", dest="class_id", type=int, required=True)
        p.add_argument("--subject", required=True, help="mã môn, ví dụ TOAN")
        p.add_argument("--term", type=int, choices=[1, 2], required=True)
        p.add_argument("--out", required=True)
        p = sub.add_parser("export-summary", help="xuất bảng tổng hợp kết quả học kì của một lớp ra .xlsx")
        p.add_argument("--class", dest="class_id", type=int, required=True)
        p.add_argument("--term", type=int, choices=[1, 2], required=True)
        p.add_argument("--out", required=True)
        p = sub.add_parser("import", help="nhập lại sổ điểm .xlsx (tệp tự ghi lớp, môn, học kì)")
        p.add_argument("path")
        p.add_argument(
            "--as", dest="as_user", help="nhập với tư cách tài khoản này (mặc định: GV dạy môn đó)"
        )
        p = sub.add_parser("close", help="tổng kết học kì/cả năm cho một trường hoặc toàn thành phố")
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--school", type=int, help="mã số trường")
        scope.add_argument("--all", action="store_true", help="toàn thành phố")
        p.add_argument("--period", choices=["hk1", "hk2", "year"], required=True)
        p.add_argument("--as", dest="as_user", help="chạy với tư cách tài khoản này (mặc định: hocba-system)")

    def handle(self, *args, action: str, **options):
        with audit_source("cli"):
            getattr(self, "do_" + action.replace("-", "_"))(**options)

    # --- reads ---------------------------------------------------------------------------

    def do_classes(self, *, school=None, json: bool = False, **_):
        year = current_school_year()
        classes = ClassGroup.objects.filter(school_year=year).select_related("school", "homeroom_teacher")
        if school:
            classes = classes.filter(school_id=school)
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
        self.stdout.write(f"{len(rows)} lớp, năm học {year.name}.")

    def do_export(self, *, class_id, subject, term, out, **_):
        cg = _class(class_id)
        subj = Subject.objects.filter(code=subject.upper()).first()
        if subj is None or not TeachingAssignment.objects.filter(class_group=cg, subject=subj).exists():
            raise CommandError(f"Lớp {cg.name} không học môn có mã '{subject}'.")
        data = excel.sheet_export(class_group=cg, subject=subj, term=term)
        _write(out, data)
        services.export_record(by=None, class_group=cg, term=term, subject=subj, where=str(out))
        self.stdout.write(f"Đã xuất sổ điểm {subj.name} lớp {cg.name} học kì {term} → {out}")

    def do_export_summary(self, *, class_id, term, out, **_):
        cg = _class(class_id)
        data = excel.class_summary_export(class_group=cg, term=term)
        _write(out, data)
        services.export_record(by=None, class_group=cg, term=term, where=str(out))
        self.stdout.write(f"Đã xuất bảng tổng hợp lớp {cg.name} học kì {term} → {out}")

    # --- writes --------------------------------------------------------------------------

    def do_import(self, *, path, as_user=None, **_):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror}.") from exc
        started = time.perf_counter()
        try:
            cg, subject, term = excel.sheet_identify(fileobj=io.BytesIO(data))
            if as_user:
                by = _user(as_user)
            else:
                ta = (
                    TeachingAssignment.objects.select_related("teacher__user")
                    .filter(class_group=cg, subject=subject)
                    .first()
                )
                if ta is None or ta.teacher.user is None:
                    who = ta.teacher.full_name if ta else "(chưa phân công)"
                    raise CommandError(
                        f"Giáo viên dạy {subject.name} lớp {cg.name} ({who}) chưa có tài khoản; "
                        "dùng --as TÊN_ĐĂNG_NHẬP."
                    )
                by = ta.teacher.user
            report = excel.sheet_import_file(fileobj=io.BytesIO(data), by=by)
        except DomainError as exc:
            raise CommandError("Không nhập: " + excel.report_text(exc)) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Sổ điểm {subject.name} lớp {cg.name} học kì {term}, nhập với tư cách "
            f"{by.get_username()}: {report.students} học sinh, {report.changed_cells} ô thay đổi "
            f"({seconds:.2f} giây)."
        )
        for c in report.changes:
            self.stdout.write(
                f"  Dòng {c.row} {c.code} {c.full_name}, {c.column}: "
                f"{c.old or '(trống)'} → {c.new or '(trống)'}"
            )
        for i, line in enumerate(excel.kept_lines(report)):
            self.stdout.write(line if i == 0 else f"  {line}")

    def do_close(self, *, school=None, all=False, period, as_user=None, **_):
        target = None
        if school:
            target = School.objects.select_related("department").filter(pk=school).first()
            if target is None:
                raise CommandError(f"Không có trường có mã số {school}.")
        if as_user:
            by = _user(as_user)
        else:
            from hocba.org.models import Department

            department = target.department if target else Department.objects.order_by("pk").first()
            if department is None:
                raise CommandError("Chưa có Sở GDĐT nào trong cơ sở dữ liệu.")
            by = system_actor(department)
        scope = target.name if target else "toàn thành phố"
        label = {"hk1": "học kì I", "hk2": "học kì II", "year": "cả năm"}[period]
        self.stdout.write(f"Tổng kết {label} — {scope}, với tư cách {by.get_username()} …")
        started = time.perf_counter()
        tty = sys.stdout.isatty()

        def progress(done: int, failed: int, total: int) -> None:
            pct = int(100 * done / total) if total else 100
            line = (
                f"  {done}/{total} học sinh ({pct}%), {failed} lỗi, {time.perf_counter() - started:.1f} giây"
            )
            if tty:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        try:
            run = services.closing_run_start(
                school=target, period=period, by=by, run_inline=True, on_progress=progress
            )
        except DomainError as exc:
            raise CommandError(excel.report_text(exc)) from exc
        if tty:
            self.stdout.write("")
        seconds = time.perf_counter() - started
        rate = run.done / seconds if seconds else 0
        per_second = f"{rate:,.0f}".replace(",", ".")  # Vietnamese thousands separator
        self.stdout.write(
            f"Xong: {run.done} học sinh, {run.failed} lỗi, {seconds:.1f} giây ({per_second} học sinh/giây)."
        )
        for message in run.messages[:20]:
            self.stdout.write(f"  - {message}")
        if run.failed:
            raise CommandError(f"{run.failed} học sinh chưa tổng kết được (xem các dòng trên).")


def _json_dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)

"""Teachers' logins: the school's board creates them (one teacher, or every teacher who has none) and issues a new
password to a teacher who forgot theirs. What the user sees: a sheet with the login and a one-time password, a
first login that reaches nothing until the teacher sets their own password, an old password and its open sessions
that stop working, and a refusal (nothing changed) for accounts above a teacher's rights or another school's."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.core.models import AuditEntry, InitialPassword
from hocba.people.models import Teacher, TeacherStatus

NEW = {"new_password1": "Hoc-ba-2026!xyz", "new_password2": "Hoc-ba-2026!xyz"}


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _sheet(response) -> list[tuple[str, str]]:
    """(login, password) of each row of the printed sheet."""
    return re.findall(r"<td><code>([^<]+)</code></td><td><code>([^<]+)</code></td>", response.content.decode())


def _school_of(username: str):
    from hocba.core.models import RoleAssignment

    return RoleAssignment.objects.filter(user__username=username).first().school


@pytest.fixture
def teacher(city):
    """A working teacher of the school board's school who has no login yet."""
    found = Teacher.objects.filter(school=_school_of("bgh"), user__isnull=True,
                                   status=TeacherStatus.WORKING).order_by("pk").first()
    assert found is not None
    return found


def test_the_board_creates_a_login_and_the_first_login_sets_its_own_password(login, teacher):
    board = login("bgh")
    detail = reverse("people:teacher_detail", args=[teacher.pk])
    assert "Tạo tài khoản đăng nhập" in _text(board.get(detail))
    response = board.post(reverse("people:teacher_account", args=[teacher.pk]), {"action": "create"})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    [(username, password)] = _sheet(response)
    assert teacher.full_name in _text(response) and "mật khẩu ban đầu không hiện lại" in _text(response)
    assert response.content.decode().count('<div class="slip">') == 1
    assert f"Giáo viên, mã cán bộ {teacher.staff_code}" in _text(response)
    teacher.refresh_from_db()
    assert teacher.user.username == username and username == re.sub(r"[^a-z0-9]", "", teacher.staff_code.lower())
    assert AuditEntry.objects.filter(action="people:teacher:account:create", object_id=str(teacher.pk)).exists()
    # the page now names the login and says the school's password is still unchanged
    assert "chưa đổi mật khẩu nhà trường cấp" in _text(board.get(detail))

    client = Client()
    assert client.login(username=username, password=password)
    first = client.get(reverse("people:teacher_list"))
    assert first.status_code == 302 and first["Location"].startswith("/tai-khoan/doi-mat-khau/")
    assert client.get("/api/teachers").status_code == 403
    form = client.get(first["Location"])
    assert "Đặt mật khẩu mới" in _text(form) and "Mật khẩu cũ" not in _text(form)
    done = client.post(first["Location"], NEW)
    assert done.status_code == 302 and done["Location"] == reverse("people:teacher_list")
    assert client.get(reverse("people:teacher_list")).status_code == 200
    assert not InitialPassword.objects.filter(user=teacher.user).exists()
    assert not Client().login(username=username, password=password)
    assert Client().login(username=username, password=NEW["new_password1"])
    # a second "create" is refused and names the login
    again = board.post(reverse("people:teacher_account", args=[teacher.pk]), {"action": "create"}, follow=True)
    assert f"đã có tài khoản đăng nhập “{username}”" in _text(again)


def test_every_teacher_without_a_login_gets_one_on_one_sheet(login, teacher):
    school = teacher.school
    left = Teacher.objects.filter(school=school, user__isnull=True).exclude(pk=teacher.pk).order_by("pk").first()
    Teacher.objects.filter(pk=left.pk).update(status=TeacherStatus.LEFT, left_on=dt.date(2025, 9, 1),
                                              left_reason="Chuyển công tác")
    missing = Teacher.objects.filter(school=school, user__isnull=True, status=TeacherStatus.WORKING)
    expected = sorted(missing.values_list("full_name", flat=True))
    board = login("bgh")
    listing = _text(board.get(reverse("people:teacher_list"), {"truong": school.pk}))
    assert f"{len(expected)} giáo viên đang công tác chưa có tài khoản đăng nhập" in listing
    response = board.post(reverse("people:teacher_accounts"), {"truong": school.pk})
    rows = _sheet(response)
    assert len(rows) == len(expected) and len({u for u, _ in rows}) == len(rows)
    assert all(name in _text(response) for name in expected)
    assert not missing.exists()
    assert Teacher.objects.get(pk=left.pk).user_id is None  # a teacher who left gets none
    for username, password in rows[:3]:
        assert Client().login(username=username, password=password)
    assert "chưa có tài khoản đăng nhập" not in _text(board.get(reverse("people:teacher_list"), {"truong": school.pk}))
    assert "đã có tài khoản đăng nhập" in _text(board.post(reverse("people:teacher_accounts"), {"truong": school.pk}))


def test_a_new_password_ends_the_old_one_and_its_sessions(login):
    teacher = Teacher.objects.get(user__username="gvbm")
    signed_in = login("gvbm")
    assert signed_in.get(reverse("people:teacher_list")).status_code == 200
    response = login("bgh").post(reverse("people:teacher_account", args=[teacher.pk]), {"action": "reissue"})
    [(username, password)] = _sheet(response)
    assert username == "gvbm" and "Mật khẩu mới" in _text(response)
    assert signed_in.get(reverse("people:teacher_list")).status_code == 302  # the open session is gone
    assert not Client().login(username="gvbm", password="hocba-demo")
    client = Client()
    assert client.login(username="gvbm", password=password)
    assert client.get(reverse("people:teacher_list"))["Location"].startswith("/tai-khoan/doi-mat-khau/")
    assert AuditEntry.objects.filter(action="people:teacher:account:password", object_id=str(teacher.pk)).exists()


def test_accounts_above_a_teacher_and_ones_own_are_refused(login, city):
    User = get_user_model()
    principal = Teacher.objects.get(user__username="hieutruong")
    before = User.objects.get(username="hieutruong").password
    board = login("bgh")
    page = _text(board.get(reverse("people:teacher_detail", args=[principal.pk])))
    assert "có quyền quản lý (Hiệu trưởng): chỉ quản trị hệ thống cấp lại mật khẩu" in page
    assert "Cấp lại mật khẩu" not in page
    refused = board.post(reverse("people:teacher_account", args=[principal.pk]), {"action": "reissue"}, follow=True)
    assert "chỉ quản trị hệ thống cấp lại mật khẩu" in _text(refused)
    assert User.objects.get(username="hieutruong").password == before
    assert not InitialPassword.objects.filter(user__username="hieutruong").exists()
    own = login("hieutruong").post(reverse("people:teacher_account", args=[principal.pk]), {"action": "reissue"},
                                   follow=True)
    assert "Đây là tài khoản của chính bạn" in _text(own)


def test_only_the_teachers_own_school_board_issues_logins(login, city):
    User = get_user_model()
    other = Teacher.objects.exclude(school=_school_of("bgh")).filter(user__isnull=True).first()
    board = login("bgh")
    assert board.post(reverse("people:teacher_account", args=[other.pk]), {"action": "create"}).status_code == 403
    assert login("bgh").post(reverse("people:teacher_accounts"), {"truong": other.school_id}).status_code == 403
    gvbm = Teacher.objects.get(user__username="gvbm")
    before = User.objects.get(username="gvbm").password
    for username in ("gvcn", "phohieutruong", "so"):
        response = login(username).post(reverse("people:teacher_account", args=[gvbm.pk]), {"action": "reissue"})
        assert response.status_code == 403, username
    assert User.objects.get(username="gvbm").password == before
    assert "Tài khoản đăng nhập" not in _text(login("gvcn").get(reverse("people:teacher_detail", args=[gvbm.pk])))
    assert other.__class__.objects.get(pk=other.pk).user_id is None


def test_staff_change_their_own_password_from_every_page(login):
    client = login("gvcn")
    home = client.get("/")
    assert 'href="/tai-khoan/doi-mat-khau/">Đổi mật khẩu</a>' in home.content.decode()
    page = client.get("/tai-khoan/doi-mat-khau/")
    assert "Mật khẩu cũ" in _text(page) and "Học bạ của gia đình" not in _text(page)
    wrong = client.post("/tai-khoan/doi-mat-khau/", {"old_password": "sai", **NEW})
    assert wrong.status_code == 200 and get_user_model().objects.get(username="gvcn").check_password("hocba-demo")
    done = client.post("/tai-khoan/doi-mat-khau/", {"old_password": "hocba-demo", **NEW})
    assert done.status_code == 302 and done["Location"] == "/"
    assert get_user_model().objects.get(username="gvcn").check_password(NEW["new_password1"])
    assert client.get(reverse("people:teacher_list")).status_code == 200  # still signed in


def test_the_command_writes_a_schools_logins_once(teacher, tmp_path):
    import csv
    import io

    from django.core.management import CommandError, call_command

    school = teacher.school
    with pytest.raises(CommandError, match="không có quyền tạo tài khoản cho giáo viên"):
        call_command("teacher_accounts", "--school", school.pk, "--as", "gvcn")
    other = Teacher.objects.exclude(school=school).first().school
    with pytest.raises(CommandError, match=f"Trường có mã số {other.pk} không thuộc quyền quản lý của 'bgh'"):
        call_command("teacher_accounts", "--school", other.pk, "--as", "bgh")
    assert Teacher.objects.get(pk=teacher.pk).user_id is None
    missing = Teacher.objects.filter(school=school, user__isnull=True, status=TeacherStatus.WORKING).count()
    out = tmp_path / "tai-khoan-giao-vien.csv"
    call_command("teacher_accounts", "--school", school.pk, "--as", "bgh", "--out", str(out), stdout=io.StringIO())
    assert out.stat().st_mode & 0o777 == 0o600
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Họ và tên", "Mã cán bộ", "Tên đăng nhập", "Mật khẩu ban đầu"] and len(rows) - 1 == missing
    name, code, username, password = rows[1]
    assert Teacher.objects.get(staff_code=code).full_name == name and Client().login(username=username,
                                                                                       password=password)
    again = io.StringIO()
    call_command("teacher_accounts", "--school", school.pk, "--as", "bgh", stdout=again)
    assert "đã tạo 0 tài khoản" in again.getvalue() and "đã có tài khoản đăng nhập" in again.getvalue()

"""The family portal: own children only, downloads, share links (QR, expiry, revocation), access log,
accounts created by the school with a forced first-login password change, optional e-mailed code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from hocba.core.models import InitialPassword
from hocba.people.models import Student
from hocba.records.services import record_compose
from hocba.verification import family
from hocba.verification.models import AccessEvent, AccessKind, FamilyAccount, ShareLink


def _share(client, record):
    response = client.post(f"/gia-dinh/hoc-ba/{record.pk}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    assert response.status_code == 302
    return ShareLink.objects.filter(year_record=record).latest("created_at")


def test_guardian_sees_own_child_downloads_and_shares(signed, student, login, client):
    guardian = login("phuhuynh")
    page = guardian.get("/gia-dinh/").content.decode()
    assert student.full_name in page and signed.verification_code in page and "hợp lệ" in page
    pdf = guardian.get(f"/gia-dinh/phien-ban/{signed.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    link = _share(guardian, signed.year_record)
    assert len(link.token) >= 43  # 32 bytes from secrets, URL-safe base64
    qr = guardian.get(f"/gia-dinh/chia-se/{link.pk}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert b"<script" not in qr.content
    shared = client.get(f"/chia-se/{link.token}/")
    assert shared.status_code == 200 and student.full_name in shared.content.decode()
    assert "Học bạ hợp lệ" in shared.content.decode()
    # the family sees who looked: the download, the share link
    log = guardian.get("/gia-dinh/").content.decode()
    assert "Mở liên kết chia sẻ" in log and "Trường THPT A" in log
    kinds = set(AccessEvent.objects.filter(year_record=signed.year_record).values_list("kind", flat=True))
    assert {AccessKind.FAMILY, AccessKind.SHARE_LINK} <= kinds
    # revoked → refused
    guardian.post(f"/gia-dinh/chia-se/{link.pk}/thu-hoi/")
    assert client.get(f"/chia-se/{link.token}/").status_code == 404
    # expired → refused
    other = _share(guardian, signed.year_record)
    assert client.get(f"/chia-se/{other.token}/").status_code == 200
    ShareLink.objects.filter(pk=other.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    gone = client.get(f"/chia-se/{other.token}/")
    assert gone.status_code == 404 and "không còn hiệu lực" in gone.content.decode()
    assert client.get("/chia-se/not-a-token/").status_code == 404


def test_another_familys_record_is_out_of_reach(signed, homeroom_class, staff, login):
    other_student = (Student.objects.filter(enrolments__class_group=homeroom_class).exclude(user__username="hocsinh")
                     .first())
    other = record_compose(student=other_student, class_group=homeroom_class, by=staff["gvcn"]).version
    guardian = login("phuhuynh")
    assert other_student.full_name not in guardian.get("/gia-dinh/").content.decode()
    assert guardian.get(f"/gia-dinh/phien-ban/{other.pk}/pdf/").status_code == 404
    assert guardian.post(f"/gia-dinh/hoc-ba/{other.year_record_id}/chia-se/", {"days": 3}).status_code == 404
    assert not ShareLink.objects.filter(year_record=other.year_record).exists()
    link = _share(login("hocsinh"), signed.year_record)
    assert login("gvbm").get(f"/gia-dinh/chia-se/{link.pk}/qr.svg").status_code == 403
    assert login("gvcn").get("/gia-dinh/").status_code == 403


def test_school_creates_accounts_and_first_login_forces_a_new_password(homeroom_class, login):
    admin = login("hieutruong")
    response = admin.post(f"/tai-khoan-gia-dinh/lop/{homeroom_class.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    created = FamilyAccount.objects.filter(user__initial_password__isnull=False).select_related("user")
    assert created.count() >= 10
    # one slip per person to cut out, each with the address to sign in at
    assert page.count('<div class="slip">') == created.count()
    assert page.count("Đăng nhập tại http://") == created.count() and "Đăng nhập tại <code>http://" in page
    account = next(a for a in created if hasattr(a.user, "guardian"))
    password = re.search(rf"<code>{account.user.username}</code></td><td><code>([^<]+)</code>", page).group(1)
    client = Client()
    assert client.login(username=account.user.username, password=password)
    first = client.get("/gia-dinh/")
    assert first.status_code == 302 and "/tai-khoan/doi-mat-khau/" in first["Location"]
    done = client.post("/tai-khoan/doi-mat-khau/?next=/gia-dinh/",
                       {"new_password1": "Hoc-ba-2026!xyz", "new_password2": "Hoc-ba-2026!xyz"})
    assert done.status_code == 302
    assert client.get("/gia-dinh/").status_code == 200
    assert not Client().login(username=account.user.username, password=password)
    # the guardian's own child only
    guardian = account.user.guardian
    children = set(guardian.guardianships.values_list("student_id", flat=True))
    assert {s.pk for s in family.family_students(user=account.user)} == children
    # a second run creates nobody twice
    again = admin.post(f"/tai-khoan-gia-dinh/lop/{homeroom_class.pk}/").content.decode()
    assert "đã có tài khoản" in again
    assert login("gvcn").post(f"/tai-khoan-gia-dinh/lop/{homeroom_class.pk}/").status_code == 403


def test_optional_email_code(signed, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = get_user_model().objects.get(username="phuhuynh")
    user.email = "phuhuynh@example.vn"
    user.save()
    family.email_otp_set(user=user, enabled=True)
    client = Client()
    client.force_login(user)
    gate = client.get("/gia-dinh/")
    assert gate.status_code == 302 and "/gia-dinh/ma-xac-nhan/" in gate["Location"]
    client.get("/gia-dinh/ma-xac-nhan/?next=/gia-dinh/")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    client.post("/gia-dinh/ma-xac-nhan/", {"code": wrong})
    assert client.get("/gia-dinh/").status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    ok = client.post("/gia-dinh/ma-xac-nhan/", {"code": code, "next": "/gia-dinh/"})
    assert ok.status_code == 302 and client.get("/gia-dinh/").status_code == 200


def test_staff_views_and_downloads_appear_in_the_family_log(signed, login):
    page = login("phuhuynh").get("/gia-dinh/").content.decode()
    assert "trang quản lý" not in page
    teacher = login("gvcn")
    assert teacher.get(f"/hoc-ba/hoc-sinh/{signed.year_record.student_id}/").status_code == 200
    assert teacher.get(f"/hoc-ba/phien-ban/{signed.pk}/pdf/").status_code == 200
    events = AccessEvent.objects.filter(year_record=signed.year_record, kind=AccessKind.STAFF)
    assert sorted(e.what for e in events) == [
        f"Tải tệp PDF phiên bản {signed.number} từ trang quản lý",
        "Xem sổ học bạ trên trang quản lý của nhà trường",
    ]
    page = login("phuhuynh").get("/gia-dinh/").content.decode()
    assert "Xem sổ học bạ trên trang quản lý của nhà trường" in page
    assert f"Tải tệp PDF phiên bản {signed.number} từ trang quản lý" in page
    assert "Cán bộ nhà trường" in page


def test_family_accounts_command_writes_the_initial_passwords_once(homeroom_class, tmp_path):
    from django.core.management import CommandError, call_command

    before = FamilyAccount.objects.count()
    with pytest.raises(CommandError, match="không có quyền tạo tài khoản gia đình"):
        call_command("family_accounts", "--class", homeroom_class.pk, "--as", "gvbm")
    assert FamilyAccount.objects.count() == before
    out = tmp_path / "tai-khoan.csv"
    call_command("family_accounts", "--class", homeroom_class.pk, "--as", "hieutruong", "--out", str(out),
                 stdout=io.StringIO())
    assert out.stat().st_mode & 0o777 == 0o600
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Họ và tên", "Là", "Tên đăng nhập", "Mật khẩu ban đầu"]
    assert len(rows) - 1 == FamilyAccount.objects.count() - before >= 10
    _name, _kind, username, password = next(r for r in rows[1:] if r[1].startswith("Phụ huynh"))
    assert Client().login(username=username, password=password)
    assert InitialPassword.objects.filter(user__username=username).exists()
    again = io.StringIO()
    call_command("family_accounts", "--class", homeroom_class.pk, "--as", "hieutruong", stdout=again)
    assert "đã có tài khoản" in again.getvalue()

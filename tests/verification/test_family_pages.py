"""What families and school staff read on the family pages: the login code by e-mail (an address the family
enters and proves with a code before any login code goes there), and how many of each class's students and
parents already have an account."""

from __future__ import annotations

import re
import smtplib

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Guardianship
from hocba.verification import family
from hocba.verification.models import FamilyAccount

SECURITY = "/gia-dinh/bao-mat/"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def _text(response) -> str:
    """The page as the reader sees it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def _code(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _otp_on(username: str) -> bool:
    return FamilyAccount.objects.filter(user__username=username, email_otp=True).exists()


def test_a_student_without_an_address_enters_one_and_proves_it_before_codes_go_there(student, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = login("hocsinh")
    page = client.get(SECURITY)
    text = _text(page)
    assert "Đang tắt: đăng nhập chỉ cần tên đăng nhập và mật khẩu." in text
    assert 'type="email" name="email"' in page.content.decode() and "Địa chỉ thư điện tử nhận mã" in text

    # turning it on with no address, or a malformed one, says what is wrong and changes nothing
    missing = client.post(SECURITY, {"email_otp": "on", "email": ""})
    assert missing.status_code == 200
    assert "Hãy nhập địa chỉ thư điện tử để nhận mã xác nhận." in _text(missing)
    typo = client.post(SECURITY, {"email_otp": "on", "email": "an.phan@gmail"})
    assert "Địa chỉ thư điện tử không hợp lệ" in _text(typo) and 'value="an.phan@gmail"' in typo.content.decode()
    assert not mail.outbox and not _otp_on("hocsinh")

    # a valid address gets a code first; the setting waits for it
    sent = client.post(SECURITY, {"email_otp": "on", "email": "An.Phan@Example.VN"}, follow=True)
    assert "Đã gửi một mã gồm 6 chữ số tới An.Phan@example.vn" in _text(sent)
    assert "Đã gửi mã xác nhận tới An.Phan@example.vn" in _text(sent) and 'name="code"' in sent.content.decode()
    assert mail.outbox[-1].to == ["An.Phan@example.vn"] and not _otp_on("hocsinh")
    code = _code(mail.outbox[-1])
    wrong = client.post(SECURITY, {"action": "confirm", "code": "000000" if code != "000000" else "111111"},
                        follow=True)
    assert "Mã xác nhận không đúng hoặc đã hết hạn" in _text(wrong) and not _otp_on("hocsinh")
    done = client.post(SECURITY, {"action": "confirm", "code": code}, follow=True)
    assert "Đã bật mã xác nhận: từ lần đăng nhập sau, mã sẽ được gửi tới An.Phan@example.vn." in _text(done)
    assert "Đang bật" in _text(done) and _otp_on("hocsinh")
    assert get_user_model().objects.get(username="hocsinh").email == "An.Phan@example.vn"
    assert client.get("/gia-dinh/").status_code == 200  # this session already passed

    # the next login asks for the code sent to that address
    later = Client()
    later.force_login(get_user_model().objects.get(username="hocsinh"))
    gate = later.get("/gia-dinh/")
    assert gate.status_code == 302 and "/gia-dinh/ma-xac-nhan/" in gate["Location"]
    later.get(gate["Location"])
    assert mail.outbox[-1].to == ["An.Phan@example.vn"]
    assert later.post("/gia-dinh/ma-xac-nhan/", {"code": _code(mail.outbox[-1])}).status_code == 302
    assert later.get("/gia-dinh/").status_code == 200

    # and it can be turned off again
    off = later.post(SECURITY, {"email": "An.Phan@example.vn"}, follow=True)
    assert "Đang tắt" in _text(off) and not _otp_on("hocsinh")
    # both changes are in the audit log, the address change with before and after
    from hocba.core.models import AuditEntry

    entries = list(AuditEntry.objects.filter(action__startswith="verification:login_code:").order_by("seq"))
    assert [e.action for e in entries] == ["verification:login_code:on", "verification:login_code:off"]
    assert entries[0].before == {"email": ""} and entries[0].after == {"email": "An.Phan@example.vn"}


def test_a_parent_sees_the_schools_address_and_a_mistyped_new_one_never_locks_them_out(student, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = get_user_model().objects.get(username="phuhuynh")
    user.email = "me.an@example.vn"
    user.save(update_fields=["email"])
    family.email_otp_set(user=user, enabled=True)
    client = login("phuhuynh")
    session = client.session
    session["hocba_family_otp_ok"] = True
    session.save()
    page = client.get(SECURITY)
    assert "Đang bật: mỗi lần đăng nhập, sau mật khẩu, bạn nhập thêm mã gồm 6 chữ số được gửi tới me.an@example.vn" in (
        _text(page))
    assert 'value="me.an@example.vn"' in page.content.decode()

    # a new address waits for its code: login codes still go to the old one until then
    client.post(SECURITY, {"email_otp": "on", "email": "me.an@exmaple.vn"})
    assert mail.outbox[-1].to == ["me.an@exmaple.vn"]
    cancelled = client.post(SECURITY, {"action": "cancel"}, follow=True)
    assert "Đã huỷ; cài đặt bảo mật không thay đổi." in _text(cancelled)
    user.refresh_from_db()
    assert user.email == "me.an@example.vn" and _otp_on("phuhuynh")

    # a code for one address does not confirm another
    client.post(SECURITY, {"email_otp": "on", "email": "me.an@exmaple.vn"})
    code = _code(mail.outbox[-1])
    assert not family.email_otp_setup_confirm(user=user, email="someone@else.vn", code=code)


def test_a_mail_server_that_is_down_is_explained_and_nothing_changes(student, login, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    client = login("hocsinh")
    page = client.post(SECURITY, {"email_otp": "on", "email": "an.phan@example.vn"}, follow=True)
    assert page.status_code == 200
    assert "Chưa gửi được thư tới an.phan@example.vn" in _text(page) and "Đang tắt" in _text(page)
    assert not _otp_on("hocsinh") and 'name="code"' not in page.content.decode()


def test_codes_to_prove_an_address_are_limited_per_hour(student, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = login("hocsinh")
    for n in range(family.OTP_SETUP_MAILS_PER_HOUR):
        client.post(SECURITY, {"email_otp": "on", "email": f"an{n}@example.vn"})
    assert len(mail.outbox) == family.OTP_SETUP_MAILS_PER_HOUR
    page = client.post(SECURITY, {"action": "resend"}, follow=True)
    assert "Đã gửi 5 mã trong một giờ; hãy thử lại sau." in _text(page)
    assert len(mail.outbox) == family.OTP_SETUP_MAILS_PER_HOUR and not _otp_on("hocsinh")


def _account_counts(class_group) -> tuple[int, int, int, int]:
    """(students with an account, students, parents with an account, parents), counted one by one."""
    students = [e.student for e in Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                .select_related("student")]
    guardians = {g.guardian for g in Guardianship.objects.filter(student__in=students).select_related("guardian")}
    return (sum(s.user_id is not None for s in students), len(students),
            sum(g.user_id is not None for g in guardians), len(guardians))


def _row(html: str, class_group) -> str:
    """The words of the class's row in the table."""
    rows = [r.split("</tr>")[0] for r in html.split("<tr>") if f"<td>{class_group.name}</td>" in r]
    assert len(rows) == 1, class_group.name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0])).strip()


def test_the_accounts_page_says_how_many_of_each_class_already_have_an_account(homeroom_class, login):
    admin = login("hieutruong")
    before = admin.get("/tai-khoan-gia-dinh/")
    assert "Học sinh có tài khoản" in _text(before) and "Phụ huynh có tài khoản" in _text(before)
    html = before.content.decode()
    s_with, s_all, g_with, g_all = _account_counts(homeroom_class)
    assert s_all >= 10 and g_all >= 10 and 0 < s_with < s_all  # the demo student has one, the others not yet
    assert _row(html, homeroom_class).endswith(f"đã tạo {s_with}/{s_all} đã tạo {g_with}/{g_all} "
                                               "Tạo tài khoản còn thiếu")
    classes = family.account_classes(user=get_user_model().objects.get(username="hieutruong"))
    untouched = next(c for c in classes if c.pk != homeroom_class.pk)
    _, s_other, _, g_other = _account_counts(untouched)
    assert _row(html, untouched).endswith(f"đã tạo 0/{s_other} đã tạo 0/{g_other} Tạo tài khoản")

    admin.post(f"/tai-khoan-gia-dinh/lop/{homeroom_class.pk}/")
    after = login("bgh").get("/tai-khoan-gia-dinh/").content.decode()
    assert _row(after, homeroom_class).endswith(f"đã tạo {s_all}/{s_all} đã tạo {g_all}/{g_all} Đã đủ tài khoản")


def test_the_accounts_page_counts_every_class_in_the_same_queries(homeroom_class, login):
    admin = login("hieutruong")
    admin.get("/tai-khoan-gia-dinh/")  # warm caches that are not per request

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = admin.get("/tai-khoan-gia-dinh/")
        assert response.status_code == 200
        return len(ctx.captured_queries), _text(response)

    count, _ = queries()
    for n in range(1, 4):
        ClassGroup.objects.create(school=homeroom_class.school, school_year=homeroom_class.school_year, grade=6,
                                  name=f"6Z{n}")
    more, text = queries()
    assert "6Z3 " in text and text.count("đã tạo 0/0 đã tạo 0/0 Lớp chưa có học sinh") == 3
    assert more == count
    user = get_user_model().objects.get(username="hieutruong")
    family.account_class_list(user=user)  # the user's scope is worked out once per user
    with CaptureQueriesContext(connection) as ctx:
        rows = family.account_class_list(user=user)
    assert len(rows) >= 5 and len(ctx.captured_queries) == 3  # classes, students, parents

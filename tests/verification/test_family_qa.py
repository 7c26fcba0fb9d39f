"""What a parent and a verifier read, found by using the pages: a share link the family can actually send,
the code as the PDF prints it, a verifier's answer for a tampered or damaged file in plain words, a
mistyped code kept in its box, a password change that asks for the current password."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hocba.core.models import InitialPassword
from hocba.records.document.codes import format_verification_code
from hocba.verification import family, services
from hocba.verification.models import AccessEvent, AccessKind, ShareLink


def _text(response) -> str:
    """The page as the reader sees it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def _upload(client, data: bytes):
    return client.post("/xac-thuc/kiem-tra-tep/", {"file": SimpleUploadedFile("hocba.pdf", data, "application/pdf")})


def test_the_share_link_is_a_whole_address_the_family_can_send(signed, login, client, settings):
    settings.HOCBA_PUBLIC_URL = "https://hocba.haiphong.edu.vn"
    guardian = login("phuhuynh")
    guardian.post(f"/gia-dinh/hoc-ba/{signed.year_record_id}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    link = ShareLink.objects.get(year_record=signed.year_record)
    address = f"https://hocba.haiphong.edu.vn/chia-se/{link.token}/"

    page = guardian.get("/gia-dinh/")
    # the whole address, as text to copy and as a link to open (not "/chia-se/…/", which no one can open)
    assert address in _text(page) and f'href="{address}"' in page.content.decode()
    assert "Đang hiệu lực · vừa tạo" in _text(page)
    assert "không cần tài khoản" in _text(page)
    assert client.get(address.removeprefix(settings.HOCBA_PUBLIC_URL)).status_code == 200
    # the "just made" mark is for the moment after creating it only
    assert "vừa tạo" not in _text(guardian.get("/gia-dinh/"))


def test_an_expired_link_says_so_and_offers_no_qr_code(signed, login, client):
    guardian = login("phuhuynh")
    guardian.post(f"/gia-dinh/hoc-ba/{signed.year_record_id}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    link = ShareLink.objects.get(year_record=signed.year_record)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(f"/chia-se/{link.token}/").status_code == 404  # it no longer opens …

    page = guardian.get("/gia-dinh/")
    text = _text(page)
    assert "Đã hết hạn" in text and "Đang hiệu lực" not in text  # … and the family page does not say it does
    html = page.content.decode()
    assert f"/gia-dinh/chia-se/{link.pk}/qr.svg" not in html and f"/gia-dinh/chia-se/{link.pk}/thu-hoi/" not in html


def test_the_family_page_shows_the_code_as_the_pdf_prints_it(signed, login):
    text = _text(login("hocsinh").get("/gia-dinh/"))
    grouped = format_verification_code(signed.verification_code)
    assert "-" in grouped and grouped in text


def test_the_access_summary_keeps_pdf_and_api_in_capitals(signed, login):
    for kind in (AccessKind.PUBLIC_FILE, AccessKind.API):
        services.access_log(version=signed, kind=kind, what="Kiểm tra")
    text = _text(login("phuhuynh").get("/gia-dinh/"))
    assert "kiểm tra tệp PDF tải lên 1" in text and "hệ thống khác qua API 1" in text
    assert "pdf" not in text.replace(".pdf", "") and " api " not in text
    assert AccessEvent.objects.filter(year_record=signed.year_record).count() >= 2


def test_a_tampered_file_says_the_chain_was_not_checked_in_words(signed, signed_pdf, client):
    pos = len(signed_pdf) // 4
    altered = signed_pdf[:pos] + bytes([signed_pdf[pos] ^ 0x01]) + signed_pdf[pos + 1:]
    page = _upload(client, altered)
    text = _text(page)
    assert services.V_INVALID in text and "Nội dung đã bị thay đổi sau khi ký" in text
    chain = re.search(r"Chuỗi chứng thư của người ký: ([^✔✘?]*)", text).group(1)
    assert "None" not in chain and chain.strip() == "Không kiểm tra được vì chữ ký không còn nguyên vẹn."
    check = next(c for c in services.verify_pdf(data=altered).checks if c.key == "chain")
    assert check.ok is None  # "?", not a second ✘ for the same broken hash


def test_a_file_cut_short_is_called_damaged_not_a_scan(signed, signed_pdf, client):
    """A download that stopped before the end: the file is damaged, it is not "without a signature"."""
    text = _text(_upload(client, signed_pdf[:-200]))
    assert services.V_DAMAGED in text and "không đầy đủ" in text and "tải lại tệp gốc" in text
    assert "không có chữ ký số" not in text and "bản quét" not in text
    body = client.post("/api/verify/pdf", {"file": SimpleUploadedFile("hocba.pdf", signed_pdf[:-200],
                                                                      "application/pdf")}).json()
    assert body["verdict"] == services.V_DAMAGED and body["genuine"] is False


def test_a_mistyped_code_stays_in_the_box(signed, client):
    code = signed.verification_code
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    page = client.get(f"/xac-thuc/{wrong}/")
    assert page.status_code == 404 and services.V_UNKNOWN in _text(page)
    assert f'value="{format_verification_code(wrong)}"' in page.content.decode()
    # a found code's page leaves the box empty for the next one
    found = client.get(f"/xac-thuc/{code}/")
    assert found.status_code == 200 and 'name="ma" value=""' in found.content.decode()


def test_changing_the_password_later_asks_for_the_current_one(signed, login):
    """A phone left signed in must not let someone else set a new password and lock the family out."""
    user = get_user_model().objects.get(username="phuhuynh")
    assert not InitialPassword.objects.filter(user=user).exists()
    client = login("phuhuynh")
    page = client.get("/gia-dinh/doi-mat-khau/")
    text = _text(page)
    assert "Đổi mật khẩu" in text and "chỉ dùng cho lần đăng nhập đầu tiên" not in text
    assert 'name="old_password"' in page.content.decode()

    new = {"new_password1": "Hoc-ba-2026!xyz", "new_password2": "Hoc-ba-2026!xyz"}
    refused = client.post("/gia-dinh/doi-mat-khau/", new)
    assert refused.status_code == 200 and '<span class="error">' in refused.content.decode()
    wrong = client.post("/gia-dinh/doi-mat-khau/", {"old_password": "doan-bua", **new})
    assert wrong.status_code == 200 and "Mật khẩu cũ không chính xác" in _text(wrong)
    user.refresh_from_db()
    assert user.check_password("hocba-demo")

    done = client.post("/gia-dinh/doi-mat-khau/", {"old_password": "hocba-demo", **new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Hoc-ba-2026!xyz")
    assert client.get("/gia-dinh/").status_code == 200  # still signed in


def test_with_the_login_code_on_a_password_alone_cannot_change_the_password(signed, login):
    user = get_user_model().objects.get(username="hocsinh")
    user.email = "hocsinh@example.vn"
    user.save(update_fields=["email"])
    family.email_otp_set(user=user, enabled=True)
    client = login("hocsinh")  # signed in with the password, the e-mailed code not yet entered
    page = client.get("/gia-dinh/doi-mat-khau/")
    assert page.status_code == 302 and page["Location"].startswith("/gia-dinh/ma-xac-nhan/")
    posted = client.post("/gia-dinh/doi-mat-khau/", {"old_password": "hocba-demo", "new_password1": "Hoc-ba-2026!xyz",
                                                     "new_password2": "Hoc-ba-2026!xyz"})
    assert posted.status_code == 302
    user.refresh_from_db()
    assert user.check_password("hocba-demo")


def test_the_family_downloads_signed_records_only(composed, login):
    """The family page offers "PDF đã ký" only; a draft not yet signed is not served either, even by its id."""
    from hocba.signing.workflow import sign_sample

    guardian = login("phuhuynh")
    assert guardian.get(f"/gia-dinh/phien-ban/{composed.pk}/pdf/").status_code == 404
    assert not AccessEvent.objects.filter(kind=AccessKind.FAMILY).exists()
    sign_sample(composed)
    signed = guardian.get(f"/gia-dinh/phien-ban/{composed.pk}/pdf/")
    assert signed.status_code == 200 and b"/ByteRange" in signed.content

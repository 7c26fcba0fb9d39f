"""The signing pages as a walkthrough found them: "Ký toàn bộ lớp" signed a whole class in one click, the table
still said "Chưa có" after the batch had ended, and on a 390 px phone the class's signing page and a student's
book were wider than the screen."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from hocba.records.models import YearRecord
from hocba.signing.batch import signing_batch_run
from hocba.signing.models import Signature, SigningBatch, SignRole
from tests.browser.dialogs import answer_no
from tests.signing.djangofix import SECRET, archive_dir, composed, confirm_all, current_versions, homeroom_class  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _run_in_thread(batch_id: int) -> None:
    """Run the queued batch as the worker would (PAdES signing runs its own event loop: not in Playwright's)."""
    def run():
        try:
            signing_batch_run(batch_id)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(120)


def test_signing_a_class_asks_first_and_the_table_shows_the_signatures_when_the_batch_ends(
        composed, live_server, sign_in, shot):
    confirm_all(composed)
    n = len(current_versions(composed))
    page = sign_in("gvcn")
    page.goto(live_server.url + reverse("signing:class", args=[composed.pk]))
    form = page.locator("form", has=page.locator("input[name=secret]"))
    form.locator("input[name=secret]").fill(SECRET)
    asked = answer_no(page, form.get_by_role("button", name="Ký toàn bộ lớp"))
    assert asked and f"Ký số {n} học bạ" in asked[0] and "không huỷ được" in asked[0]
    assert not SigningBatch.objects.exists()  # refused: nothing queued

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        form.get_by_role("button", name="Ký toàn bộ lớp").click()
    assert f"Đã bắt đầu ký {n} học bạ" in page.inner_text("main")
    assert "Chưa có" in page.inner_text("table.sign-table")
    batch = SigningBatch.objects.get(role=SignRole.HOMEROOM)
    with page.expect_navigation(timeout=30_000):  # the page reloads itself once the batch has ended
        _run_in_thread(batch.pk)
    assert Signature.objects.filter(role=SignRole.HOMEROOM).count() == n
    table = page.inner_text("table.sign-table")
    assert "Chưa có" not in table and table.count("Giáo viên chủ nhiệm: ") == n
    assert f"{n}/{n} học bạ đã có chữ ký của giáo viên chủ nhiệm" in page.inner_text("main")
    shot(page, "signing-class-after-batch")


def test_the_subject_teacher_confirms_a_class_only_after_saying_yes(composed, live_server, sign_in):
    page = sign_in("gvbm")
    page.goto(live_server.url + reverse("signing:class", args=[composed.pk]))
    asked = answer_no(page, page.get_by_role("button", name="Xác nhận các môn tôi dạy"))
    assert asked and composed.name in asked[0]
    from hocba.signing.models import SubjectConfirmation

    assert not SubjectConfirmation.objects.exists()


def test_the_signing_page_and_a_book_fit_a_phone(composed, live_server, chromium, shot):
    from django.contrib.auth import get_user_model

    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
                                   timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("input[name=username]", "gvcn")
        page.fill("input[name=password]", "hocba-demo")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        assert get_user_model().objects.filter(username="gvcn").exists()
        student_id = YearRecord.objects.filter(class_group=composed).values_list("student_id", flat=True).first()
        for name, url in (("signing-class-phone", reverse("signing:class", args=[composed.pk])),
                          ("records-book-phone", reverse("records:book", args=[student_id]))):
            page.goto(live_server.url + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            shot(page, name, full_page=True)
            assert width <= PHONE["width"], f"{url}: {width} px wide on a {PHONE['width']} px phone"
    finally:
        context.close()

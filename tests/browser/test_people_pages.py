"""The school board adds a student from a class page, gives them a parent and records a drop-out, in a browser:
a mistake is shown next to its field with what was typed, the status change asks first, and on a 390 px phone
no page is wider than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.org.models import ClassGroup
from hocba.people.models import Enrolment, Student

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def error_next_to(page, name: str) -> str:
    return page.locator(f"label:has([name='{name}']) .error").inner_text()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_board_adds_a_student_a_parent_and_a_drop_out(city, live_server, sign_in, shot, chromium):
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn", school_year__is_current=True)
    page = sign_in("bgh")
    page.goto(live_server.url + reverse("org:class_detail", args=[cls.pk]))
    page.click("text=Thêm học sinh vào lớp")
    assert page.locator("select[name=class_group] option:checked").inner_text() == f"Lớp {cls.name}"

    page.fill("[name=full_name]", "Hà")
    page.fill("[name=birth_date]", "30/02/2011")
    page.select_option("[name=sex]", "F")
    page.fill("[name=residence]", "Số 12 Trần Phú")
    page.click("button:has-text('Thêm học sinh')")
    assert error_next_to(page, "full_name") == "Họ và tên phải có ít nhất họ và tên, không chứa chữ số."
    assert "Ngày '30/02/2011' không hợp lệ" in error_next_to(page, "birth_date")
    assert page.input_value("[name=residence]") == "Số 12 Trần Phú"  # what was typed stays
    shot(page, "people-admit-errors")
    assert not Student.objects.filter(residence="Số 12 Trần Phú").exists()

    page.fill("[name=full_name]", "Vũ Thu Hà")
    page.fill("[name=birth_date]", "20/02/2011")
    page.fill("[name=status_date]", f"{cls.school_year.start_date:%d/%m/%Y}")  # within its year, whatever today is
    page.click("button:has-text('Thêm học sinh')")
    page.wait_for_selector("h1:has-text('Vũ Thu Hà')")
    assert f"Đã thêm học sinh Vũ Thu Hà vào lớp {cls.name}." in page.inner_text(".flash")
    student = Student.objects.get(full_name="Vũ Thu Hà")

    page.select_option("[name=gh-relation]", "mother")
    page.fill("[name=gh-full_name]", "Ngô Thị Lan")
    page.fill("[name=gh-phone]", "091234")
    page.click("form[action$='/phu-huynh/'] button")
    assert "phải gồm 10 chữ số bắt đầu bằng 0" in error_next_to(page, "gh-phone")
    assert page.input_value("[name=gh-full_name]") == "Ngô Thị Lan"
    page.fill("[name=gh-phone]", "0912 345 678")
    page.click("form[action$='/phu-huynh/'] button")
    page.wait_for_selector("td:has-text('Ngô Thị Lan')")
    assert page.locator("tr:has(td:has-text('Ngô Thị Lan')) td").all_inner_texts() == [
        "Mẹ", "Ngô Thị Lan", "", "0912345678", "Sửa Xoá"]  # the board may correct or remove the guardian

    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.select_option("[name=tt-status]", "dropped_out")
    page.click("form[action$='/trang-thai/'] button")
    assert asked == [f"Ghi nhận trạng thái mới cho Vũ Thu Hà (lớp {cls.name})? Thao tác được ghi vào nhật ký."]
    assert Enrolment.objects.get(student=student).status == "studying"  # "Huỷ" in the question: nothing changes
    page.once("dialog", lambda d: d.accept())
    page.click("form[action$='/trang-thai/'] button")
    page.wait_for_selector(".flash:has-text('thôi học')")
    assert Enrolment.objects.get(student=student).status == "dropped_out"
    assert "Hiện tại: Thôi học" in page.inner_text("form[action$='/trang-thai/']")
    shot(page, "people-student")

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
                                 timezone_id="Asia/Ho_Chi_Minh")
    try:
        small = sign_in("bgh", context=phone)
        for url, name in ((reverse("people:student_admit"), "people-admit-phone"),
                          (reverse("people:student_detail", args=[student.pk]), "people-student-phone")):
            small.goto(live_server.url + url)
            shot(small, name, full_page=True)
            assert page_width(small) <= PHONE["width"], url
    finally:
        phone.close()

"""The signing pages say what each step waits for, and whose turn it is: a subject teacher finds the records
awaiting their confirmation from their home page; the class's status names the subject teachers it waits for
before the homeroom teacher; an action that would do nothing is disabled with the reason beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from hocba.core.permissions import scope_of
from hocba.org.models import TeachingAssignment
from hocba.signing.batch import signing_batch_start
from hocba.signing.models import SignRole
from hocba.signing.selectors import confirmation_due_list
from tests.signing.djangofix import SECRET, archive_dir, composed, confirm_all, current_versions, homeroom_class, users  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _button(page: str, label: str) -> str:
    """The opening tag of the button showing ``label``."""
    found = re.search(r"<button[^>]*>" + re.escape(label) + "</button>", page)
    assert found, f"no button {label!r}"
    return found.group(0)


def _taught(class_group, username: str) -> list[str]:
    return sorted(TeachingAssignment.objects.filter(class_group=class_group, teacher__user__username=username)
                  .values_list("subject__name", flat=True))


def test_the_subject_teacher_is_led_from_home_to_the_records_awaiting_their_confirmation(composed, login):
    subjects = _taught(composed, "gvbm")
    n = len(current_versions(composed))
    gvbm = login("gvbm")
    home = gvbm.get("/").content.decode()
    url = reverse("signing:class", args=[composed.pk])
    assert (f'<a href="{url}">Còn {n} học bạ lớp {composed.name} chờ bạn xác nhận môn {", ".join(subjects)} — '
            "Xác nhận các môn tôi dạy →</a>") in home
    gvbm.post(reverse("signing:class_confirm", args=[composed.pk]))
    assert "chờ bạn xác nhận" not in gvbm.get("/").content.decode()  # nothing waits for them any more


def test_nothing_waits_before_the_records_are_composed_nor_for_who_teaches_nothing(homeroom_class, login):
    assert "chờ bạn xác nhận" not in login("gvbm").get("/").content.decode()
    assert "chờ bạn xác nhận" not in login("hieutruong").get("/").content.decode()


def test_the_waiting_records_are_counted_in_a_fixed_number_of_queries(composed, django_assert_max_num_queries):
    gvbm, = users("gvbm")
    scope_of(gvbm)  # the request has it already
    with django_assert_max_num_queries(4):
        [due] = confirmation_due_list(user=gvbm)
    assert (due.class_group, due.records, due.subjects) == (composed, len(current_versions(composed)),
                                                            _taught(composed, "gvbm"))


def test_the_class_status_waits_for_the_subject_teachers_before_the_homeroom_teacher(composed, login):
    n = len(current_versions(composed))
    url = reverse("signing:class", args=[composed.pk])
    page = login("gvcn").get(url).content.decode()
    assert f"chờ giáo viên bộ môn xác nhận: {n}" in page and "GVCN ký:" not in page
    toan = TeachingAssignment.objects.select_related("teacher").get(class_group=composed, subject__name="Toán")
    assert f"Toán — {toan.teacher.full_name} ({n} học bạ)" in page  # the subject and who must confirm it

    confirm_all(composed)
    page = login("gvcn").get(url).content.decode()
    assert f"chờ GVCN ký: {n}" in page and "chờ giáo viên bộ môn xác nhận" not in page


def test_the_school_status_counts_the_records_awaiting_subject_teachers(composed, login):
    n = len(current_versions(composed))
    page = login("hieutruong").get(reverse("signing:school", args=[composed.school_id])).content.decode()
    assert f"chờ giáo viên bộ môn xác nhận: {n}" in page
    assert f"(trong đó {n} học bạ còn chờ giáo viên bộ môn xác nhận môn học" in page


def test_signing_the_class_is_disabled_with_the_reason_until_a_record_is_ready(composed, login):
    url = reverse("signing:class", args=[composed.pk])
    page = login("gvcn").get(url).content.decode()
    assert " disabled" in _button(page, "Ký toàn bộ lớp")
    assert "Chưa có học bạ nào đủ xác nhận để ký" in page

    confirm_all(composed)
    page = login("gvcn").get(url).content.decode()
    assert " disabled" not in _button(page, "Ký toàn bộ lớp") and "Chưa có học bạ nào đủ xác nhận" not in page


def test_confirming_is_disabled_with_the_reason_once_the_teacher_has_confirmed(composed, login):
    url = reverse("signing:class", args=[composed.pk])
    gvbm = login("gvbm")
    assert " disabled" not in _button(gvbm.get(url).content.decode(), "Xác nhận các môn tôi dạy")
    gvbm.post(reverse("signing:class_confirm", args=[composed.pk]))
    page = gvbm.get(url).content.decode()
    assert " disabled" in _button(page, "Xác nhận các môn tôi dạy")
    assert "Bạn đã xác nhận đủ các môn bạn dạy trên mọi học bạ hiện hành của lớp." in page


def test_the_principal_sees_why_signing_and_sealing_the_school_are_disabled(composed, login):
    url = reverse("signing:school", args=[composed.school_id])
    page = login("hieutruong").get(url).content.decode()
    assert " disabled" in _button(page, "Ký toàn trường") and " disabled" in _button(page, "Đóng dấu toàn trường")
    assert "Chưa có học bạ nào chờ Hiệu trưởng ký: " in page
    assert "Không có học bạ nào chờ đóng dấu: đóng dấu sau khi Hiệu trưởng ký." in page

    gvcn, = users("gvcn")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    page = login("hieutruong").get(url).content.decode()
    assert " disabled" not in _button(page, "Ký toàn trường") and "Chưa có học bạ nào chờ Hiệu trưởng ký" not in page
    n = len(current_versions(composed))
    assert f"Chưa có học bạ nào chờ đóng dấu: {n} học bạ còn chờ Hiệu trưởng ký trước." in page


def test_a_disabled_button_looks_disabled():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("hocba/app.css")).read_text(encoding="utf-8")
    rule = re.search(r"button:disabled[^{]*\{([^}]*)\}", css)
    assert rule and "cursor: default" in rule.group(1) and "background" in rule.group(1)

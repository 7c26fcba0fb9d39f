"""The principal sees each class's records against the year's signing deadline (31/5; 21/5 for grades 9
and 12): how many are signed at each step, which classes are late and whom they wait for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hocba.org.models import ClassGroup, Deadline, DeadlineKind
from hocba.signing.batch import signing_batch_start
from hocba.signing.models import SignRole
from hocba.signing.selectors import signing_progress
from tests.signing.djangofix import SECRET, archive_dir, composed, confirm_all, current_versions, homeroom_class, users  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _move_deadlines(class_group: ClassGroup, *, last_grade: int, others: int) -> dict[int, dt.date]:
    """Signing deadlines ``last_grade`` days from today for grades 9/12 and ``others`` for the rest."""
    today = timezone.localdate()
    for d in Deadline.objects.filter(school_year=class_group.school_year, kind=DeadlineKind.SIGNING):
        d.due_date = today + dt.timedelta(days=last_grade if 9 in d.grades else others)
        d.save(update_fields=["due_date"])
    return {9: today + dt.timedelta(days=last_grade), 6: today + dt.timedelta(days=others)}


def test_school_page_shows_which_classes_are_late_and_whom_they_wait_for(composed, login):
    due = _move_deadlines(composed, last_grade=-3, others=10)
    gvcn, = users("gvcn")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    n = len(current_versions(composed))

    mine = signing_progress(school=composed.school, today=timezone.localdate(), class_group=composed)[0]
    assert (mine.composed, mine.homeroom, mine.principal, mine.sealed) == (n, n, 0, 0)
    assert mine.late and mine.days_over == 3 and mine.waiting == [("Hiệu trưởng ký", n)]

    page = login("hieutruong").get(reverse("signing:school", args=[composed.school_id])).content.decode()
    assert "Tiến độ ký số theo lớp" in page and f"{due[9]:%d/%m/%Y}" in page and f"{due[6]:%d/%m/%Y}" in page
    assert f"lớp đã quá hạn ký số mà chưa ký đủ: {composed.name}." in page
    assert "Quá hạn 3 ngày" in page and f"chờ Hiệu trưởng ký: {n}" in page
    assert "Còn 10 ngày" in page  # the other grades are not late yet
    assert composed.homeroom_teacher.full_name in page
    assert f'data-confirm="Ký phê duyệt {n} học bạ đang chờ Hiệu trưởng ký' in page  # asked before signing

    page = login("gvcn").get(reverse("signing:class", args=[composed.pk])).content.decode()
    assert f"Hạn hoàn thành ký số học bạ khối {composed.grade}: <strong>{due[9]:%d/%m/%Y}</strong>" in page
    assert "Quá hạn 3 ngày" in page and f"0/{n} học bạ đã ký đủ" in page


def test_a_class_fully_signed_is_not_late(composed, login):
    _move_deadlines(composed, last_grade=-3, others=-3)
    gvcn, ht = users("gvcn", "hieutruong")
    confirm_all(composed)
    for role, by, scope in ((SignRole.HOMEROOM, gvcn, {"class_group": composed}),
                            (SignRole.PRINCIPAL, ht, {"school": composed.school}),
                            (SignRole.SEAL, ht, {"school": composed.school})):
        signing_batch_start(role=role, by=by, secret=SECRET, run_inline=True, **scope)
    mine = signing_progress(school=composed.school, today=timezone.localdate(), class_group=composed)[0]
    assert mine.sealed == mine.students and not mine.late and not mine.waiting
    page = login("gvcn").get(reverse("signing:class", args=[composed.pk])).content.decode()
    assert "Quá hạn" not in page and f"{mine.students}/{mine.students} học bạ đã ký đủ." in page

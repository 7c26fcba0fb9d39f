"""Giáo viên nghỉ việc / chuyển công tác: the school board records that a teacher left (date, reason,
confirmation) on the teacher's page, and a return. What the user sees: a refusal naming every class and subject the
teacher still holds this year (and the approval they are chosen to sign), nothing written; after the leaving the
teacher's login is closed, they are gone from the working list, the trích ngang export and every choice of new
work, while the history that names them stays."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from hocba.core.errors import DomainError, StaleWriteError
from hocba.core.models import AuditEntry
from hocba.org import services as org_services
from hocba.org.models import ClassGroup, School, SchoolYear, TeachingAssignment
from hocba.people import services
from hocba.people.models import Teacher, TeacherStatus
from tests.people.test_pages_create import error_of, page
from tests.people.test_teachers import add_teacher, sheet, subject, table, user_for, world  # noqa: F401 (world)
from tests.people.world import build_world

TODAY = dt.date(2026, 3, 2)


def with_login(teacher: Teacher, username: str, *, active: bool = True):
    user = get_user_model().objects.create_user(username=username, first_name=teacher.full_name, is_active=active)
    Teacher.objects.filter(pk=teacher.pk).update(user=user)
    teacher.refresh_from_db()
    return user


def leave(world, teacher, **kwargs):
    args = {"on": TODAY, "reason": "Chuyển công tác đến Trường THCS Hoà Bình", "by": world.admin,
            "expected_version": teacher.version, "today": TODAY, **kwargs}
    return services.teacher_leave(teacher=teacher, **args)


def writes() -> tuple:
    """What a refused leaving must not change: the teachers' rows, the logins, the audit log."""
    return (list(Teacher.objects.order_by("pk").values_list("status", "left_on", "left_reason", "version")),
            list(get_user_model().objects.order_by("pk").values_list("is_active", flat=True)),
            AuditEntry.objects.exclude(action="people:teacher:view_full").count())


# --- the service -----------------------------------------------------------------------------------------

def test_leaving_is_refused_naming_every_class_subject_and_approval_still_held(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    with_login(teacher, "anh.nt")
    org_services.assignment_set(class_group=world.class_a, subject=subject("TOAN"), teacher=teacher)
    org_services.assignment_set(class_group=world.class_b, subject=subject("VAN"), teacher=teacher)
    ClassGroup.objects.filter(pk=world.class_b.pk).update(homeroom_teacher=teacher)
    School.objects.filter(pk=world.school.pk).update(approval_signer=teacher)
    before = writes()
    with pytest.raises(DomainError) as refused:
        leave(world, teacher)
    assert refused.value.message == (
        "Chưa ghi nhận được Nguyễn Thị Ánh nghỉ việc: đang là giáo viên chủ nhiệm lớp 6A2 (năm học 2025-2026); "
        "còn dạy Toán lớp 6A1; còn dạy Ngữ văn lớp 6A2; là người ký phê duyệt học bạ của Trường THCS Thử nghiệm "
        "(Hiệu trưởng chọn lại người ký trên trang ký số của trường). Hãy giao các việc này cho giáo viên khác rồi "
        "làm lại.")
    assert writes() == before


def test_last_years_classes_do_not_block_and_stay_in_the_history(world):
    last = org_services.school_year_create(name="2024-2025", make_current=False)
    old = org_services.class_create(school=world.school, school_year=last, grade=6, name="6A9")
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    org_services.assignment_set(class_group=old, subject=subject("TOAN"), teacher=teacher)
    ClassGroup.objects.filter(pk=old.pk).update(homeroom_teacher=teacher)
    assert SchoolYear.objects.get(is_current=True) == world.year
    leave(world, teacher)
    assert TeachingAssignment.objects.get(class_group=old).teacher == teacher  # history kept
    html = page(world.client().get(reverse("org:class_detail", args=[old.pk])))
    assert "Nguyễn Thị Ánh" in html


def test_leaving_records_date_and_reason_closes_the_login_and_is_audited(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    user = with_login(teacher, "anh.nt")
    done = leave(world, teacher, reason="  Nghỉ   hưu ")
    teacher.refresh_from_db()
    user.refresh_from_db()
    assert (teacher.status, teacher.left_on, teacher.left_reason, teacher.version) == (
        TeacherStatus.LEFT, TODAY, "Nghỉ hưu", 2)
    assert done.login_closed_on_leave and teacher.login_closed_on_leave and not user.is_active
    entry = AuditEntry.objects.get(action="people:teacher:leave")
    assert (entry.object_id, entry.school_id, entry.actor_id) == (str(teacher.pk), world.school.pk, world.admin.pk)
    assert (entry.before, entry.after) == ({"status": "working"}, {
        "status": "left", "left_on": "02/03/2026", "reason": "Nghỉ hưu", "login_closed": "anh.nt"})
    with pytest.raises(DomainError, match="đã được ghi nhận nghỉ việc từ ngày 02/03/2026"):
        leave(world, teacher)


@pytest.mark.parametrize(("changes", "label", "message"), [
    ({"on": dt.date(2026, 3, 3)}, "Ngày nghỉ việc",
     "Ngày 03/03/2026 ở tương lai; chỉ ghi nhận khi việc đã diễn ra (muộn nhất hôm nay, 02/03/2026)."),
    ({"on": "31/02/2026"}, "Ngày nghỉ việc",
     "Ngày '31/02/2026' không hợp lệ (định dạng dd/mm/yyyy, ví dụ 05/09/2012)."),
    ({"on": ""}, "Ngày nghỉ việc", "Bắt buộc nhập (dd/mm/yyyy)."),
    ({"reason": "   "}, "Lý do nghỉ việc", "Bắt buộc nhập (ví dụ: nghỉ hưu, chuyển công tác đến trường khác)."),
    ({"reason": "x" * 301}, "Lý do nghỉ việc", "Tối đa 300 ký tự (đang có 301)."),
])
def test_a_future_or_missing_date_and_a_missing_reason_are_refused(world, changes, label, message):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    before = writes()
    with pytest.raises(DomainError) as refused:
        leave(world, teacher, **changes)
    assert refused.value.errors == {label: [message]}
    assert writes() == before


def test_a_leaving_over_a_newer_version_is_refused(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    services.teacher_update(teacher=teacher, changes={"qualification": "Thạc sĩ"}, by=world.admin,
                            expected_version=1)
    before = writes()
    with pytest.raises(StaleWriteError, match="vừa được người khác cập nhật"):
        leave(world, teacher, expected_version=1)
    assert writes() == before


def test_a_return_reopens_the_login_the_leaving_closed(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    user = with_login(teacher, "anh.nt")
    teacher = leave(world, teacher, on=dt.date(2026, 1, 5))
    with pytest.raises(DomainError) as refused:
        services.teacher_return(teacher=teacher, on=dt.date(2026, 1, 4), by=world.admin, today=TODAY)
    assert refused.value.errors == {"Ngày trở lại công tác": ["Không thể trước ngày nghỉ việc (05/01/2026)."]}
    back = services.teacher_return(teacher=teacher, on=TODAY, by=world.admin, expected_version=teacher.version,
                                   today=TODAY)
    user.refresh_from_db()
    assert (back.status, back.left_on, back.left_reason, back.login_closed_on_leave, back.version) == (
        TeacherStatus.WORKING, None, "", False, 3)
    assert user.is_active
    entry = AuditEntry.objects.get(action="people:teacher:return")
    assert entry.before == {"status": "left", "left_on": "05/01/2026",
                            "reason": "Chuyển công tác đến Trường THCS Hoà Bình"}
    assert entry.after == {"status": "working", "returned_on": "02/03/2026", "login_reopened": "anh.nt"}
    org_services.assignment_set(class_group=world.class_a, subject=subject("TOAN"), teacher=back)  # work again
    with pytest.raises(DomainError, match="đang công tác; không có gì để ghi nhận trở lại"):
        services.teacher_return(teacher=back, on=TODAY, by=world.admin, today=TODAY)


def test_a_login_closed_before_the_leaving_stays_closed_on_return(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    user = with_login(teacher, "anh.nt", active=False)
    teacher = leave(world, teacher)
    assert not teacher.login_closed_on_leave
    assert AuditEntry.objects.get(action="people:teacher:leave").after["login_closed"] is None
    services.teacher_return(teacher=teacher, on=TODAY, by=world.admin, today=TODAY)
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEntry.objects.get(action="people:teacher:return").after["login_reopened"] is None


def test_a_teacher_who_left_gets_no_new_class_nor_subject(world):
    teacher = leave(world, add_teacher(world, "Nguyễn Thị Ánh", "GV0100"))
    with pytest.raises(DomainError) as refused:
        org_services.assignment_set(class_group=world.class_a, subject=subject("TOAN"), teacher=teacher)
    assert refused.value.errors == {"Giáo viên": ["Nguyễn Thị Ánh đã nghỉ việc; hãy chọn giáo viên đang công tác."]}
    with pytest.raises(DomainError, match="đã nghỉ việc"):
        org_services.class_create(school=world.school, school_year=world.year, grade=6, name="6A3",
                                  homeroom_teacher=teacher)
    assert not TeachingAssignment.objects.exists() and not ClassGroup.objects.filter(name="6A3").exists()


def test_the_database_keeps_status_date_and_reason_together(world):
    from django.db import IntegrityError, transaction

    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Teacher.objects.filter(pk=teacher.pk).update(status=TeacherStatus.LEFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Teacher.objects.filter(pk=teacher.pk).update(left_on=TODAY)


# --- the pages -------------------------------------------------------------------------------------------

def detail_url(teacher) -> str:
    return reverse("people:teacher_detail", args=[teacher.pk])


def leave_post(world, teacher, client=None, **changes):
    data = {"nv-left_on": timezone.localdate().strftime("%d/%m/%Y"), "nv-reason": "Nghỉ hưu", "nv-confirm": "on",
            "nv-version": str(teacher.version), **changes}
    return (client or world.client()).post(reverse("people:teacher_leave", args=[teacher.pk]), data)


def form_summary(html: str) -> str:
    found = re.search(r'<div class="form-summary" role="alert">(.*?)</div>', html, re.S)
    return html_lib.unescape(found.group(1)) if found else ""


def test_the_teachers_page_shows_the_status_and_the_leaving_form_to_the_board_only(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    html = page(world.client().get(detail_url(teacher)))
    assert "<dt>Tình trạng công tác</dt><dd>Đang công tác</dd>" in html
    assert f'action="{reverse("people:teacher_leave", args=[teacher.pk])}"' in html
    assert "Ghi nhận nghỉ việc" in html and 'name="nv-confirm"' in html
    reader = user_for(world.school, username="phoT", role="deputy_principal")
    html = page(world.client(reader).get(detail_url(teacher)))
    assert "Tình trạng công tác" in html and "Ghi nhận nghỉ việc" not in html
    response = leave_post(world, teacher, world.client(reader))
    assert response.status_code == 403
    assert Teacher.objects.get(pk=teacher.pk).status == TeacherStatus.WORKING


def test_the_page_names_what_blocks_the_leaving_and_the_refusal(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    org_services.assignment_set(class_group=world.class_a, subject=subject("TOAN"), teacher=teacher)
    client = world.client()
    html = page(client.get(detail_url(teacher)))
    assert "Trước khi ghi nhận nghỉ việc, hãy giao cho giáo viên khác:<ul><li>Còn dạy Toán lớp 6A1</li></ul>" in html
    before = writes()
    html = page(leave_post(world, teacher, client))
    assert form_summary(html) == ("Chưa ghi nhận được. Chưa ghi nhận được Nguyễn Thị Ánh nghỉ việc: còn dạy Toán lớp "
                                  "6A1. Hãy giao các việc này cho giáo viên khác rồi làm lại.")
    assert writes()[:2] == before[:2]


def test_the_form_asks_for_the_confirmation_the_date_and_the_reason(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    before = writes()
    html = page(leave_post(world, teacher, **{"nv-confirm": "", "nv-reason": ""}))
    assert "Hãy đánh dấu xác nhận trước khi ghi nhận nghỉ việc." in html
    html = page(leave_post(world, teacher, **{"nv-left_on": "01/01/2999", "nv-reason": ""}))
    assert error_of(html, "nv-left_on").startswith("Ngày 01/01/2999 ở tương lai")
    assert error_of(html, "nv-reason").startswith("Bắt buộc nhập")
    assert writes()[:2] == before[:2]


def test_after_leaving_the_list_the_export_and_the_page_follow(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    add_teacher(world, "Lê Văn Dũng", "GV0103")
    client = world.client()
    response = leave_post(world, teacher, client)
    assert response.status_code == 302 and response["Location"] == f"{detail_url(teacher)}#cong-tac"
    html = page(client.get(response["Location"]))
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Đã ghi nhận Nguyễn Thị Ánh nghỉ việc từ ngày {today}." in html
    assert f'<span class="notice">Đã nghỉ việc</span> từ ngày {today} — lý do: Nghỉ hưu' in html
    assert "Ghi nhận trở lại công tác" in html and "Ghi nhận nghỉ việc</button>" not in html

    listed = page(client.get(reverse("people:teacher_list")))
    assert "Lê Văn Dũng" in listed and "Nguyễn Thị Ánh" not in listed
    assert '<option value="da-nghi">Đã nghỉ việc</option>' in listed
    left = page(client.get(f"{reverse('people:teacher_list')}?trang-thai=da-nghi"))
    assert "Nguyễn Thị Ánh" in left and f"Đã nghỉ việc từ {today}" in left and "Lê Văn Dũng" not in left
    assert '<option value="da-nghi" selected>' in left
    everyone = page(client.get(f"{reverse('people:teacher_list')}?trang-thai=tat-ca"))
    assert "Nguyễn Thị Ánh" in everyone and "Lê Văn Dũng" in everyone and "Đang công tác</td>" in everyone

    rows = sheet(client.get(f"{reverse('people:teacher_export')}?truong={world.school.pk}"))
    assert rows[2][0].startswith("Số giáo viên, nhân viên đang công tác: 1 — xuất ngày")
    assert [r[2] for r in table(rows)[1]] == ["Lê Văn Dũng"]
    # The API lists everyone, with their status.
    api = client.get(f"{reverse('api:api_teacher_list')}?school_id={world.school.pk}").json()["items"]
    assert {(t["full_name"], t["status"]) for t in api} == {("Nguyễn Thị Ánh", "left"), ("Lê Văn Dũng", "working")}


def test_a_return_is_recorded_from_the_page(world):
    teacher = add_teacher(world, "Nguyễn Thị Ánh", "GV0100")
    user = with_login(teacher, "anh.nt")
    client = world.client()
    assert leave_post(world, teacher, client).status_code == 302
    teacher.refresh_from_db()
    url = reverse("people:teacher_return", args=[teacher.pk])
    html = page(client.post(url, {"tl-return_on": "01/01/2020", "tl-version": str(teacher.version)}))
    assert error_of(html, "tl-return_on").startswith("Không thể trước ngày nghỉ việc")
    response = client.post(url, {"tl-return_on": timezone.localdate().strftime("%d/%m/%Y"),
                                 "tl-version": str(teacher.version)})
    assert response.status_code == 302
    html = page(client.get(response["Location"]))
    assert ("Đã ghi nhận Nguyễn Thị Ánh trở lại công tác. Tài khoản đăng nhập của giáo viên (khoá khi nghỉ việc) đã "
            "được mở lại.") in html
    user.refresh_from_db()
    assert user.is_active and Teacher.objects.get(pk=teacher.pk).status == TeacherStatus.WORKING
    assert client.get(url).status_code == 302  # a GET only leads back to the page


def test_another_schools_teacher_cannot_be_recorded_as_left(world):
    other = build_world(code="U")
    theirs = add_teacher(world, "Lê Văn Cường", "GV0200", school=other.school)
    assert leave_post(world, theirs).status_code == 403
    assert world.client().post(reverse("people:teacher_return", args=[theirs.pk]), {}).status_code == 403
    assert Teacher.objects.get(pk=theirs.pk).status == TeacherStatus.WORKING

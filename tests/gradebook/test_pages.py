"""The gradebook pages through Django's test client, as the teachers and the principal use them."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from hocba.core.models import AuditEntry
from hocba.gradebook import services
from hocba.gradebook.models import ClosingRun, GradebookLock, HomeroomTermEntry, ScoreChange, SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import TeachingAssignment
from hocba.people.models import Student
from tests.gradebook import gb_world
from tests.gradebook.gb_world import circular22_average, fill_class, finalise_all, teacher_user

clock, world = gb_world.clock, gb_world.world  # fixtures

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def sheet_url(w, name="gradebook:sheet", *, cls=None, subject=None, term=1, **extra):
    return reverse(name, kwargs={"class_id": (cls or w.cls).pk, "subject_id": (subject or w.toan).pk,
                                 "term": term, **extra})


def save(client, url, student, field, value, expected=""):
    return client.post(url, data=json.dumps({"student": student, "field": field, "value": value,
                                             "expected": expected}), content_type="application/json")


def stored(w, field, student, subject=None, term=1):
    row = SubjectTermScore.objects.filter(class_group=w.cls, subject=subject or w.toan, term=term,
                                          student_id=student).first()
    return row.cell(field) if row else None


def inputs(html: str) -> list[str]:
    return re.findall(r'<input class="cell"[^>]*>', html)


# --- the grid ------------------------------------------------------------------------------

def test_grid_lists_every_student_with_the_sheet_columns_editable_for_the_subject_teacher(world):
    response = client_for(world.gvbm).get(sheet_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    for header in [*shape.headers, "ĐTBmhk", "Nhận xét"]:
        assert f">{header}</th>" in html
    names = Student.objects.filter(pk__in=world.students).values_list("full_name", flat=True)
    assert all(name in html for name in names)
    cells = inputs(html)
    assert len(cells) == len(world.students) * (len(shape.fields) + 1)
    assert not any("readonly" in c for c in cells)
    assert 'id="readonly-reason"' not in html


def test_homeroom_teacher_and_principal_see_the_grid_read_only_with_the_reason(world):
    for viewer in (world.gvcn, world.hieutruong):
        html = client_for(viewer).get(sheet_url(world)).content.decode()
        assert all("readonly" in c for c in inputs(html))
        assert "Bạn chỉ được xem sổ điểm này" in html
        assert "Chốt điểm môn</button>" not in html


def test_subject_teacher_saves_a_cell_shown_with_a_comma_and_kept_in_history(world):
    student = world.students[2]
    response = save(client_for(world.gvbm), sheet_url(world, "gradebook:cell_save"), student, "tx1", "8.5")
    assert response.status_code == 200
    assert response.json()["shown"] == "8,5"
    assert response.json()["average"] == ""  # the row is not complete yet
    assert stored(world, "tx1", student) == "8.5"
    change = ScoreChange.objects.get(row__student_id=student, field="tx1")
    assert (change.old, change.new, change.by, change.source) == (None, "8.5", world.gvbm, "grid")
    page = client_for(world.gvbm).get(sheet_url(world)).content.decode()
    assert 'value="8,5" data-seen="8,5"' in page


def test_saving_the_last_cell_of_a_row_returns_the_term_average(world):
    student, url, c = world.students[0], sheet_url(world, "gradebook:cell_save"), client_for(world.gvbm)
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    values = [*["7", "8", "6,5", "9"][: shape.tx_count], "7,5", "8"]
    for field, value in zip(shape.fields, values, strict=True):
        response = save(c, url, student, field, value)
        assert response.status_code == 200, response.content
    tx = [v.replace(",", ".") for v in values[: shape.tx_count]]
    expected = circular22_average(tx, "7.5", "8")
    assert response.json()["average"] == expected.replace(".", ",")


def avg_cell(html: str, student: int) -> str:
    row = re.search(rf'<tr data-student="{student}".*?</tr>', html, re.S).group(0)
    return re.search(r'<td class="avg[^"]*" data-avg=.*?</td>', row).group(0)


def test_clearing_a_regular_mark_empties_the_term_average_saying_what_is_missing(world):
    student, url, c = world.students[0], sheet_url(world, "gradebook:cell_save"), client_for(world.gvbm)
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    values = [*["7", "8", "6,5", "9"][: shape.tx_count], "7,5", "8"]
    for field, value in zip(shape.fields, values, strict=True):
        save(c, url, student, field, value)
    cell = avg_cell(c.get(sheet_url(world)).content.decode(), student)
    assert "title=" not in cell and "—" not in cell and "missing" not in cell
    last_tx = f"tx{shape.tx_count}"
    response = save(c, url, student, last_tx, "", expected=values[shape.tx_count - 1])
    why = f"Chưa đủ điểm: thiếu TX{shape.tx_count} (cần {shape.tx_count} ĐĐGtx, GK và CK)"
    assert response.json()["average"] == "" and response.json()["average_missing"] == why
    cell = avg_cell(c.get(sheet_url(world)).content.decode(), student)
    assert cell == (f'<td class="avg missing" data-avg="" title="{why}"><span aria-hidden="true">—</span>'
                    f'<span class="gb-sr">{why}</span></td>')
    untouched = avg_cell(c.get(sheet_url(world)).content.decode(), world.students[1])
    assert f'title="Chưa đủ điểm: cần {shape.tx_count} ĐĐGtx, GK và CK"' in untouched


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("tx2", "11", "TX2: Điểm 11 nằm ngoài thang 0–10."),
    ("gk", "8,55", "giữa kì: Điểm 8,55 có quá một chữ số thập phân."),
    ("ck", "abc", "cuối kì: 'abc' không phải là điểm số"),
])
def test_invalid_value_is_refused_with_a_vietnamese_message_naming_the_column(world, field, typed, words):
    student = world.students[1]
    response = save(client_for(world.gvbm), sheet_url(world, "gradebook:cell_save"), student, field, typed)
    assert response.status_code == 422
    assert words in response.json()["message"]
    assert stored(world, field, student) is None
    assert not ScoreChange.objects.exists()


def test_comment_subject_takes_d_and_cd(world):
    gv = teacher_user(world.cls, "GDTC")
    url = sheet_url(world, "gradebook:cell_save", subject=world.gdtc)
    assert save(client_for(gv), url, world.students[0], "tx1", "đ").json()["shown"] == "Đ"
    refused = save(client_for(gv), url, world.students[0], "tx2", "8")
    assert refused.status_code == 422 and "Đ (Đạt) hoặc CĐ (Chưa đạt)" in refused.json()["message"]


def test_stale_write_is_refused_with_the_newer_value_and_nothing_is_overwritten(world):
    student, url = world.students[3], sheet_url(world, "gradebook:cell_save")
    first_tab, second_tab = client_for(world.gvbm), client_for(world.gvbm)
    assert save(first_tab, url, student, "gk", "7").status_code == 200
    response = save(second_tab, url, student, "gk", "9", expected="")  # the 2nd tab saw an empty cell
    assert response.status_code == 409
    assert response.json()["current"] == "7,0"
    assert "vừa được người khác sửa thành '7,0'" in response.json()["message"]
    assert stored(world, "gk", student) == "7.0"
    again = save(second_tab, url, student, "gk", "9", expected=response.json()["current"])
    assert again.status_code == 200 and stored(world, "gk", student) == "9.0"


def test_edits_outside_ones_own_subject_and_class_are_refused(world):
    gvbm = client_for(world.gvbm)
    other_subject = save(gvbm, sheet_url(world, "gradebook:cell_save", subject=world.van), world.students[0],
                         "tx1", "8")
    assert other_subject.status_code == 403
    other = world.other_class_without_gvbm_math()
    student = other.enrolments.values_list("student_id", flat=True)[0]
    other_class = save(gvbm, sheet_url(world, "gradebook:cell_save", cls=other), student, "tx1", "8")
    assert other_class.status_code == 403
    homeroom_teacher = save(client_for(world.gvcn), sheet_url(world, "gradebook:cell_save"),
                            world.students[0], "tx1", "8")
    assert homeroom_teacher.status_code == 403
    assert not SubjectTermScore.objects.exists()
    # …and another class's sheet is not even shown to the subject teacher.
    assert gvbm.get(sheet_url(world, cls=other)).status_code == 403


def test_cell_history_shows_who_when_old_and_new(world):
    student, url, c = world.students[0], sheet_url(world, "gradebook:cell_save"), client_for(world.gvbm)
    save(c, url, student, "ck", "6")
    save(c, url, student, "ck", "6,5", expected="6,0")
    html = client_for(world.gvcn).get(sheet_url(world, "gradebook:cell_history", student_id=student,
                                                field="ck")).content.decode()
    newest, first = '6,0</span> → <b class="new">6,5', '(trống)</span> → <b class="new">6,0'
    assert html.index(newest) < html.index(first)
    assert world.gvbm.teacher.full_name in html and "Sổ điểm trên web" in html


def test_finalise_is_refused_with_the_missing_cells_listed(world):
    response = client_for(world.gvbm).post(sheet_url(world, "gradebook:subject_finalise"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Chưa chốt được: còn ô chưa nhập." in html
    first = Student.objects.get(pk=world.students[0])
    assert f"1. {first.full_name}</b>: TX1; TX2" in html or f"1. {first.full_name}</b>: TX1" in html
    assert not GradebookLock.objects.exists()


# --- locks -------------------------------------------------------------------------------

def test_a_school_lock_makes_the_grid_read_only_and_refuses_saves(world):
    principal = client_for(world.hieutruong)
    locks_page = reverse("gradebook:school_locks", kwargs={"school_id": world.cls.school_id, "term": 1})
    lock_url = reverse("gradebook:school_lock", kwargs={"school_id": world.cls.school_id, "term": 1})
    homeroom = reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 1})
    assert ">Khoá sổ lớp</button>" in client_for(world.gvcn).get(homeroom).content.decode()
    warned = principal.get(locks_page).content.decode()
    assert "lớp chưa khoá sổ lớp" in warned and world.cls.name in warned and 'name="confirm"' in warned
    refused = principal.post(lock_url, follow=True).content.decode()
    assert "chưa khoá sổ lớp học kì này" in refused and world.cls.name in refused
    assert not GradebookLock.objects.filter(level="school").exists()
    response = principal.post(lock_url, {"confirm": "1"})
    assert response.status_code == 302
    # The homeroom teacher is no longer offered a class close that the school lock makes pointless.
    assert ">Khoá sổ lớp</button>" not in client_for(world.gvcn).get(homeroom).content.decode()
    html = client_for(world.gvbm).get(sheet_url(world)).content.decode()
    assert "Hiệu trưởng đã khoá sổ học kì của trường" in html
    assert all("readonly" in c for c in inputs(html))
    refused = save(client_for(world.gvbm), sheet_url(world, "gradebook:cell_save"), world.students[0],
                   "tx1", "8")
    assert refused.status_code == 422 and "khoá sổ" in refused.json()["message"]
    assert stored(world, "tx1", world.students[0]) is None
    # Term II is not locked.
    assert save(client_for(world.gvbm), sheet_url(world, "gradebook:cell_save", term=2), world.students[0],
                "tx1", "8").status_code == 200


def test_unlock_needs_a_reason_and_is_audited(world):
    lock = services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                                     by=world.hieutruong, open_classes_confirmed=True)
    principal = client_for(world.hieutruong)
    url = reverse("gradebook:lock_remove",
                  kwargs={"school_id": world.cls.school_id, "term": 1, "lock_id": lock.pk})
    refused = principal.post(url, {"reason": "  "}, follow=True)
    assert "Cần ghi rõ lý do mở khoá" in refused.content.decode()
    assert GradebookLock.objects.filter(pk=lock.pk).exists()
    assert client_for(world.gvcn).post(url, {"reason": "Sửa điểm phúc khảo"}).status_code == 403
    assert GradebookLock.objects.filter(pk=lock.pk).exists()
    done = principal.post(url, {"reason": "Sửa điểm phúc khảo môn Toán"}, follow=True)
    assert "Đã mở khoá" in done.content.decode()
    assert not GradebookLock.objects.filter(pk=lock.pk).exists()
    entry = AuditEntry.objects.get(action="gradebook:lock:remove")
    assert entry.actor == world.hieutruong and entry.after["reason"] == "Sửa điểm phúc khảo môn Toán"


def test_locks_page_lists_classes_and_locks_with_unlock_only_for_the_principal(world):
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                              by=world.hieutruong, open_classes_confirmed=True)
    url = reverse("gradebook:school_locks", kwargs={"school_id": world.cls.school_id, "term": 1})
    html = client_for(world.hieutruong).get(url).content.decode()
    assert world.cls.name in html and "Hiệu trưởng khoá sổ trường" in html and ">Mở khoá</button>" in html
    deputy = client_for(type(world.gvbm).objects.get(username="phohieutruong")).get(url).content.decode()
    assert world.cls.name in deputy and ">Mở khoá</button>" not in deputy


def test_edit_after_deadline_needs_a_grant_with_a_reason(world, clock):
    import datetime as dt

    clock.move_to(dt.datetime(2026, 5, 25, 9, 0, tzinfo=dt.UTC))
    url, student = sheet_url(world, "gradebook:cell_save", term=2), world.students[0]
    late = save(client_for(world.gvbm), url, student, "tx1", "8")
    assert late.status_code == 422 and "Đã quá hạn nhập dữ liệu (20/05/2026)" in late.json()["message"]
    grant_url = reverse("gradebook:edit_grant", kwargs={"school_id": world.cls.school_id, "term": 2})
    principal = client_for(world.hieutruong)
    principal.post(grant_url, {"class_group": world.cls.pk, "subject": world.toan.pk, "days": 3,
                               "reason": ""})
    assert save(client_for(world.gvbm), url, student, "tx1", "8").status_code == 422
    principal.post(grant_url, {"class_group": world.cls.pk, "subject": world.toan.pk, "days": 3,
                               "reason": "Bổ sung điểm kiểm tra bù"})
    assert save(client_for(world.gvbm), url, student, "tx1", "8").status_code == 200
    # The teacher sees why the sheet is open after the deadline, and until when (25/5 16:00 + 3 days).
    page = client_for(world.gvbm).get(sheet_url(world, "gradebook:sheet", term=2)).content.decode()
    assert ("Hiệu trưởng cho phép sửa đến 16:00 28/05/2026. Lý do: Bổ sung điểm kiểm tra bù" in page
            and 'id="readonly-reason"' not in page)
    other = client_for(world.gvcn).get(sheet_url(world, "gradebook:sheet", subject=world.van, term=2)
                                       ).content.decode()  # the grant is for Toán only
    assert 'id="grant-notice"' not in other and "Đã quá hạn nhập dữ liệu (20/05/2026)" in other


def test_principal_revokes_a_grant_and_edits_are_blocked_again(world, clock):
    import datetime as dt

    clock.move_to(dt.datetime(2026, 5, 25, 9, 0, tzinfo=dt.UTC))
    url, student = sheet_url(world, "gradebook:cell_save", term=2), world.students[0]
    grant = services.edit_grant_create(school=world.cls.school, class_group=world.cls, subject=world.toan,
                                       reason="Bổ sung điểm kiểm tra bù", days=3, by=world.hieutruong)
    assert save(client_for(world.gvbm), url, student, "tx1", "8").status_code == 200
    locks_url = reverse("gradebook:school_locks", kwargs={"school_id": world.cls.school_id, "term": 2})
    assert ">Thu hồi</button>" in client_for(world.hieutruong).get(locks_url).content.decode()
    revoke_url = reverse("gradebook:edit_grant_revoke",
                         kwargs={"school_id": world.cls.school_id, "term": 2, "grant_id": grant.pk})
    assert client_for(world.gvbm).post(revoke_url).status_code == 403
    done = client_for(world.hieutruong).post(revoke_url, follow=True).content.decode()
    assert "Đã thu hồi quyền sửa sau hạn" in done and "Bổ sung điểm kiểm tra bù" not in done
    late = save(client_for(world.gvbm), url, student, "tx1", "9", expected="8")
    assert late.status_code == 422 and "Đã quá hạn nhập dữ liệu" in late.json()["message"]
    entry = AuditEntry.objects.get(action="gradebook:grant:revoke")
    assert entry.actor == world.hieutruong and entry.object_id == str(grant.pk)
    again = client_for(world.hieutruong).post(revoke_url, follow=True).content.decode()
    assert "đã hết hiệu lực" in again


def test_excel_exports_from_the_pages_are_audited(world):
    sheet = reverse("gradebook:sheet_export", kwargs={"class_id": world.cls.pk, "subject_id": world.toan.pk,
                                                     "term": 1})
    summary = reverse("gradebook:class_summary_export", kwargs={"class_id": world.cls.pk, "term": 1})
    assert client_for(world.gvbm).get(sheet).status_code == 200
    assert client_for(world.gvcn).get(summary).status_code == 200
    entries = {e.action: e for e in AuditEntry.objects.filter(action__endswith=":export", object_id=str(world.cls.pk))}
    assert entries["gradebook:sheet:export"].actor == world.gvbm
    assert entries["gradebook:sheet:export"].after == {"subject": "TOAN", "term": 1, "to": "web"}
    assert entries["gradebook:summary:export"].actor == world.gvcn


# --- the homeroom page -------------------------------------------------------------------

def test_homeroom_page_shows_progress_and_saves_conduct_with_stale_check(world):
    page = client_for(world.gvcn).get(reverse("gradebook:homeroom",
                                              kwargs={"class_id": world.cls.pk, "term": 1}))
    html = page.content.decode()
    assert page.status_code == 200 and "Tiến độ nhập điểm các môn" in html
    toan_teacher = TeachingAssignment.objects.get(class_group=world.cls, subject=world.toan).teacher
    assert toan_teacher.full_name in html  # who teaches Toán (and has not finished)
    assert "Chưa nhập xong" in html
    url = reverse("gradebook:homeroom_save", kwargs={"class_id": world.cls.pk, "term": 1})
    student = world.students[0]
    ok = save(client_for(world.gvcn), url, student, "conduct", "t")
    assert ok.status_code == 200 and ok.json()["shown"] == "Tốt"
    stale = save(client_for(world.gvcn), url, student, "conduct", "Khá", expected="")
    assert stale.status_code == 409 and stale.json()["current"] == "Tốt"
    bad = save(client_for(world.gvcn), url, student, "absent_excused", "-2", expected="0")
    assert bad.status_code == 422 and "số buổi nghỉ là số nguyên" in bad.json()["message"]
    assert HomeroomTermEntry.objects.get(student_id=student, term=1).conduct == "Tốt"
    assert save(client_for(world.gvbm), url, student, "conduct", "Khá", expected="Tốt").status_code == 403


def test_class_close_is_refused_with_what_is_missing(world):
    url = reverse("gradebook:class_close", kwargs={"class_id": world.cls.pk, "term": 1})
    response = client_for(world.gvcn).post(url)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Môn chưa chốt điểm" in html and "Toán" in html and "Chưa có kết quả rèn luyện" in html


def test_class_close_computes_results_shown_on_the_homeroom_page(world):
    fill_class(world.cls, terms=(1,))
    finalise_all(world.cls, 1)
    url = reverse("gradebook:class_close", kwargs={"class_id": world.cls.pk, "term": 1})
    response = client_for(world.gvcn).post(url, follow=True)
    html = response.content.decode()
    assert "Đã khoá sổ lớp" in html
    learning = re.findall(r'<td class="res learning">([^<]*)</td>', html)
    assert len(learning) == len(world.students) and all(learning)


def test_the_homeroom_page_says_which_results_are_older_than_a_correction(world):
    fill_class(world.cls, terms=(1,))
    finalise_all(world.cls, 1)
    services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    url = reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 1})
    html = client_for(world.gvcn).get(url).content.decode()
    assert "KQHT: kết quả học tập của lần tổng kết lúc" in html and 'id="results-stale"' not in html
    for lock in GradebookLock.objects.filter(class_group=world.cls, term=1).exclude(level="subject",
                                                                                     subject__code="VAN"):
        services.lock_remove(lock=lock, reason="Sửa điểm phúc khảo môn Toán", by=world.hieutruong)
    student = Student.objects.get(pk=world.students[1])
    row = SubjectTermScore.objects.get(class_group=world.cls, subject=world.toan, term=1, student=student)
    services.score_update(class_group=world.cls, subject=world.toan, student_id=student.pk, term=1, field="ck",
                          raw="2" if row.ck != "2.0" else "3", expected=row.ck, by=world.gvbm)
    html = client_for(world.gvcn).get(url).content.decode()
    stale = re.search(r'<div class="banner stale" id="results-stale">(.*?)</div>', html, flags=re.S).group(1)
    assert "Điểm của 1 học sinh đã sửa sau lần tổng kết" in stale and student.full_name in stale


# --- closing -----------------------------------------------------------------------------

@pytest.fixture
def inline_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_closing_button_runs_and_the_status_reports_progress(world, inline_tasks,
                                                             django_capture_on_commit_callbacks):
    fill_class(world.cls, terms=(1,))
    principal = client_for(world.hieutruong)
    with django_capture_on_commit_callbacks(execute=True):
        response = principal.post(reverse("gradebook:closing_start"),
                                  {"school": world.cls.school_id, "period": "hk1"})
    assert response.status_code == 302
    run = ClosingRun.objects.get()
    status = principal.get(reverse("gradebook:closing_status"), {"run": run.pk}).json()["runs"][0]
    assert status["finished"] and status["status"] == "done"
    assert status["done"] == status["total"] == run.total > 0
    page = principal.get(response["Location"]).content.decode()
    assert f'data-run="{run.pk}"' in page and "Hoàn thành" in page
    assert f'href="{reverse("org:school_detail", args=[world.cls.school_id])}">Các lớp của trường</a>' in page
    # Another school's principal (none in the demo) and teachers cannot follow it; the Department can.
    assert client_for(world.gvcn).get(reverse("gradebook:closing_status")).status_code == 403
    so = client_for(type(world.gvbm).objects.get(username="so"))
    assert [r["id"] for r in so.get(reverse("gradebook:closing_status")).json()["runs"]] == [run.pk]


def test_the_closing_page_says_how_many_classes_have_closed_each_term(world):
    from hocba.org.models import ClassGroup

    n = ClassGroup.objects.filter(school=world.cls.school, school_year=world.cls.school_year).count()
    url = reverse("gradebook:closing")
    before = client_for(world.hieutruong).get(url).content.decode()
    assert f"Lớp đã khoá sổ: HK I 0/{n} · HK II 0/{n} — lớp chưa khoá sổ được tính từ điểm hiện có" in before
    fill_class(world.cls, terms=(1,))
    finalise_all(world.cls, 1)
    services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    after = client_for(world.hieutruong).get(url).content.decode()
    assert f"HK I 1/{n} · HK II 0/{n}" in after
    city = client_for(type(world.gvbm).objects.get(username="so")).get(url).content.decode()
    total = ClassGroup.objects.filter(school_year=world.cls.school_year).count()
    assert f"HK I 1/{total} · HK II 0/{total}" in city


def test_the_closing_page_says_which_results_exist_and_asks_before_computing_them_again(world, inline_tasks):
    """Results computed elsewhere (the command line, the demo) were not shown: the page said "no closing yet" while
    a re-closing replaced them without a question."""
    from hocba.gradebook.closing import close_classes
    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    url = reverse("gradebook:closing")
    before = client_for(world.hieutruong).get(url).content.decode()
    assert "Chưa có kết quả tổng kết nào" in before and "data-confirm" not in before
    fill_class(world.cls, terms=(1,))
    close_classes(class_ids=[world.cls.pk], period="hk1")
    n = Enrolment.objects.filter(class_group=world.cls, status__in=ACTIVE_STATUSES).count()
    after = client_for(world.hieutruong).get(url).content.decode()
    assert f"Đã có kết quả: Học kì I {n} học sinh — tổng kết lại sẽ tính lại từ sổ điểm hiện tại" in after
    assert (f'data-confirm="Tổng kết {world.cls.school.name} cho kỳ đã chọn? Kết quả đã có của kỳ này được tính '
            "lại từ sổ điểm hiện tại.") in after
    assert "Chưa có lượt tổng kết nào chạy từ trang này" in after  # none was started here
    city = client_for(type(world.gvbm).objects.get(username="so")).get(url).content.decode()
    assert f"Đã có kết quả: Học kì I {n} học sinh" in city


def test_closing_for_the_city_is_the_departments_only(world, inline_tasks):
    refused = client_for(world.hieutruong).post(reverse("gradebook:closing_start"), {"period": "hk1"},
                                                follow=True)
    assert "không có quyền tổng kết" in refused.content.decode()
    assert not ClosingRun.objects.exists()


def test_a_form_field_naming_no_object_is_refused_in_vietnamese_not_a_server_error(world, inline_tasks):
    from hocba.gradebook.models import EditGrant

    principal = client_for(world.hieutruong)
    grant_url = reverse("gradebook:edit_grant", kwargs={"school_id": world.cls.school_id, "term": 2})
    page = principal.post(grant_url, {"class_group": "abc", "subject": world.toan.pk, "days": 3,
                                      "reason": "Bổ sung điểm"}, follow=True)
    assert page.status_code == 200 and "Lớp không hợp lệ: không có mục nào mang mã &#x27;abc&#x27;" in (
        page.content.decode())
    assert not EditGrant.objects.exists()
    closing = principal.post(reverse("gradebook:closing_start"), {"school": "1x", "period": "hk1"}, follow=True)
    assert closing.status_code == 200 and "Trường không hợp lệ" in closing.content.decode()
    assert not ClosingRun.objects.exists()


# --- Excel from the pages ------------------------------------------------------------------

def _exported_with(client, url, value: str, *, row: int = 0) -> bytes:
    """Export the sheet, type ``value`` into TX1 of the ``row``-th student, return the new file."""
    import io

    import openpyxl

    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    header = next(c for r in ws.iter_rows() for c in r if c.value == "TX1")
    ws.cell(row=header.row + 1 + row, column=header.column).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_sheet_goes_to_excel_and_comes_back(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    gvbm = client_for(world.gvbm)
    export = sheet_url(world, "gradebook:sheet_export")
    assert "attachment" in gvbm.get(export)["Content-Disposition"]
    data = _exported_with(gvbm, export, "8,5")
    response = gvbm.post(sheet_url(world, "gradebook:sheet_import"),
                         {"file": SimpleUploadedFile("so-diem.xlsx", data)}, follow=True)
    assert "Đã nhập từ Excel: 1 ô thay đổi" in response.content.decode()
    assert stored(world, "tx1", world.students[0]) == "8.5"
    assert ScoreChange.objects.get(field="tx1").source == "import"


def test_a_bad_excel_file_is_refused_with_each_bad_cell_and_nothing_saved(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    gvbm = client_for(world.gvbm)
    data = _exported_with(gvbm, sheet_url(world, "gradebook:sheet_export"), "12", row=1)
    response = gvbm.post(sheet_url(world, "gradebook:sheet_import"),
                         {"file": SimpleUploadedFile("so-diem.xlsx", data)})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Điểm 12 nằm ngoài thang 0–10." in html and "TX1" in html
    assert not SubjectTermScore.objects.exists()
    # A sheet of another term is not imported into this one.
    other = _exported_with(gvbm, sheet_url(world, "gradebook:sheet_export", term=2), "8")
    wrong = gvbm.post(sheet_url(world, "gradebook:sheet_import"),
                      {"file": SimpleUploadedFile("x.xlsx", other)})
    assert wrong.status_code == 422 and "không phải sổ đang mở" in wrong.content.decode()
    assert not SubjectTermScore.objects.exists()
    # The refusal is shown at the import's address; opening that address again leads back to the grid.
    again = gvbm.get(sheet_url(world, "gradebook:sheet_import"))
    assert again.status_code == 302 and again["Location"] == sheet_url(world)


def test_class_summary_export_for_the_homeroom_teacher(world):
    response = client_for(world.gvcn).get(reverse("gradebook:class_summary_export",
                                                  kwargs={"class_id": world.cls.pk, "term": 1}))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    refused = client_for(world.gvbm).get(reverse("gradebook:class_summary_export",
                                                 kwargs={"class_id": world.cls.pk, "term": 1}))
    assert refused.status_code == 403


def test_grid_page_queries_do_not_grow_with_the_class_or_its_scores(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hocba.org.models import ClassGroup
    from tests.gradebook.gb_world import fill_sheet

    principal = client_for(world.hieutruong)

    def count(cls) -> int:
        url = sheet_url(world, cls=cls)
        principal.get(url)  # warm the per-request caches the same way for each page
        with CaptureQueriesContext(connection) as queries:
            assert principal.get(url).status_code == 200
        return len(queries)

    empty = count(world.cls)
    fill_sheet(world.cls, world.toan, 1)
    full = count(world.cls)
    other = (ClassGroup.objects.filter(school=world.cls.school, school_year=world.cls.school_year,
                                       assignments__subject=world.toan).exclude(pk=world.cls.pk).first())
    assert other is not None
    assert empty == full == count(other)


def test_the_addresses_of_refused_actions_opened_again_lead_back_to_their_page(world):
    """A refusal of Chốt điểm môn or Khoá sổ lớp is shown at the action's address: a reload, a bookmark or a
    link copied from there leads back to the page instead of an empty error."""
    gvbm, gvcn = client_for(world.gvbm), client_for(world.gvcn)
    again = gvbm.get(sheet_url(world, "gradebook:subject_finalise"))
    assert again.status_code == 302 and again["Location"] == sheet_url(world)
    homeroom = reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 1})
    again = gvcn.get(reverse("gradebook:class_close", kwargs={"class_id": world.cls.pk, "term": 1}))
    assert again.status_code == 302 and again["Location"] == homeroom
    again = gvcn.get(reverse("gradebook:homeroom_year_save", kwargs={"class_id": world.cls.pk}))
    assert again.status_code == 302 and again["Location"] == reverse("gradebook:homeroom_year",
                                                                     kwargs={"class_id": world.cls.pk})
    assert not GradebookLock.objects.exists()


def test_locks_page_folds_each_classs_subject_locks_under_one_line(world):
    fill_class(world.cls)
    finalise_all(world.cls, 1)
    services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    subjects = TeachingAssignment.objects.filter(class_group=world.cls).count()
    url = reverse("gradebook:school_locks", kwargs={"school_id": world.cls.school_id, "term": 1})
    html = client_for(world.hieutruong).get(url).content.decode()
    group = re.search(r'<details class="lock-group"><summary>(.*?)</summary>(.*?)</details>', html, flags=re.S)
    assert re.sub(r"<[^>]+>", "", group.group(1)) == (
        f"Lớp {world.cls.name} — đã khoá sổ lớp · {subjects} môn đã chốt")
    assert group.group(2).count(">Mở khoá</button>") == subjects + 1  # each lock still opens on its own


def test_an_import_names_the_cells_it_kept_because_they_changed_on_the_web_since_the_export(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    gvbm = client_for(world.gvbm)
    first, second = sorted(Student.objects.filter(pk__in=world.students), key=lambda s: s.sort_name)[:2]
    data = _exported_with(gvbm, sheet_url(world, "gradebook:sheet_export"), "8,5", row=0)  # the file's work
    assert save(gvbm, sheet_url(world, "gradebook:cell_save"), second.pk, "gk", "2,0").status_code == 200  # the web's
    page = gvbm.post(sheet_url(world, "gradebook:sheet_import"), {"file": SimpleUploadedFile("so-diem.xlsx", data)},
                     follow=True).content.decode()
    assert stored(world, "tx1", first.pk) == "8.5" and stored(world, "gk", second.pk) == "2.0"
    assert '<div class="flash warning">Giữ giá trị mới hơn trên hệ thống cho 1 ô' in page
    assert f"{second.full_name}, GK: giữ 2,0 (trong tệp: (trống))" in page

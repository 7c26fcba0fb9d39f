"""The homeroom teacher's year page (Cả năm): the year comment, summer re-evaluation and re-tests.

A student whose year learning is Chưa đạt is re-tested after the data-entry deadline; the GVCN enters
the result on this page and the class's year closing runs again, so the student's outcome follows.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.core.links import page_link_list
from hocba.gradebook import services
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import HomeroomTermEntry, StudentResult, SubjectTermScore, YearEntry
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student
from tests.gradebook import gb_world
from tests.gradebook.gb_world import active_students, fill_class, finalise_all

clock, world = gb_world.clock, gb_world.world  # fixtures

pytestmark = pytest.mark.django_db

FAILING = {"tx": ["2.0", "3.0", "2.5", "1.0"], "gk": "2.0", "ck": "3.0"}  # ĐTBmcn well below 3,5


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page_url(w, cls=None) -> str:
    return reverse("gradebook:homeroom_year", kwargs={"class_id": (cls or w.cls).pk})


def save_url(w, cls=None) -> str:
    return reverse("gradebook:homeroom_year_save", kwargs={"class_id": (cls or w.cls).pk})


def row_html(html: str, student_id: int) -> str:
    match = re.search(rf'<tr id="hs-{student_id}".*?</tr>', html, flags=re.S)
    assert match, f"no row for student {student_id}"
    return match.group(0)


def closed_year(w, *, failing: list[int] = (), summer: list[int] = ()) -> None:
    """The whole year entered, with Toán and Văn failed by ``failing`` (two subjects: one alone is lifted by
    Điều 9 khoản 3) and conduct HK II Chưa đạt for ``summer``; the year closed (as term II's class close does)."""
    fill_class(w.cls)
    for sid in failing:
        SubjectTermScore.objects.filter(class_group=w.cls, subject__in=[w.toan, w.van], student_id=sid).update(
            **FAILING)
    HomeroomTermEntry.objects.filter(class_group=w.cls, student_id__in=list(summer), term=2).update(
        conduct="Chưa đạt")
    close_classes(class_ids=[w.cls.pk], period="year", by=w.gvcn)


def post_row(client, w, student_id: int, version: int = 0, follow: bool = False, **fields):
    data = {"student": student_id, "version": version, "homeroom_comment": "", "certificates": "",
            "competitions": "", "other_awards": "", **fields}
    return client.post(save_url(w), data, follow=follow)


def outcome(w, student_id: int) -> str:
    return StudentResult.objects.get(class_group=w.cls, student_id=student_id, period="year").outcome


# --- the homeroom teacher enters the year ------------------------------------------------------

def test_gvcn_enters_the_year_comment_and_a_retest_and_the_outcome_follows(world):
    student = world.students[3]
    closed_year(world, failing=[student])
    assert outcome(world, student) == "pending_retest"
    gvcn = client_for(world.gvcn)
    html = gvcn.get(page_url(world)).content.decode()
    row = row_html(html, student)
    assert "Chờ kiểm tra lại" in row and 'name="retest_TOAN"' in row and 'name="summer_conduct"' not in row
    assert "1 học sinh chờ đánh giá lại" in html
    other = row_html(html, world.students[0])  # promoted: no re-evaluation fields
    assert 'name="retest_' not in other and 'name="homeroom_comment"' in other

    done = post_row(gvcn, world, student, homeroom_comment="Em cần cố gắng hơn ở môn Toán.",
                    retests_shown="1", retest_TOAN="6,5", follow=True)
    assert done.status_code == 200
    entry = YearEntry.objects.get(class_group=world.cls, student_id=student)
    assert entry.homeroom_comment == "Em cần cố gắng hơn ở môn Toán." and entry.retests == {"TOAN": "6.5"}
    assert entry.version == 1
    assert outcome(world, student) == "promoted"  # the year closing ran again
    row = row_html(done.content.decode(), student)
    assert "Em cần cố gắng hơn ở môn Toán." in row and 'value="6,5"' in row
    assert re.search(r'data-outcome="promoted">[^<]*\(sau đánh giá lại\)', row)
    assert re.search(r'Chưa đạt → <b title="Sau kiểm tra lại">(Đạt|Khá|Tốt)</b>', row)  # learning after the re-test
    assert "Đã lưu thông tin cả năm của" in done.content.decode()

    # A failed re-test: the student stays in the class.
    post_row(gvcn, world, student, version=1, homeroom_comment=entry.homeroom_comment, retests_shown="1",
             retest_TOAN="3")
    assert outcome(world, student) == "retained"
    row = row_html(gvcn.get(page_url(world)).content.decode(), student)
    assert 'data-outcome="retained">Ở lại lớp (sau đánh giá lại)' in row
    assert 'Chưa đạt → <b title="Sau kiểm tra lại">Chưa đạt</b>' in row


def test_summer_conduct_is_asked_only_of_conduct_chua_dat_and_decides_promotion(world):
    student = world.students[1]
    closed_year(world, summer=[student])
    assert outcome(world, student) == "pending_summer"
    gvcn = client_for(world.gvcn)
    row = row_html(gvcn.get(page_url(world)).content.decode(), student)
    assert 'name="summer_conduct"' in row and "Chờ rèn luyện hè" in row and 'name="retest_' not in row
    assert post_row(gvcn, world, student, summer_conduct="Đạt").status_code == 302
    assert outcome(world, student) == "promoted"
    assert YearEntry.objects.get(class_group=world.cls, student_id=student).summer_conduct == "Đạt"


def test_a_stale_save_is_refused_showing_the_newer_value(world):
    student = world.students[2]
    gvcn = client_for(world.gvcn)
    assert post_row(gvcn, world, student, version=0, homeroom_comment="Chăm ngoan, học tốt.").status_code == 302
    # A second tab still shows version 0.
    stale = post_row(gvcn, world, student, version=0, homeroom_comment="Cần cố gắng.")
    html = stale.content.decode()
    assert stale.status_code == 409
    refusal = re.search(r'<div class="banner refusal".*?</div>', html, flags=re.S).group(0)
    assert "vừa được người khác sửa" in refusal and "Chăm ngoan, học tốt." in refusal
    assert YearEntry.objects.get(class_group=world.cls, student_id=student).homeroom_comment == "Chăm ngoan, học tốt."
    assert 'name="version" value="1"' in row_html(html, student)  # the row now carries the newer version


def test_a_stale_save_keeps_the_typed_comment_and_the_next_save_goes_through(world):
    student = world.students[2]
    gvcn = client_for(world.gvcn)
    assert post_row(gvcn, world, student, version=0, homeroom_comment="Chăm ngoan, học tốt.").status_code == 302
    typed = ("Em tiến bộ rõ ở học kì II, tích cực phát biểu và giúp đỡ bạn bè; cần rèn thêm chữ viết và "
             "đọc thêm sách ngoài giờ để mở rộng vốn từ. " * 3).strip()
    stale = post_row(gvcn, world, student, version=0, homeroom_comment=typed)  # a second tab, still at version 0
    html = stale.content.decode()
    assert stale.status_code == 409
    refusal = re.search(r'<div class="banner refusal".*?</div>', html, flags=re.S).group(0)
    assert "Chăm ngoan, học tốt." in refusal  # the newer value, to be seen
    row = row_html(html, student)
    assert re.search(r'<textarea name="homeroom_comment"[^>]*>' + re.escape(typed) + "</textarea>", row)
    assert 'name="version" value="1"' in row  # the fresh version: saving again after seeing goes through
    assert post_row(gvcn, world, student, version=1, homeroom_comment=typed).status_code == 302
    assert YearEntry.objects.get(class_group=world.cls, student_id=student).homeroom_comment == typed


def test_a_bad_retest_value_is_refused_in_vietnamese_naming_the_student_and_nothing_is_saved(world):
    student = world.students[4]
    closed_year(world, failing=[student])
    name = Student.objects.get(pk=student).full_name
    bad = post_row(client_for(world.gvcn), world, student, homeroom_comment="Nhận xét mới",
                   retests_shown="1", retest_TOAN="11")
    html = bad.content.decode()
    assert bad.status_code == 422
    refusal = re.search(r'<div class="banner refusal".*?</div>', html, flags=re.S).group(0)
    assert name in refusal and "Kiểm tra lại môn Toán" in refusal and "ngoài thang 0–10" in refusal
    assert not YearEntry.objects.filter(class_group=world.cls, student_id=student).exists()  # no half-write
    assert outcome(world, student) == "pending_retest"
    row = row_html(html, student)
    assert 'value="11"' in row and "Nhận xét mới" in row  # what was typed stays, to be corrected


def test_the_service_keeps_its_old_callers_and_checks_the_version_when_given(world):
    student = world.students[0]
    entry = services.year_entry_update(class_group=world.cls, student_id=student,
                                       changes={"certificates": "IELTS 6.5"}, by=world.gvcn)
    assert entry.version == 1
    from hocba.core.errors import DomainError, StaleWriteError

    with pytest.raises(StaleWriteError) as stale:
        services.year_entry_update(class_group=world.cls, student_id=student, changes={"certificates": "TOEIC"},
                                   by=world.gvcn, expected_version=0)
    assert stale.value.errors == {"Chứng chỉ": ["IELTS 6.5"]}
    outsider = next(s for s in Student.objects.order_by("pk").values_list("pk", flat=True)
                    if s not in world.students)
    with pytest.raises(DomainError, match="không thuộc lớp này"):
        services.year_entry_update(class_group=world.cls, student_id=outsider, changes={"certificates": "x"},
                                   by=world.gvcn)


# --- who -------------------------------------------------------------------------------------

def _other_class_gvcn(w):
    other = (ClassGroup.objects.filter(school=w.cls.school, school_year=w.cls.school_year)
             .exclude(pk=w.cls.pk).select_related("homeroom_teacher").first())
    assert other is not None and other.homeroom_teacher is not None
    if other.homeroom_teacher.user is None:
        other.homeroom_teacher.user = get_user_model().objects.create_user(username="gvcn_khac", password="x-pass")
        other.homeroom_teacher.save(update_fields=["user"])
    return other.homeroom_teacher.user


def test_a_subject_teacher_and_another_classs_homeroom_teacher_are_refused(world):
    student = world.students[0]
    for outsider in (world.gvbm, _other_class_gvcn(world)):
        client = client_for(outsider)
        refused = post_row(client, world, student, homeroom_comment="Không được lưu")
        assert refused.status_code == 403
        assert client.get(page_url(world)).status_code == 403
    assert not YearEntry.objects.filter(class_group=world.cls, student_id=student).exists()


def test_the_principal_sees_the_year_page_read_only(world):
    student = world.students[3]
    closed_year(world, failing=[student])
    services.year_entry_update(class_group=world.cls, student_id=student, by=world.gvcn,
                               changes={"homeroom_comment": "Tiến bộ rõ trong học kì II."})
    response = client_for(world.hieutruong).get(page_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bạn chỉ được xem; giáo viên chủ nhiệm nhập mục này." in html
    assert "<textarea" not in html and "<form id=" not in html and 'name="retest_' not in html
    row = row_html(html, student)
    assert "Tiến bộ rõ trong học kì II." in row and "Kiểm tra lại Toán" in row and "chưa có" in row
    assert post_row(client_for(world.hieutruong), world, student).status_code == 403


# --- when ------------------------------------------------------------------------------------

def test_before_the_year_is_closed_the_page_says_so_and_still_takes_the_comment(world):
    gvcn = client_for(world.gvcn)
    html = gvcn.get(page_url(world)).content.decode()
    assert 'id="year-not-closed"' in html and "Lớp chưa tổng kết cả năm" in html
    assert 'name="retest_' not in html and 'name="summer_conduct"' not in html
    student = world.students[5]
    assert post_row(gvcn, world, student, homeroom_comment="Ngoan").status_code == 302
    assert YearEntry.objects.get(class_group=world.cls, student_id=student).homeroom_comment == "Ngoan"


def test_year_facts_stay_editable_after_the_deadline_and_the_locks(world, clock):
    fill_class(world.cls)
    for term in (1, 2):
        finalise_all(world.cls, term)
        services.class_term_close(class_group=world.cls, term=term, by=world.gvcn)
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=2,
                              by=world.hieutruong, open_classes_confirmed=True)
    clock.move_to(dt.datetime(2026, 7, 20, 9, 0, tzinfo=gb_world.HANOI))  # summer: long past 20/5
    assert post_row(client_for(world.gvcn), world, world.students[0], homeroom_comment="Sau hè").status_code == 302
    assert YearEntry.objects.get(class_group=world.cls, student_id=world.students[0]).homeroom_comment == "Sau hè"


def test_an_award_added_after_the_record_was_composed_makes_the_record_out_of_date_not_changed(world, clock):
    """A competition result that arrives in June: the signed học bạ stays as signed; the class's records page
    says the record must be composed again (a new version, signed again), and composing puts the award in."""
    from hocba.records.models import RecordStatus, RecordVersion, YearRecord
    from hocba.records.services import compose_class

    closed_year(world)
    compose_class(class_group=world.cls, by=world.gvcn)
    student = world.students[0]
    record = YearRecord.objects.get(class_group=world.cls, student_id=student)
    first = record.current_version
    RecordVersion.objects.filter(pk=first.pk).update(status=RecordStatus.SEALED)  # signed by 31/5
    gvcn = client_for(world.gvcn)
    records_url = reverse("records:class_records", kwargs={"class_id": world.cls.pk})
    assert "Thông tin cả năm của GVCN" not in gvcn.get(records_url).content.decode()
    clock.move_to(dt.datetime(2026, 6, 10, 9, 0, tzinfo=gb_world.HANOI))
    gvcn = client_for(world.gvcn)  # a new day, a new session
    saved = post_row(gvcn, world, student, other_awards="Giải Nhì Olympic Toán cấp thành phố", follow=True)
    assert "Đã lưu thông tin cả năm" in saved.content.decode()
    first.refresh_from_db()
    assert first.status == RecordStatus.SEALED and "Giải Nhì Olympic" not in str(first.document)  # as signed
    page = gvcn.get(records_url).content.decode()
    assert page.count("Thông tin cả năm của GVCN (nhận xét, khen thưởng, chứng chỉ…) đã sửa sau khi lập học bạ") == 1
    compose_class(class_group=world.cls, by=world.gvcn)
    record.refresh_from_db()
    new = record.current_version
    assert new.number == 2 and "Giải Nhì Olympic Toán cấp thành phố" in new.document["awards"]
    [correction] = new.document["corrections"]
    assert (correction["field"], correction["new"]) == ("Khen thưởng", "Giải Nhì Olympic Toán cấp thành phố")
    assert correction["by"] == world.cls.homeroom_teacher.full_name and "chủ nhiệm" in correction["reason"]
    assert "Thông tin cả năm của GVCN" not in gvcn.get(records_url).content.decode()


def test_a_signed_students_row_asks_before_saving(world):
    from hocba.records.models import RecordStatus, RecordVersion

    closed_year(world)
    from hocba.records.services import compose_class

    compose_class(class_group=world.cls, by=world.gvcn)
    signed = world.students[1]
    RecordVersion.objects.filter(year_record__student_id=signed).update(status=RecordStatus.SEALED)
    row = row_html(client_for(world.gvcn).get(page_url(world)).content.decode(), signed)
    assert "Học bạ đã ký" in row and "<textarea" in row
    assert "đã ký. Lưu thay đổi thì học bạ phải lập lại (phiên bản mới) và ký lại từ đầu" in row


# --- the term pages and links ----------------------------------------------------------------

def test_the_term_page_links_the_year_asks_before_closing_and_shows_the_principals_grant(world, clock):
    url = reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 2})
    html = client_for(world.gvcn).get(url).content.decode()
    assert f'href="{page_url(world)}">Cả năm</a>' in html
    form = re.search(r'<form[^>]*class_close[^>]*>|<form[^>]*khoa-so/"[^>]*>', html, flags=re.S).group(0)
    assert f'data-confirm="Khoá sổ lớp {world.cls.name}, Học kì II? Sau khi khoá, chỉ Hiệu trưởng mở lại được."' in form
    assert 'id="grant-notice"' not in html
    clock.move_to(dt.datetime(2026, 5, 25, 9, 0, tzinfo=dt.UTC))
    services.edit_grant_create(school=world.cls.school, class_group=world.cls, subject=None,
                               reason="Bổ sung số buổi nghỉ", days=3, by=world.hieutruong)
    html = client_for(world.gvcn).get(url).content.decode()
    notice = re.search(r'<div class="banner granted" id="grant-notice">(.*?)</div>', html, flags=re.S).group(1)
    assert "Hiệu trưởng cho phép sửa đến 16:00 28/05/2026. Lý do: Bổ sung số buổi nghỉ" in notice
    assert 'id="readonly-reason"' not in html


def test_the_class_page_links_offer_the_year_page(world):
    labels = {link.label: link.url for link in page_link_list(user=world.gvcn, kind="class", obj=world.cls)}
    assert labels["Sổ điểm cả năm"] == page_url(world)
    assert "Sổ điểm cả năm" not in {link.label for link in page_link_list(user=world.gvbm, kind="class",
                                                                          obj=world.cls)}



def test_the_homeroom_teachers_gradebook_list_leads_to_the_year_page(world):
    html = client_for(world.gvcn).get(reverse("gradebook:my_sheets")).content.decode()
    assert f'href="{page_url(world)}">Cả năm</a>' in html


# --- cost ------------------------------------------------------------------------------------

def test_the_page_renders_in_a_constant_number_of_queries_for_a_45_student_class(world,
                                                                                django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gvcn = client_for(world.gvcn)

    def count() -> int:
        gvcn.get(page_url(world))  # warm the per-request caches the same way each time
        with CaptureQueriesContext(connection) as queries:
            assert gvcn.get(page_url(world)).status_code == 200
        return len(queries)

    closed_year(world, failing=world.students[:2], summer=world.students[2:3])
    small = count()
    # Bring the class to 45 students (moved from the school's other classes), every one with a result
    # and a year entry.
    need = 45 - len(world.students)
    movers = list(Enrolment.objects.filter(class_group__school=world.cls.school, status__in=ACTIVE_STATUSES,
                                           class_group__school_year=world.cls.school_year)
                  .exclude(class_group=world.cls).values_list("pk", flat=True)[:need])
    Enrolment.objects.filter(pk__in=movers).update(class_group=world.cls)
    assert len(active_students(world.cls)) == 45
    SubjectTermScore.objects.filter(class_group=world.cls).delete()
    HomeroomTermEntry.objects.filter(class_group=world.cls).delete()
    world.students = active_students(world.cls)
    closed_year(world, failing=world.students[:5], summer=world.students[5:8])
    YearEntry.objects.bulk_create([YearEntry(class_group=world.cls, student_id=sid, homeroom_comment="Ngoan")
                                   for sid in world.students], ignore_conflicts=True)
    assert count() == small
    with django_assert_max_num_queries(small):
        html = gvcn.get(page_url(world)).content.decode()
    assert html.count('<tr id="hs-') == 45 and html.count('name="retest_TOAN"') == 5


def test_the_pages_retest_subjects_follow_the_engines_own_threshold(monkeypatch):
    from hocba.assessment import tt22
    from hocba.gradebook.year_selectors import _is_candidate

    assert _is_candidate("score", 4.9) and not _is_candidate("score", 5.0)
    assert _is_candidate("comment", "CĐ") and not _is_candidate("comment", "Đ")
    monkeypatch.setattr(tt22, "RETEST_BELOW", 60)  # the engine's constant, not a copy of it
    assert _is_candidate("score", 5.9) and not _is_candidate("score", 6.0)

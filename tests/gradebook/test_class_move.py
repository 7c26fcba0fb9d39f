"""Chuyển lớp trong trường: a student moves to another class of the school with their marks, conduct, absences and
year facts; every refusal names what blocks and changes nothing; only the school board and the principal move; a
cell saved around the move is never lost nor left behind in the old class."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.core.errors import DomainError, PermissionDeniedError, StaleWriteError
from hocba.core.models import AuditEntry, RoleAssignment
from hocba.gradebook import services
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import (
    ClosingRun,
    Exemption,
    GradebookLock,
    HomeroomTermEntry,
    LockLevel,
    ScoreChange,
    Source,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.gradebook.selectors import class_term_missing, sheet_get
from hocba.org.models import ClassGroup, SchoolYear, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Student, Teacher
from tests.gradebook import gb_world
from tests.gradebook.gb_world import HANOI, active_students, fill_class, finalise_all, teacher_user, user

clock, world = gb_world.clock, gb_world.world  # fixtures

pytestmark = pytest.mark.django_db


def sibling(cls: ClassGroup, name: str = "9Z", *, without: tuple[str, ...] = ()) -> ClassGroup:
    """A second class of the school, year and grade (the test city has one per grade), teaching the same subjects
    (but ``without``) by the same teachers, with a homeroom teacher of its own."""
    free = (Teacher.objects.filter(school=cls.school, homeroom_classes__isnull=True)
            .exclude(pk=cls.homeroom_teacher_id).order_by("pk").first())
    other = ClassGroup.objects.create(school=cls.school, school_year=cls.school_year, grade=cls.grade, name=name,
                                      homeroom_teacher=free)
    TeachingAssignment.objects.bulk_create(
        [TeachingAssignment(class_group=other, subject=ta.subject, teacher=ta.teacher)
         for ta in TeachingAssignment.objects.filter(class_group=cls).select_related("subject")
         if ta.subject.code not in without])
    return other


@pytest.fixture
def target(world) -> ClassGroup:
    return sibling(world.cls)


def move(w, to, *, student=None, by=None, reason="Xếp nhầm lớp khi tiếp nhận", **extra):
    return services.student_class_move(student=Student.objects.get(pk=student or w.students[0]), to_class=to,
                                       by=by or w.hieutruong, reason=reason, **extra)


def save(w, field, raw, expected=None, *, student=None, cls=None, subject=None, by=None, term=1):
    return services.score_update(class_group=cls or w.cls, subject=subject or w.toan,
                                 student_id=student or w.students[0], term=term, field=field, raw=raw,
                                 expected=expected, by=by or w.gvbm)


def class_of(student_id: int) -> int:
    return Enrolment.objects.get(student_id=student_id, status__in=ACTIVE_STATUSES).class_group_id


def rows_of(student_id: int) -> dict[str, set[int]]:
    """Which classes hold the student's gradebook rows, per table."""
    return {"scores": set(SubjectTermScore.objects.filter(student_id=student_id).values_list("class_group_id",
                                                                                             flat=True)),
            "homeroom": set(HomeroomTermEntry.objects.filter(student_id=student_id).values_list("class_group_id",
                                                                                                flat=True)),
            "years": set(YearEntry.objects.filter(student_id=student_id).values_list("class_group_id", flat=True))}


def client_for(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


def some_marks(w, student=None):
    """Toán TX1 and GK of term I by its teacher, conduct and absences by the homeroom teacher, a year comment."""
    sid = student or w.students[0]
    save(w, "tx1", "7", student=sid)
    save(w, "tx1", "7,5", expected="7", student=sid)  # a history of two entries
    save(w, "gk", "8", student=sid)
    services.homeroom_update(class_group=w.cls, student_id=sid, term=1, field="conduct", raw="Khá", expected="",
                             by=w.gvcn)
    services.homeroom_update(class_group=w.cls, student_id=sid, term=1, field="absent_excused", raw="2",
                             expected="0", by=w.gvcn)
    services.year_entry_update(class_group=w.cls, student_id=sid, changes={"homeroom_comment": "Chăm ngoan"},
                               by=w.gvcn)


def assert_unchanged(w, before_rows, *, student=None):
    sid = student or w.students[0]
    assert class_of(sid) == w.cls.pk
    assert rows_of(sid) == before_rows
    assert not ScoreChange.objects.filter(source=Source.SYSTEM, row__student_id=sid).exists()
    assert not AuditEntry.objects.filter(action="gradebook:student:move").exists()


# --- the move ------------------------------------------------------------------------------------------------------

def test_a_move_carries_marks_conduct_absences_and_year_facts_to_the_new_class(world, target):
    sid = world.students[0]
    some_marks(world)
    Exemption.objects.create(student_id=sid, subject=world.gdtc, school_year=world.cls.school_year,
                             reason="Giấy chứng nhận của bệnh viện")
    done = move(world, target)

    assert (done.source, done.target, done.scores, done.homeroom, done.years) == (world.cls, target, 1, 1, 1)
    assert class_of(sid) == target.pk
    assert rows_of(sid) == {"scores": {target.pk}, "homeroom": {target.pk}, "years": {target.pk}}
    assert Exemption.objects.filter(student_id=sid).count() == 1  # per student and year: untouched
    # The new class's grid lists the student with the marks; the old one no longer lists them.
    new_sheet = sheet_get(class_group=target, subject=world.toan, term=1)
    row = next(r for r in new_sheet.rows if r.student_id == sid)
    assert (row.cells["tx1"], row.cells["gk"]) == ("7.5", "8.0")
    assert sid not in [r.student_id for r in sheet_get(class_group=world.cls, subject=world.toan, term=1).rows]
    entry = HomeroomTermEntry.objects.get(student_id=sid, term=1)
    assert (entry.class_group_id, entry.conduct, entry.absent_excused) == (target.pk, "Khá", 2)
    assert YearEntry.objects.get(student_id=sid).homeroom_comment == "Chăm ngoan"
    # The history stays with the cells, and each moved cell says where it came from (old = new, by the mover).
    tx1 = list(ScoreChange.objects.filter(row__class_group=target, row__student_id=sid, field="tx1").order_by("id"))
    assert [(c.old, c.new) for c in tx1] == [(None, "7.0"), ("7.0", "7.5"), ("7.5", "7.5")]
    assert tx1[-1].source == Source.SYSTEM and tx1[-1].by == world.hieutruong
    assert tx1[-1].note == f"Chuyển từ lớp {world.cls.name} sang lớp {target.name}. Lý do: Xếp nhầm lớp khi tiếp nhận"
    assert set(ScoreChange.objects.filter(note__startswith="Chuyển").values_list("field", flat=True)) == {"tx1", "gk"}
    audit = AuditEntry.objects.get(action="gradebook:student:move")
    assert (audit.object_type, audit.object_id, audit.school_id) == ("student", str(sid), world.cls.school_id)
    assert audit.before == {"class": world.cls.name}
    assert audit.after == {"class": target.name, "reason": "Xếp nhầm lớp khi tiếp nhận", "score_rows": 1,
                           "homeroom_rows": 1, "year_rows": 1, "history_rows": 2}


def test_the_teachers_of_the_new_class_see_the_student_and_the_cell_history_says_where_the_marks_came_from(
        world, target):
    sid = world.students[0]
    some_marks(world)
    name = Student.objects.get(pk=sid).full_name
    move(world, target)
    teacher = client_for(world.gvbm)  # teaches Toán in both classes
    new_grid = teacher.get(reverse("gradebook:sheet", args=[target.pk, world.toan.pk, 1])).content.decode()
    old_grid = teacher.get(reverse("gradebook:sheet", args=[world.cls.pk, world.toan.pk, 1])).content.decode()
    assert name in new_grid and 'value="7,5"' in new_grid
    assert name not in old_grid
    history = teacher.get(reverse("gradebook:cell_history", args=[target.pk, world.toan.pk, 1, sid, "tx1"]))
    page = history.content.decode()
    assert f"Chuyển từ lớp {world.cls.name} sang lớp {target.name}" in page and "Xếp nhầm lớp" in page
    # A cell saved in the new class after the move carries on from the moved value.
    assert save(world, "tx1", "9", expected="7,5", cls=target).value == "9.0"


def test_the_new_class_closing_computes_the_moved_students_results(world, target):
    fill_class(world.cls, terms=(1,))
    fill_class(target, terms=(1,))  # the target's own students (the moved one is not there yet)
    sid = world.students[0]
    toan = SubjectTermScore.objects.get(class_group=world.cls, student_id=sid, subject=world.toan, term=1)
    move(world, target)
    finalise_all(target, 1)
    assert class_term_missing(class_group=target, term=1) == {}  # the moved student's marks and conduct are there
    report = close_classes(class_ids=[target.pk], period="hk1")
    assert report.failed == 0
    result = StudentResult.objects.get(class_group=target, student_id=sid, period="hk1")
    toan_in = next(s for s in result.inputs["subjects"] if s["name"] == "Toán")
    assert [str(v) for v in toan_in["hk1"]["tx"]] == toan.tx and str(toan_in["hk1"]["ck"]) == toan.ck
    assert result.learning and result.conduct == "Tốt" and result.error == ""
    close_classes(class_ids=[world.cls.pk], period="hk1")
    assert not StudentResult.objects.filter(class_group=world.cls, student_id=sid).exists()


def test_an_empty_row_of_a_subject_the_new_class_does_not_teach_moves_along_without_refusing(world):
    target = sibling(world.cls, without=("TOAN",))
    save(world, "tx1", "7")
    save(world, "tx1", "", expected="7")  # cleared again: the row holds nothing
    move(world, target)
    assert rows_of(world.students[0])["scores"] == {target.pk}


# --- refusals ------------------------------------------------------------------------------------------------------

def refused(w, to, *, student=None, **extra) -> DomainError:
    sid = student or w.students[0]
    before = rows_of(sid)
    with pytest.raises(DomainError) as exc:
        move(w, to, student=sid, **extra)
    assert_unchanged(w, before, student=sid)
    return exc.value


def test_a_class_of_another_school_year_or_grade_or_the_same_class_is_refused(world, city):
    some_marks(world)
    other_school = ClassGroup.objects.filter(school_year=world.cls.school_year, grade=world.cls.grade).exclude(
        school=world.cls.school).first()
    if other_school is None:  # the test city's other schools may teach other grades
        other_school = ClassGroup.objects.filter(school_year=world.cls.school_year).exclude(
            school=world.cls.school).first()
    assert "không phải trường của học sinh" in refused(world, other_school).message
    old_year = SchoolYear.objects.create(name="2024-2025", start_date=dt.date(2024, 9, 5),
                                         end_date=dt.date(2025, 5, 31))
    last_year = ClassGroup.objects.create(school=world.cls.school, school_year=old_year, grade=world.cls.grade,
                                          name=world.cls.name)
    assert "chỉ chuyển được sang lớp của cùng năm học" in refused(world, last_year).message
    other_grade = ClassGroup.objects.filter(school=world.cls.school, school_year=world.cls.school_year).exclude(
        grade=world.cls.grade).first()
    message = refused(world, other_grade).message
    assert f"Lớp {other_grade.name} là lớp khối {other_grade.grade}" in message and "cùng khối" in message
    assert f"đang học lớp {world.cls.name} rồi" in refused(world, world.cls).message


def test_a_reason_is_required(world, target):
    exc = refused(world, target, reason=" ab ")
    assert exc.message == "Cần ghi rõ lý do chuyển lớp." and "Lý do" in exc.errors


def test_results_of_the_year_refuse_the_move_naming_the_period_and_class(world, target):
    fill_class(world.cls, terms=(1,))
    close_classes(class_ids=[world.cls.pk], period="hk1")
    exc = refused(world, target)
    assert exc.message.startswith("Chưa chuyển được") and "chưa thay đổi gì" in exc.message
    assert exc.errors["Đã tổng kết"] == [f"học sinh đã có kết quả Học kì I (lớp {world.cls.name}). Kết quả đã tính "
                                         "gắn với lớp đó, nên chỉ chuyển lớp được trước khi tổng kết."]


def test_a_hoc_ba_of_the_year_refuses_the_move(world, target):
    from hocba.records.models import YearRecord

    YearRecord.objects.create(student_id=world.students[0], school_year=world.cls.school_year,
                              school=world.cls.school, class_group=world.cls, level="THCS", grade=world.cls.grade)
    exc = refused(world, target)
    assert list(exc.errors) == ["Đã lập học bạ"]
    assert f"lớp {world.cls.name}" in exc.errors["Đã lập học bạ"][0]


def test_a_running_closing_of_the_school_refuses_the_move(world, target):
    ClosingRun.objects.create(school_year=world.cls.school_year, school=world.cls.school, period="hk1",
                              started_by=world.hieutruong, status=ClosingRun.Status.RUNNING,
                              created_at=gb_world.SCHOOL_DAY, progress_at=gb_world.SCHOOL_DAY)
    assert "Đang tổng kết" in refused(world, target).errors


@pytest.mark.parametrize("where", ["source", "target"])
def test_a_finalised_subject_in_either_class_refuses_the_move_for_a_term_with_rows(world, target, where):
    some_marks(world)
    cls = world.cls if where == "source" else target
    GradebookLock.objects.create(
        school_year=cls.school_year, term=1, level=LockLevel.SUBJECT, school=cls.school, class_group=cls,
        subject=world.toan, locked_at=gb_world.SCHOOL_DAY,
        key=GradebookLock.make_key(year_id=cls.school_year_id, term=1, school_id=cls.school_id, class_id=cls.pk,
                                   subject_id=world.toan.pk))
    exc = refused(world, target)
    key = f"Sổ điểm lớp {cls.name} đang khoá"
    assert exc.errors[key][0].startswith("Học kì I: giáo viên bộ môn đã chốt điểm môn Toán")
    assert "Hiệu trưởng mở khoá" in exc.errors[key][-1]


def test_a_lock_of_a_term_without_rows_of_the_student_does_not_refuse(world, target):
    some_marks(world)  # term I only
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=2,
                              by=world.hieutruong, open_classes_confirmed=True)
    move(world, target)
    assert class_of(world.students[0]) == target.pk


def test_a_closed_class_and_a_locked_school_refuse_the_move(world, target):
    some_marks(world)
    GradebookLock.objects.create(
        school_year=target.school_year, term=1, level=LockLevel.CLASS, school=target.school, class_group=target,
        locked_at=gb_world.SCHOOL_DAY, key=GradebookLock.make_key(year_id=target.school_year_id, term=1,
                                                                  school_id=target.school_id, class_id=target.pk,
                                                                  subject_id=None))
    exc = refused(world, target)
    assert exc.errors[f"Sổ điểm lớp {target.name} đang khoá"][0].startswith(
        "Học kì I: giáo viên chủ nhiệm đã khoá sổ lớp")
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                              by=world.hieutruong, open_classes_confirmed=True)
    exc = refused(world, target)
    assert exc.errors["Khoá sổ toàn trường"] == ["Học kì I (muốn chuyển lớp, Hiệu trưởng mở khoá, kèm lý do)."]


def test_after_the_data_entry_deadline_the_move_needs_the_principals_grant(world, target, clock):
    some_marks(world)
    clock.move_to(dt.datetime(2026, 5, 21, 8, 0, tzinfo=HANOI))
    exc = refused(world, target)
    late = "đã quá hạn nhập dữ liệu (20/05/2026) mà Hiệu trưởng chưa cho phép sửa sau hạn"
    assert exc.errors[f"Sổ điểm lớp {world.cls.name} đang khoá"][0].startswith(late + " (muốn chuyển lớp")
    assert f"Sổ điểm lớp {target.name} đang khoá" in exc.errors
    # A permission for Toán only: the homeroom entry still needs one, and is named.
    services.edit_grant_create(school=world.cls.school, class_group=None, subject=world.toan, reason="Chuyển lớp",
                               days=2, by=world.hieutruong)
    exc = refused(world, target)
    assert exc.errors[f"Sổ điểm lớp {world.cls.name} đang khoá"][0].startswith(late + ": rèn luyện, chuyên cần (")
    services.edit_grant_create(school=world.cls.school, class_group=None, subject=None, reason="Chuyển lớp muộn",
                               days=2, by=world.hieutruong)
    move(world, target)
    assert class_of(world.students[0]) == target.pk


def test_marks_in_a_subject_the_new_class_does_not_teach_refuse_the_move_naming_it(world):
    target = sibling(world.cls, without=("TOAN", "GDTC"))
    some_marks(world)
    services.score_update(class_group=world.cls, subject=world.gdtc, student_id=world.students[0], term=1,
                          field="gk", raw="Đ", expected=None, by=teacher_user(world.cls, "GDTC"))
    exc = refused(world, target)
    message = exc.errors[f"Lớp {target.name} không học"][0]
    assert message.startswith("Giáo dục thể chất, Toán: học sinh đã có điểm ở lớp")
    assert "Giáo viên chủ nhiệm cần quyết định trước" in message


def test_rows_of_the_student_already_in_the_new_class_are_never_overwritten(world, target):
    some_marks(world)
    HomeroomTermEntry.objects.create(class_group=target, student_id=world.students[0], term=1, conduct="Tốt")
    before = set(HomeroomTermEntry.objects.filter(student_id=world.students[0]).values_list("class_group_id",
                                                                                            flat=True))
    with pytest.raises(DomainError) as exc:
        move(world, target)
    assert exc.value.errors[f"Lớp {target.name} đã có dữ liệu của học sinh"][0].startswith("rèn luyện, chuyên cần "
                                                                                           "Học kì I")
    assert set(HomeroomTermEntry.objects.filter(student_id=world.students[0]).values_list(
        "class_group_id", flat=True)) == before
    assert class_of(world.students[0]) == world.cls.pk


def test_every_reason_is_named_at_once(world):
    target = sibling(world.cls, without=("TOAN",))
    some_marks(world)
    close_classes(class_ids=[world.cls.pk], period="hk1")
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                              by=world.hieutruong, open_classes_confirmed=True)
    exc = refused(world, target)
    assert set(exc.errors) == {"Đã tổng kết", "Khoá sổ toàn trường", f"Lớp {target.name} không học"}


def test_a_move_made_meanwhile_by_someone_else_is_refused_as_stale(world, target):
    third = sibling(world.cls, name="9Y")
    move(world, target)
    with pytest.raises(StaleWriteError) as exc:
        move(world, third, from_class=world.cls, by=user("bgh"))
    assert f"vừa được chuyển sang lớp {target.name}" in exc.value.message
    assert class_of(world.students[0]) == target.pk


# --- who moves -----------------------------------------------------------------------------------------------------

@pytest.fixture
def other_board(world):
    """The record board of another school of the city."""
    other = ClassGroup.objects.exclude(school=world.cls.school).first().school
    u = get_user_model().objects.create_user(username="bgh_khac", password="x-test-pass")
    RoleAssignment.objects.create(user=u, role="school_admin", school=other)
    return u


@pytest.mark.parametrize("username", ["gvcn", "gvbm", "so", "xa", "phohieutruong", "hocsinh", "bgh_khac"])
def test_only_the_school_board_and_the_principal_of_the_school_move(world, target, other_board, username):
    before = rows_of(world.students[0])
    with pytest.raises(PermissionDeniedError):
        move(world, target, by=user(username))
    assert_unchanged(world, before)
    page = reverse("gradebook:student_move", args=[world.students[0]])
    assert client_for(user(username)).get(page).status_code == 403
    response = client_for(user(username)).post(page, {"to_class": target.pk, "reason": "Xếp nhầm lớp"})
    assert response.status_code == 403
    assert_unchanged(world, before)


@pytest.mark.parametrize("username", ["bgh", "hieutruong"])
def test_the_school_board_and_the_principal_move(world, target, username):
    move(world, target, by=user(username))
    assert class_of(world.students[0]) == target.pk


# --- the page ------------------------------------------------------------------------------------------------------

def test_the_student_page_links_to_the_move_for_the_board_only(world, target):
    student = world.students[0]
    link = f'<a class="button" href="{reverse("gradebook:student_move", args=[student])}">Chuyển lớp</a>'
    for username in ("bgh", "hieutruong"):
        assert link in client_for(user(username)).get(reverse("people:student_detail", args=[student])).content.decode()
    for username in ("phohieutruong", "gvcn", "gvbm", "so", "xa"):
        response = client_for(user(username)).get(reverse("people:student_detail", args=[student]))
        assert "Chuyển lớp" not in response.content.decode()


def test_the_page_shows_the_class_what_moves_and_the_classes_to_choose(world, target):
    some_marks(world)
    blocked = sibling(world.cls, name="9Y", without=("TOAN",))
    page = client_for(world.hieutruong).get(reverse("gradebook:student_move", args=[world.students[0]]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<b>{world.cls.name}</b> · GVCN: {world.cls.homeroom_teacher.full_name} · {len(world.students)} học sinh" \
        in html
    assert "<th scope=\"row\">Học kì I</th><td>1</td><td>2</td><td>Khá</td>" in html  # Toán, TX1 + GK; conduct
    assert f"<b>{target.name}</b> · GVCN: {target.homeroom_teacher.full_name} · 0 học sinh" in html
    assert f'value="{target.pk}" id="lop-{target.pk}" required>' in html
    assert f'value="{blocked.pk}" id="lop-{blocked.pk}" required disabled>' in html
    assert f"Lớp {blocked.name} không học" in html
    assert "data-confirm=" in html and 'name="reason"' in html


def test_moving_from_the_page_goes_back_to_the_student_naming_both_classes(world, target):
    some_marks(world)
    sid = world.students[0]
    name = Student.objects.get(pk=sid).full_name
    url = reverse("gradebook:student_move", args=[sid])
    response = client_for(world.hieutruong).post(url, {"to_class": target.pk, "from_class": world.cls.pk,
                                                      "reason": "Xếp nhầm lớp khi tiếp nhận"}, follow=True)
    assert response.redirect_chain == [(reverse("people:student_detail", args=[sid]), 302)]
    assert (f"Đã chuyển {name} từ lớp {world.cls.name} sang lớp {target.name}, cùng 1 dòng điểm môn học, "
            "1 học kì rèn luyện, chuyên cần, thông tin cả năm.") in response.content.decode()
    assert class_of(sid) == target.pk


def test_a_refused_move_from_the_page_says_why_and_keeps_what_was_typed(world, target):
    fill_class(world.cls, terms=(1,))
    close_classes(class_ids=[world.cls.pk], period="hk1")
    url = reverse("gradebook:student_move", args=[world.students[0]])
    client = client_for(world.hieutruong)
    page = client.get(url).content.decode()
    assert 'id="blockers"' in page and "Đã tổng kết" in page and "<fieldset class=\"move-targets\" disabled>" in page
    response = client.post(url, {"to_class": target.pk, "from_class": world.cls.pk, "reason": "Xếp nhầm lớp"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="refusal"' in html and f"sang lớp {target.name}; chưa thay đổi gì." in html
    assert ">Xếp nhầm lớp</textarea>" in html
    assert client.post(url, {"to_class": "abc", "reason": "Xếp nhầm lớp"}).status_code == 422
    assert class_of(world.students[0]) == world.cls.pk


@pytest.mark.parametrize("field", ["to_class", "from_class"])
def test_a_class_id_that_is_not_a_number_is_refused_with_a_message_not_a_server_error(world, target, field):
    """"²" passes str.isdigit() but not int()."""
    url = reverse("gradebook:student_move", args=[world.students[0]])
    client = client_for(world.hieutruong)
    client.raise_request_exception = False
    data = {"to_class": target.pk, "from_class": world.cls.pk, "reason": "Xếp nhầm lớp", field: "²"}
    response = client.post(url, data)
    assert response.status_code == 422 and "không có mục nào mang mã &#x27;²&#x27;" in response.content.decode()
    assert class_of(world.students[0]) == world.cls.pk


# --- saving at the same moment -------------------------------------------------------------------------------------

def test_a_cell_saved_from_a_page_opened_before_the_move_is_refused_and_nothing_is_lost(world, target):
    sid, other = world.students[0], world.students[1]
    save(world, "tx1", "7")
    move(world, target)
    # The teacher's old grid still shows the student: a changed cell and an empty one are both refused, naming the
    # new class, and no row is left behind in the old class.
    for field, raw, expected in (("tx1", "9", "7"), ("tx2", "6", "")):
        with pytest.raises(DomainError) as exc:
            save(world, field, raw, expected)
        assert exc.value.message == (f"Học sinh này đã chuyển sang lớp {target.name}; chưa lưu gì ở lớp "
                                     f"{world.cls.name}. Hãy tải lại trang.")
    with pytest.raises(DomainError):
        services.homeroom_update(class_group=world.cls, student_id=sid, term=1, field="conduct", raw="Tốt",
                                 expected="", by=world.gvcn)
    assert rows_of(sid) == {"scores": {target.pk}, "homeroom": set(), "years": set()}
    assert SubjectTermScore.objects.get(student_id=sid).cell("tx1") == "7.0"
    save(world, "tx1", "8", student=other)  # the classmates are untouched
    response = client_for(world.gvbm).post(
        reverse("gradebook:cell_save", args=[world.cls.pk, world.toan.pk, 1]),
        data=json.dumps({"student": sid, "field": "gk", "value": "8", "expected": ""}),
        content_type="application/json")
    assert response.status_code == 422 and target.name in response.json()["message"]


def test_a_save_that_passed_its_checks_when_the_move_commits_is_refused_not_left_in_the_old_class(
        world, target, monkeypatch):
    """The interleaving the locks are for: the save has checked that the student is in the class, the move commits,
    then the save writes. It must find the student gone (its own lock on the enrolment, after the move's) instead
    of creating a row in the old class that no grid shows."""
    sid = world.students[0]
    real_check = services._check_editable

    def move_meanwhile(**kwargs):
        if class_of(sid) == world.cls.pk:
            move(world, target)
        return real_check(**kwargs)

    monkeypatch.setattr(services, "_check_editable", move_meanwhile)
    with pytest.raises(DomainError) as exc:
        save(world, "tx1", "9", "")
    assert f"đã chuyển sang lớp {target.name}" in exc.value.message
    assert not SubjectTermScore.objects.filter(class_group=world.cls, student_id=sid).exists()
    assert class_of(sid) == target.pk


def test_a_cell_saved_before_the_move_moves_with_it(world, target):
    sid = world.students[0]
    save(world, "tx1", "7")
    save(world, "gk", "6,5")
    move(world, target)
    assert SubjectTermScore.objects.get(student_id=sid, term=1, subject=world.toan).class_group_id == target.pk
    assert [r.cells["gk"] for r in sheet_get(class_group=target, subject=world.toan, term=1).rows
            if r.student_id == sid] == ["6.5"]


def test_an_import_of_the_old_class_after_the_move_refuses_the_moved_student(world, target):
    move(world, target)
    with pytest.raises(DomainError) as exc:
        services.sheet_import(class_group=world.cls, subject=world.toan, term=1,
                              rows={world.students[0]: {"tx1": "8"}}, row_labels={world.students[0]: "dòng 7"},
                              by=world.gvbm)
    assert exc.value.errors == {"dòng 7": ["Học sinh không thuộc lớp này."]}
    assert not SubjectTermScore.objects.filter(class_group=world.cls).exists()


def test_students_left_in_the_old_class_are_not_affected(world, target):
    move(world, target)
    assert active_students(world.cls) == world.students[1:]
    assert active_students(target) == [world.students[0]]

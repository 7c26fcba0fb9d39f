"""Finalising a subject, closing a class term, the principal's school lock, unlocking, the 20/5 deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.models import AuditEntry
from hocba.gradebook import services
from hocba.gradebook.models import (
    EditGrant,
    GradebookLock,
    HomeroomTermEntry,
    StudentResult,
    SubjectTermScore,
)
from tests.gradebook import gb_world
from tests.gradebook.gb_world import (
    HANOI,
    active_students,
    fill_class,
    fill_sheet,
    finalise_all,
    teacher_user,
    user,
)

pytestmark = pytest.mark.django_db

# Fixtures shared by the gradebook service tests (defined once in gb_world).
clock = gb_world.clock
world = gb_world.world


def save(w, field, raw, expected=None, *, subject=None, by=None, term=1, student=None):
    return services.score_update(
        class_group=w.cls,
        subject=subject or w.toan,
        student_id=student or w.students[0],
        term=term,
        field=field,
        raw=raw,
        expected=expected,
        by=by or w.gvbm,
    )


# --- the subject teacher finalises --------------------------------------------------------


def test_finalise_is_refused_while_cells_are_missing_and_lists_them(world):
    first, second = world.students[0], world.students[1]
    fill_sheet(world.cls, world.toan, 1, skip={(first, "tx2"), (first, "ck"), (second, "gk")})
    with pytest.raises(DomainError) as exc:
        services.subject_finalise(class_group=world.cls, subject=world.toan, term=1, by=world.gvbm)
    assert "còn ô chưa nhập" in exc.value.message
    missing = exc.value.errors
    assert len(missing) == 2
    (first_label, first_cells), (second_label, second_cells) = missing.items()
    assert first_label.startswith("1. ") and first_cells == ["TX2", "CK"]
    assert second_label.startswith("2. ") and second_cells == ["GK"]
    assert not GradebookLock.objects.exists()


def test_after_finalising_nobody_edits_the_subject_and_the_reason_is_shown(world):
    fill_sheet(world.cls, world.toan, 1)
    lock = services.subject_finalise(class_group=world.cls, subject=world.toan, term=1, by=world.gvbm)
    assert lock.level == "subject"
    row = SubjectTermScore.objects.get(
        class_group=world.cls, subject=world.toan, term=1, student_id=world.students[0]
    )
    with pytest.raises(DomainError) as exc:
        save(world, "gk", "9", expected=row.gk)
    assert "đã chốt điểm môn này" in exc.value.message
    assert "Hiệu trưởng mở khoá" in exc.value.message
    with pytest.raises(DomainError):
        services.sheet_import(
            class_group=world.cls,
            subject=world.toan,
            term=1,
            rows={world.students[0]: {"gk": "9"}},
            row_labels={},
            by=world.gvbm,
        )
    assert SubjectTermScore.objects.get(pk=row.pk).gk == row.gk
    save(world, "gk", "9", term=2)  # the other term is still open
    van_teacher = teacher_user(world.cls, "VAN")
    save(world, "gk", "9", subject=world.van, by=van_teacher)  # so are the other subjects


def test_only_the_subject_teacher_finalises(world):
    fill_sheet(world.cls, world.toan, 1)
    for who in ("gvcn", "hieutruong"):
        with pytest.raises(PermissionDeniedError):
            services.subject_finalise(class_group=world.cls, subject=world.toan, term=1, by=user(who))


# --- the homeroom teacher closes the class term --------------------------------------------


def test_class_close_needs_every_subject_finalised_and_every_conduct(world):
    fill_class(world.cls, terms=(1,))
    HomeroomTermEntry.objects.filter(class_group=world.cls, student_id=world.students[3]).update(conduct="")
    finalise_all(world.cls, 1)
    GradebookLock.objects.filter(subject__code="VAN").delete()  # Văn not finalised yet
    with pytest.raises(DomainError) as exc:
        services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    errors = exc.value.errors
    assert len(errors["Môn chưa chốt điểm"]) == 1 and errors["Môn chưa chốt điểm"][0].startswith("Ngữ văn")
    assert len(errors["Chưa có kết quả rèn luyện"]) == 1
    assert not StudentResult.objects.exists()
    assert not GradebookLock.objects.filter(level="class").exists()


def test_class_close_locks_the_class_and_computes_every_students_result(world):
    fill_class(world.cls, terms=(1,))
    finalise_all(world.cls, 1)
    with pytest.raises(PermissionDeniedError):
        services.class_term_close(class_group=world.cls, term=1, by=world.gvbm)
    lock = services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    assert lock.level == "class"
    results = StudentResult.objects.filter(class_group=world.cls, period="hk1")
    assert sorted(results.values_list("student_id", flat=True)) == sorted(world.students)
    assert all(
        r.learning in {"Tốt", "Khá", "Đạt", "Chưa đạt"} and r.conduct == "Tốt" and not r.error
        for r in results
    )
    with pytest.raises(DomainError) as exc:
        services.homeroom_update(
            class_group=world.cls,
            student_id=world.students[0],
            term=1,
            field="conduct",
            raw="Khá",
            expected="Tốt",
            by=world.gvcn,
        )
    assert "khoá sổ học kì của lớp" in exc.value.message


def test_homeroom_teacher_enters_conduct_with_the_same_stale_write_rule(world):
    sid = world.students[0]
    assert (
        services.homeroom_update(
            class_group=world.cls,
            student_id=sid,
            term=1,
            field="conduct",
            raw="k",
            expected="",
            by=world.gvcn,
        )
        == "Khá"
    )
    from hocba.core.errors import StaleWriteError

    with pytest.raises(StaleWriteError) as exc:
        services.homeroom_update(
            class_group=world.cls,
            student_id=sid,
            term=1,
            field="conduct",
            raw="Tốt",
            expected="",
            by=world.gvcn,
        )
    assert "Khá" in exc.value.message
    with pytest.raises(DomainError) as bad:
        services.homeroom_update(
            class_group=world.cls,
            student_id=sid,
            term=1,
            field="absent_excused",
            raw="-2",
            expected="0",
            by=world.gvcn,
        )
    assert "nghỉ có phép" in bad.value.message
    with pytest.raises(PermissionDeniedError):
        services.homeroom_update(
            class_group=world.cls,
            student_id=sid,
            term=1,
            field="conduct",
            raw="Tốt",
            expected="Khá",
            by=world.gvbm,
        )
    assert HomeroomTermEntry.objects.get(class_group=world.cls, student_id=sid, term=1).conduct == "Khá"


# --- the principal's school lock and unlocking ----------------------------------------------


def test_the_school_lock_blocks_everyone_until_the_principal_unlocks_with_a_reason(world):
    save(world, "gk", "6")
    with pytest.raises(PermissionDeniedError):
        services.school_term_lock(
            school=world.cls.school, school_year_id=world.cls.school_year_id, term=1, by=world.gvcn,
            open_classes_confirmed=True,
        )
    with pytest.raises(DomainError) as open_classes:
        services.school_term_lock(
            school=world.cls.school, school_year_id=world.cls.school_year_id, term=1, by=world.hieutruong
        )
    assert world.cls.name in open_classes.value.errors["Lớp chưa khoá sổ"]
    assert not GradebookLock.objects.filter(level="school").exists()
    lock = services.school_term_lock(
        school=world.cls.school, school_year_id=world.cls.school_year_id, term=1, by=world.hieutruong,
        open_classes_confirmed=True,
    )
    with pytest.raises(DomainError) as exc:
        save(world, "gk", "7", expected="6")
    assert "Hiệu trưởng đã khoá sổ học kì của trường" in exc.value.message
    with pytest.raises(DomainError):
        services.homeroom_update(
            class_group=world.cls,
            student_id=world.students[0],
            term=1,
            field="conduct",
            raw="Tốt",
            expected="",
            by=world.gvcn,
        )
    for who in ("gvcn", "gvbm", "bgh", "phohieutruong"):
        with pytest.raises(PermissionDeniedError):
            services.lock_remove(lock=lock, reason="Sửa điểm nhập nhầm", by=user(who))
    for reason in ("", "   ", "sửa"):
        with pytest.raises(DomainError) as no_reason:
            services.lock_remove(lock=lock, reason=reason, by=world.hieutruong)
        assert "lý do" in no_reason.value.message
    assert GradebookLock.objects.filter(pk=lock.pk).exists()
    services.lock_remove(
        lock=lock, reason="Giáo viên nhập nhầm điểm giữa kì của em thứ nhất", by=world.hieutruong
    )
    entry = AuditEntry.objects.filter(action="gradebook:lock:remove").get()
    assert entry.actor_id == world.hieutruong.pk
    assert entry.after == {"reason": "Giáo viên nhập nhầm điểm giữa kì của em thứ nhất"}
    assert entry.before["level"] == "school"
    assert save(world, "gk", "7", expected="6").value == "7.0"


# --- the data-entry deadline (20/5) --------------------------------------------------------


def test_after_the_deadline_edits_need_the_principals_grant(world, clock):
    save(world, "gk", "6")
    clock.move_to(dt.datetime(2026, 5, 21, 8, 0, tzinfo=HANOI))
    with pytest.raises(DomainError) as exc:
        save(world, "gk", "7", expected="6")
    assert "Đã quá hạn nhập dữ liệu (20/05/2026)" in exc.value.message
    with pytest.raises(PermissionDeniedError):
        services.edit_grant_create(
            school=world.cls.school,
            class_group=world.cls,
            subject=world.toan,
            reason="Bổ sung điểm kiểm tra lại",
            days=3,
            by=world.gvcn,
        )
    with pytest.raises(DomainError):
        services.edit_grant_create(
            school=world.cls.school,
            class_group=world.cls,
            subject=world.toan,
            reason="",
            days=3,
            by=world.hieutruong,
        )
    services.edit_grant_create(
        school=world.cls.school,
        class_group=world.cls,
        subject=world.toan,
        reason="Bổ sung điểm kiểm tra lại",
        days=3,
        by=world.hieutruong,
    )
    assert AuditEntry.objects.filter(action="gradebook:grant:create").count() == 1
    assert save(world, "gk", "7", expected="6").value == "7.0"
    with pytest.raises(DomainError) as other_subject:  # the grant covers Toán of this class only
        save(world, "gk", "7", subject=world.van, by=teacher_user(world.cls, "VAN"))
    assert "quá hạn" in other_subject.value.message
    clock.move_to(dt.datetime(2026, 5, 25, 8, 0, tzinfo=HANOI))  # the grant has expired
    with pytest.raises(DomainError):
        save(world, "gk", "8", expected="7")
    assert EditGrant.objects.count() == 1


def test_the_deadline_day_itself_is_still_open(world, clock):
    clock.move_to(dt.datetime(2026, 5, 20, 23, 30, tzinfo=HANOI))  # late evening of 20/5, Hanoi time
    assert save(world, "ck", "8").value == "8.0"


def test_a_deadline_moved_to_yesterday_closes_entry(world, clock):
    from hocba.org.models import Deadline, DeadlineKind

    Deadline.objects.filter(school_year=world.cls.school_year, kind=DeadlineKind.DATA_ENTRY).update(
        due_date=dt.date(2026, 3, 9)
    )
    with pytest.raises(DomainError) as exc:
        save(world, "ck", "8")
    assert "09/03/2026" in exc.value.message
    assert not SubjectTermScore.objects.filter(ck__isnull=False).exists()
    assert active_students(world.cls) == world.students


def test_a_class_that_closed_its_term_is_not_among_those_the_school_lock_warns_about(world):
    fill_class(world.cls, terms=(1,))
    finalise_all(world.cls, 1)
    services.class_term_close(class_group=world.cls, term=1, by=world.gvcn)
    with pytest.raises(DomainError) as open_classes:
        services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                                  by=world.hieutruong)
    listed = open_classes.value.errors["Lớp chưa khoá sổ"]
    assert world.cls.name not in listed and listed  # the school's other classes are still open

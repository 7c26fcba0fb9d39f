"""Saving cells the way a teacher does: values, permissions, history, stale writes, sheet import."""

from __future__ import annotations

import pytest

from hocba.core.errors import DomainError, PermissionDeniedError, StaleWriteError
from hocba.core.models import AuditEntry
from hocba.gradebook import engine, services
from hocba.gradebook.models import ScoreChange, Source, SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import TeachingAssignment
from tests.gradebook import gb_world
from tests.gradebook.gb_world import circular22_average, teacher_user

pytestmark = pytest.mark.django_db

# Fixtures shared by the gradebook service tests (defined once in gb_world).
clock = gb_world.clock
world = gb_world.world


def save(
    w, field, raw, expected=None, *, student=None, subject=None, by=None, term=1, cls=None, source=Source.GRID
):
    return services.score_update(
        class_group=cls or w.cls,
        subject=subject or w.toan,
        student_id=student or w.students[0],
        term=term,
        field=field,
        raw=raw,
        expected=expected,
        by=by or w.gvbm,
        source=source,
    )


def stored(w, field, *, student=None, subject=None, term=1):
    row = SubjectTermScore.objects.filter(
        class_group=w.cls, subject=subject or w.toan, term=term, student_id=student or w.students[0]
    ).first()
    return row.cell(field) if row else None


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["8,5", "8.5", " 8,5 "])
def test_comma_and_dot_are_the_same_score_shown_with_a_comma(world, typed):
    saved = save(world, "gk", typed)
    assert saved.shown == "8,5"
    assert stored(world, "gk") == "8.5"
    again = save(world, "gk", "8,5", expected="8.5")
    assert again.value == "8.5"
    assert ScoreChange.objects.filter(field="gk").count() == 1  # the second write changed nothing


@pytest.mark.parametrize(
    ("typed", "words"),
    [("11", "0–10"), ("-1", "0–10"), ("8,55", "một chữ số thập phân"), ("abc", "không phải là điểm số")],
)
def test_invalid_scores_are_refused_in_vietnamese_naming_the_column(world, typed, words):
    with pytest.raises(DomainError) as exc:
        save(world, "ck", typed)
    assert "cuối kì" in exc.value.message
    assert words in exc.value.message
    with pytest.raises(DomainError) as exc_tx:
        save(world, "tx2", typed)
    assert exc_tx.value.message.startswith("TX2")
    assert not SubjectTermScore.objects.filter(class_group=world.cls).exists()


def test_comment_levels_only_on_comment_subjects_and_numbers_only_on_score_subjects(world):
    with pytest.raises(DomainError) as exc:
        save(world, "gk", "Đ")
    assert "không phải là điểm số" in exc.value.message
    gdtc_teacher = teacher_user(world.cls, "GDTC")
    saved = save(world, "ck", "đ", subject=world.gdtc, by=gdtc_teacher)
    assert saved.shown == "Đ"
    assert save(world, "gk", "cd", subject=world.gdtc, by=gdtc_teacher).value == "CĐ"
    with pytest.raises(DomainError) as exc_num:
        save(world, "tx1", "8", subject=world.gdtc, by=gdtc_teacher)
    assert "Đ (Đạt) hoặc CĐ (Chưa đạt)" in exc_num.value.message
    assert stored(world, "tx1", subject=world.gdtc) is None


def test_term_average_appears_when_the_row_is_complete(world):
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    assert shape.tx_count == 4  # Toán 9: 140 periods a year → four regular assessments
    for i, value in enumerate(["7", "8,5", "9", "6"], start=1):
        assert save(world, f"tx{i}", value).average == ""
    assert save(world, "gk", "7,5").average == ""
    last = save(world, "ck", "8")
    assert last.average == circular22_average(["7", "8.5", "9", "6"], "7.5", "8").replace(".", ",")
    assert last.average == "7,7"  # (30,5 + 2×7,5 + 3×8) / 9 = 7,72…
    assert last.average_missing == ""
    cleared = save(world, "tx4", "", expected="6")  # a cell cleared again: no average any more, and why
    assert cleared.average == ""
    assert cleared.average_missing == "Chưa đủ điểm: thiếu TX4 (cần 4 ĐĐGtx, GK và CK)"
    assert save(world, "ck", "8,5", expected="8").average == ""


def test_an_empty_term_result_says_what_it_still_needs(world):
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    assert save(world, "tx2", "7").average_missing == (
        "Chưa đủ điểm: thiếu TX1, TX3, TX4, GK và CK (cần 4 ĐĐGtx, GK và CK)")
    assert shape.missing_text(shape.fields) == "Chưa đủ điểm: cần 4 ĐĐGtx, GK và CK"
    comment = sheet_shape(class_group=world.cls, subject=world.gdtc)
    assert comment.missing_text(["tx2"]) == f"Chưa đủ đánh giá: thiếu TX2 (cần {comment.tx_count} ĐGtx, GK và CK)"
    assert engine.term_missing(["7.0", None], "8.0", None, 3) == ["tx2", "tx3", "ck"]
    assert engine.term_missing(["7.0", "8.0", "9.0"], "8.0", "8.0", 2) == []


def test_term_average_rounds_half_up_not_to_even(world):
    cn = world.cls.assignments.get(subject__code="CN").subject
    teacher = teacher_user(world.cls, "CN")
    assert sheet_shape(class_group=world.cls, subject=cn).tx_count == 3  # Công nghệ 9: 52 periods
    for field, value in (("tx1", "7"), ("tx2", "7"), ("tx3", "6"), ("gk", "7")):
        save(world, field, value, subject=cn, by=teacher)
    # (20 + 14 + 24) / 8 = 7,25 exactly: half up gives 7,3 (rounding to even would give 7,2).
    assert save(world, "ck", "8", subject=cn, by=teacher).average == "7,3"


# --- permissions ------------------------------------------------------------------------


def test_a_subject_teacher_edits_only_their_subject_in_their_classes(world):
    with pytest.raises(PermissionDeniedError):
        save(world, "gk", "8", subject=world.van)
    other = world.other_class_without_gvbm_math()
    assert other is not None
    with pytest.raises(PermissionDeniedError):
        save(world, "gk", "8", cls=other, student=other.enrolments.first().student_id)
    assert not SubjectTermScore.objects.exists()


@pytest.mark.parametrize("who", ["gvcn", "hieutruong", "phohieutruong", "bgh", "so", "hocsinh"])
def test_homeroom_teacher_principal_and_others_cannot_edit_scores(world, who):
    from tests.gradebook.gb_world import user

    person = user(who)
    if (
        who == "gvcn"
        and TeachingAssignment.objects.filter(
            class_group=world.cls, subject=world.toan, teacher__user=person
        ).exists()
    ):
        pytest.skip("the demo made the homeroom teacher the Toán teacher")
    with pytest.raises(PermissionDeniedError) as exc:
        save(world, "gk", "8", by=person)
    assert "Chỉ giáo viên dạy môn này" in exc.value.message
    with pytest.raises(PermissionDeniedError):
        services.sheet_import(
            class_group=world.cls,
            subject=world.toan,
            term=1,
            rows={world.students[0]: {"gk": "8"}},
            row_labels={},
            by=person,
        )
    assert not SubjectTermScore.objects.exists()


def test_a_student_of_another_class_is_refused(world):
    other = world.other_class_without_gvbm_math()
    with pytest.raises(DomainError) as exc:
        save(world, "gk", "8", student=other.enrolments.first().student_id)
    assert "không thuộc lớp" in exc.value.message


# --- history and audit -------------------------------------------------------------------


def test_every_change_keeps_who_when_old_new_and_source_and_is_audited(world):
    audits_before = AuditEntry.objects.filter(action="gradebook:score:update").count()
    save(world, "gk", "7")
    save(world, "gk", "7,5", expected="7", source=Source.API)
    save(world, "gk", "", expected="7.5")
    changes = list(ScoreChange.objects.filter(field="gk").order_by("at", "id"))
    assert [(c.old, c.new, c.source) for c in changes] == [
        (None, "7.0", "grid"),
        ("7.0", "7.5", "api"),
        ("7.5", None, "grid"),
    ]
    assert {c.by_id for c in changes} == {world.gvbm.pk}
    assert changes[0].by_label == "gvbm"
    assert changes[0].at < changes[1].at < changes[2].at
    audits = AuditEntry.objects.filter(action="gradebook:score:update").order_by("seq")
    assert audits.count() == audits_before + 3
    last = audits.last()
    assert last.actor_id == world.gvbm.pk
    assert last.before == {"field": "gk", "value": "7.5"} and last.after == {"field": "gk", "value": None}
    from hocba.gradebook.selectors import cell_history

    history = cell_history(
        class_group=world.cls, subject=world.toan, term=1, student_id=world.students[0], field="gk"
    )
    assert [h.new for h in history] == [None, "7.5", "7.0"]  # newest first


def test_a_write_that_changes_nothing_adds_no_history_and_no_audit(world):
    save(world, "tx1", "9")
    changes, audits = ScoreChange.objects.count(), AuditEntry.objects.count()
    save(world, "tx1", "9,0", expected="9")
    save(world, "tx1", "9.0", expected="9")
    assert (ScoreChange.objects.count(), AuditEntry.objects.count()) == (changes, audits)
    row = SubjectTermScore.objects.get(class_group=world.cls, student_id=world.students[0])
    assert row.version == 1


# --- stale writes ------------------------------------------------------------------------


def test_a_stale_write_is_refused_showing_the_newer_value_with_a_comma(world):
    save(world, "gk", "6")  # both authors loaded the sheet showing 6
    save(world, "gk", "7,5", expected="6")  # the first author saves
    with pytest.raises(StaleWriteError) as exc:
        save(world, "gk", "9", expected="6")  # the second author, still seeing 6
    assert "7,5" in exc.value.message
    assert exc.value.errors["current"] == ["7,5"]
    assert stored(world, "gk") == "7.5"
    assert [c.new for c in ScoreChange.objects.filter(field="gk").order_by("at")] == ["6.0", "7.5"]
    assert save(world, "gk", "9", expected="7,5").value == "9.0"  # after looking again, it goes through
    assert stored(world, "gk") == "9.0"


def test_a_stale_write_over_an_empty_cell_says_it_is_no_longer_empty(world):
    save(world, "tx3", "5")
    with pytest.raises(StaleWriteError) as exc:
        save(world, "tx3", "8", expected="")  # opened before the first save
    assert "'5,0'" in exc.value.message
    assert stored(world, "tx3") == "5.0"


def test_a_stale_clear_is_refused_too(world):
    save(world, "ck", "4")
    save(world, "ck", "", expected="4")
    with pytest.raises(StaleWriteError) as exc:
        save(world, "ck", "6", expected="4")
    assert "trống" in exc.value.message
    assert stored(world, "ck") is None


# --- import ------------------------------------------------------------------------------


def _labels(students):
    return {sid: f"dòng {n}" for n, sid in enumerate(students, start=7)}


def test_import_saves_a_clean_sheet_with_history_from_import(world):
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    rows = {sid: {**{f: "8,5" for f in shape.fields}, "comment": "Chăm chỉ"} for sid in world.students}
    report = services.sheet_import(
        class_group=world.cls,
        subject=world.toan,
        term=2,
        rows=rows,
        row_labels=_labels(world.students),
        by=world.gvbm,
    )
    assert report.students == len(world.students)
    assert report.changed_cells == len(world.students) * (len(shape.fields) + 1)
    assert SubjectTermScore.objects.filter(class_group=world.cls, term=2).count() == len(world.students)
    assert set(ScoreChange.objects.values_list("source", flat=True)) == {"import"}
    assert stored(world, "ck", term=2) == "8.5"
    again = services.sheet_import(
        class_group=world.cls,
        subject=world.toan,
        term=2,
        rows=rows,
        row_labels=_labels(world.students),
        by=world.gvbm,
    )
    assert again.changed_cells == 0
    assert AuditEntry.objects.filter(action="gradebook:sheet:import").count() == 2


def test_import_is_all_or_nothing_and_reports_every_bad_cell_by_row_and_column(world):
    save(world, "gk", "6")
    labels = _labels(world.students)
    rows = {sid: {"tx1": "8", "gk": "7", "ck": "9"} for sid in world.students}
    first, third = world.students[0], world.students[2]
    rows[first]["ck"] = "10,5"
    rows[third]["tx1"] = "abc"
    rows[third]["gk"] = "7,25"
    with pytest.raises(DomainError) as exc:
        services.sheet_import(
            class_group=world.cls, subject=world.toan, term=1, rows=rows, row_labels=labels, by=world.gvbm
        )
    errors = exc.value.errors
    assert set(errors) == {
        f"{labels[first]}, cột cuối kì",
        f"{labels[third]}, cột TX1",
        f"{labels[third]}, cột giữa kì",
    }
    assert "0–10" in errors[f"{labels[first]}, cột cuối kì"][0]
    assert "chưa lưu gì" in exc.value.message
    assert stored(world, "gk") == "6.0"  # untouched
    assert SubjectTermScore.objects.filter(class_group=world.cls).count() == 1
    assert ScoreChange.objects.count() == 1


def test_import_refuses_students_not_in_the_class_and_unknown_columns(world):
    other = world.other_class_without_gvbm_math()
    stranger = other.enrolments.first().student_id
    rows = {world.students[0]: {"gk": "8", "tx9": "7"}, stranger: {"gk": "8"}}
    with pytest.raises(DomainError) as exc:
        services.sheet_import(
            class_group=world.cls,
            subject=world.toan,
            term=1,
            rows=rows,
            row_labels={world.students[0]: "dòng 7", stranger: "dòng 8"},
            by=world.gvbm,
        )
    assert exc.value.errors["dòng 8"] == ["Học sinh không thuộc lớp này."]
    assert "tx9" in exc.value.errors["dòng 7"][0]
    assert not SubjectTermScore.objects.exists()

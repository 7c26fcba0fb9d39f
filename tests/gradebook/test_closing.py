"""Closing a term or the year: one snapshot per student with the engine's inputs, outputs and explanation."""

from __future__ import annotations

import pytest

from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.gradebook import services
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import ClosingRun, StudentResult, SubjectTermScore
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment
from tests.gradebook import gb_world
from tests.gradebook.gb_world import circular22_average, fill_class, user

pytestmark = pytest.mark.django_db

# Fixtures shared by the gradebook service tests (defined once in gb_world).
clock = gb_world.clock
world = gb_world.world

LEVELS = {"Tốt", "Khá", "Đạt", "Chưa đạt"}
OUTCOMES = {"promoted", "retained", "pending_retest", "pending_summer", "pending_retest_and_summer"}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_closing_a_class_year_stores_a_snapshot_per_active_student(world):
    fill_class(world.cls)
    report = close_classes(class_ids=[world.cls.pk], period="year", by=world.hieutruong)
    assert (report.students, report.failed) == (len(world.students), 0)
    results = {r.student_id: r for r in StudentResult.objects.filter(class_group=world.cls, period="year")}
    assert set(results) == set(world.students)
    sample = results[world.students[0]]
    assert sample.learning in LEVELS and sample.outcome in OUTCOMES and sample.conduct == "Tốt"
    assert sample.error == "" and sample.engine
    assert sample.outputs["learning"]["cn"] == sample.learning
    assert sample.outputs["explanation"] and all(
        isinstance(line, str) for line in sample.outputs["explanation"]
    )
    # The snapshot keeps what the engine was given and what it answered, cell for cell.
    toan_in = next(s for s in sample.inputs["subjects"] if s["name"] == "Toán")
    row = SubjectTermScore.objects.get(
        class_group=world.cls, subject=world.toan, term=1, student_id=world.students[0]
    )
    assert [str(v) for v in toan_in["hk1"]["tx"]] == row.tx and str(toan_in["hk1"]["ck"]) == row.ck
    assert sample.inputs["conduct"]["hk1"] == "Tốt"
    hk1 = sample.outputs["subjects"]["Toán"]["hk1"]
    assert f"{hk1:.1f}" == circular22_average(row.tx, row.gk, row.ck)


def test_a_term_closing_reads_that_term_only(world):
    fill_class(world.cls, terms=(1,))  # term II not entered yet
    report = close_classes(class_ids=[world.cls.pk], period="hk1")
    assert report.failed == 0
    results = StudentResult.objects.filter(class_group=world.cls, period="hk1")
    assert results.count() == len(world.students)
    assert {r.learning for r in results} <= LEVELS
    assert {r.outcome for r in results} == {""}  # promotion is decided at the year's end only


def test_an_incomplete_gradebook_gives_an_error_row_and_the_others_are_still_computed(world):
    fill_class(world.cls)
    victim = world.students[1]
    row = SubjectTermScore.objects.get(class_group=world.cls, subject=world.toan, term=2, student_id=victim)
    row.tx = [row.tx[0], None, *row.tx[2:]]
    row.save()
    report = close_classes(class_ids=[world.cls.pk], period="year")
    assert report.failed == 1
    assert report.errors and world.cls.name in report.errors[0]
    bad = StudentResult.objects.get(class_group=world.cls, period="year", student_id=victim)
    assert bad.error and "Toán" in bad.error
    assert bad.learning == "" and bad.outcome == ""
    good = StudentResult.objects.filter(class_group=world.cls, period="year").exclude(student_id=victim)
    assert good.count() == len(world.students) - 1
    assert all(r.error == "" and r.learning in LEVELS for r in good)


def test_closing_again_replaces_the_snapshot(world):
    fill_class(world.cls)
    close_classes(class_ids=[world.cls.pk], period="year")
    first = StudentResult.objects.get(class_group=world.cls, period="year", student_id=world.students[0])
    close_classes(class_ids=[world.cls.pk], period="year")
    results = StudentResult.objects.filter(class_group=world.cls, period="year")
    assert results.count() == len(world.students)
    assert results.get(student_id=world.students[0]).computed_at > first.computed_at


def test_a_left_student_gets_no_result(world):
    fill_class(world.cls)
    leaver = world.students[-1]
    Enrolment.objects.filter(class_group=world.cls, student_id=leaver).update(status="left")
    close_classes(class_ids=[world.cls.pk], period="year")
    assert not StudentResult.objects.filter(student_id=leaver).exists()
    assert StudentResult.objects.filter(class_group=world.cls).count() == len(world.students) - 1


# --- background runs ----------------------------------------------------------------------


def test_a_school_closing_run_goes_to_done_with_progress_complete(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    school = world.cls.school
    classes = list(ClassGroup.objects.filter(school=school, school_year=world.cls.school_year))
    for cg in classes:
        fill_class(cg)
    expected = Enrolment.objects.filter(class_group__in=classes, status__in=ACTIVE_STATUSES).count()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.closing_run_start(school=school, period="year", by=world.hieutruong)
    run.refresh_from_db()
    assert run.status == ClosingRun.Status.DONE
    assert run.done == run.total == expected and run.failed == 0 and run.percent == 100
    assert run.finished_at is not None
    assert StudentResult.objects.filter(class_group__school=school, period="year").count() == expected
    assert not StudentResult.objects.exclude(class_group__school=school).exists()


def test_a_second_start_for_the_same_scope_is_refused_while_one_is_pending(world):
    school = world.cls.school
    first = services.closing_run_start(school=school, period="year", by=world.hieutruong)
    assert first.status == ClosingRun.Status.QUEUED
    with pytest.raises(DomainError) as exc:
        services.closing_run_start(school=school, period="year", by=user("bgh"))
    assert "Đang có một lượt tổng kết" in exc.value.message
    services.closing_run_start(school=school, period="hk1", by=world.hieutruong)  # another period is fine
    assert ClosingRun.objects.count() == 2


def test_who_may_close_what(world, immediate_tasks, django_capture_on_commit_callbacks):
    school = world.cls.school
    for who in ("gvcn", "gvbm", "phohieutruong", "xa", "hocsinh"):
        with pytest.raises(PermissionDeniedError):
            services.closing_run_start(school=school, period="year", by=user(who))
    with pytest.raises(PermissionDeniedError):  # a principal closes their school, not the city
        services.closing_run_start(school=None, period="year", by=world.hieutruong)
    other_school = ClassGroup.objects.exclude(school=school).first().school
    with pytest.raises(PermissionDeniedError):
        services.closing_run_start(school=other_school, period="year", by=world.hieutruong)
    assert not ClosingRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.closing_run_start(school=None, period="hk1", by=user("so"))  # the Department: the city
    run.refresh_from_db()
    everyone = Enrolment.objects.filter(school_year=world.cls.school_year, status__in=ACTIVE_STATUSES).count()
    assert run.status == ClosingRun.Status.DONE and run.done == run.total == everyone
    assert run.failed == everyone  # nothing was entered: every student is reported, none silently skipped
    assert run.messages and len(run.messages) == min(everyone, 500)


def test_an_unknown_period_is_refused(world):
    with pytest.raises(DomainError):
        services.closing_run_start(school=world.cls.school, period="hk3", by=world.hieutruong)


def test_exemptions_retests_and_summer_conduct_reach_the_engine(world):
    from hocba.gradebook.models import Exemption, YearEntry

    fill_class(world.cls)
    exempted, retested = world.students[0], world.students[1]
    Exemption.objects.create(
        student_id=exempted,
        subject=world.gdtc,
        school_year=world.cls.school_year,
        reason="Khuyết tật vận động (giấy xác nhận của bệnh viện)",
    )
    YearEntry.objects.create(
        class_group=world.cls, student_id=retested, retests={"TOAN": "6.0"}, summer_conduct="Đạt"
    )
    report = close_classes(class_ids=[world.cls.pk], period="year")
    assert report.failed == 0, report.errors
    snap = {r.student_id: r for r in StudentResult.objects.filter(class_group=world.cls, period="year")}
    gdtc = next(s for s in snap[exempted].inputs["subjects"] if s["name"] == world.gdtc.name)
    assert gdtc.get("exempt") is True and "hk1" not in gdtc
    toan = next(s for s in snap[retested].inputs["subjects"] if s["name"] == "Toán")
    assert toan["retest"] == 6.0
    assert snap[retested].inputs["conduct"]["summer"] == "Đạt"
    other = next(s for s in snap[world.students[2]].inputs["subjects"] if s["name"] == world.gdtc.name)
    assert "exempt" not in other and other["hk1"]["ck"] == "Đ"

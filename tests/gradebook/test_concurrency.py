"""Two teachers (or two tabs) at the same moment, on PostgreSQL with real concurrent transactions.

Each worker thread has its own database connection (Django connections are per thread) and
closes it at the end; a ``threading.Barrier`` releases every worker at the same instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from hocba.core.errors import DomainError, StaleWriteError
from hocba.core.permissions import scope_of
from hocba.gradebook import services
from hocba.gradebook.models import ClosingRun, ScoreChange, SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from tests.gradebook import gb_world
from tests.gradebook.gb_world import user

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

# Fixtures shared by the gradebook service tests (defined once in gb_world).
clock = gb_world.clock
world = gb_world.world


def run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs in threads released together; each returns its value or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = jobs[i]()
        except Exception as exc:  # the outcome under test, examined by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return results


def cell(w, field, *, term=1, student=None):
    row = SubjectTermScore.objects.get(
        class_group=w.cls, subject=w.toan, term=term, student_id=student or w.students[0]
    )
    return row.cell(field), row


def _writer(w, field, raw, expected, student=None, term=1):
    return lambda: services.score_update(
        class_group=w.cls,
        subject=w.toan,
        student_id=student or w.students[0],
        term=term,
        field=field,
        raw=raw,
        expected=expected,
        by=w.gvbm,
    )


@pytest.mark.parametrize("start", ["6", None], ids=["cell-with-a-value", "empty-new-row"])
def test_same_cell_same_expected_value_exactly_one_wins(world, start):
    scope_of(world.gvbm)  # computed once, shared by the workers
    if start is not None:
        services.score_update(
            class_group=world.cls,
            subject=world.toan,
            student_id=world.students[0],
            term=1,
            field="gk",
            raw=start,
            expected=None,
            by=world.gvbm,
        )
    before = ScoreChange.objects.count()
    values = [f"{v},5" for v in range(1, 9)]
    results = run_together([_writer(world, "gk", v, start) for v in values])
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(e, StaleWriteError) for e in losers), losers
    won = winners[0].shown
    assert all(won in str(e.message) for e in losers)  # each loser is shown the value that won, "x,5"
    current, _row = cell(world, "gk")
    assert current == won.replace(",", ".")
    assert ScoreChange.objects.count() == before + 1
    change = ScoreChange.objects.latest("id")
    assert change.new == current and change.old == (f"{start}.0" if start else None)
    assert (
        SubjectTermScore.objects.filter(
            class_group=world.cls, subject=world.toan, term=1, student_id=world.students[0]
        ).count()
        == 1
    )


def test_different_cells_of_one_row_are_all_kept(world):
    scope_of(world.gvbm)
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    services.score_update(
        class_group=world.cls,
        subject=world.toan,
        student_id=world.students[0],
        term=1,
        field="comment",
        raw="Cố gắng",
        expected=None,
        by=world.gvbm,
    )
    fields = shape.fields  # tx1…tx4, gk, ck: six authors, six different cells of the same row
    values = {f: f"{4 + i},5" for i, f in enumerate(fields)}
    results = run_together([_writer(world, f, values[f], None) for f in fields])
    assert not [r for r in results if isinstance(r, Exception)], results
    _, row = cell(world, "gk")
    assert {f: row.cell(f) for f in fields} == {f: v.replace(",", ".") for f, v in values.items()}
    assert row.comment == "Cố gắng"
    assert row.version == 1 + len(fields)
    assert ScoreChange.objects.filter(row=row).count() == 1 + len(fields)


def test_concurrent_imports_of_the_same_sheet_serialise(world):
    scope_of(world.gvbm)
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    labels = {sid: f"dòng {n}" for n, sid in enumerate(world.students, start=7)}

    def sheet(value: str, order: list[int]):
        rows = {sid: dict.fromkeys(shape.fields, value) for sid in order}
        return lambda: services.sheet_import(
            class_group=world.cls, subject=world.toan, term=2, rows=rows, row_labels=labels, by=world.gvbm
        )

    # Two tabs import the same (new) sheet with different values; one lists the students backwards.
    results = run_together(
        [sheet("7", world.students), sheet("8,5", list(reversed(world.students))), sheet("9", world.students)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = list(SubjectTermScore.objects.filter(class_group=world.cls, subject=world.toan, term=2))
    assert sorted(r.student_id for r in rows) == sorted(world.students)  # none lost, none duplicated
    finals = {tuple(r.cell(f) for f in shape.fields) for r in rows}
    assert len(finals) == 1  # one import ran last, whole: no sheet mixes two files
    assert all(r.version == 3 for r in rows)
    n_cells = len(world.students) * len(shape.fields)
    assert ScoreChange.objects.filter(row__in=rows).count() == 3 * n_cells
    assert sum(r.changed_cells for r in results) == 3 * n_cells


def test_an_import_and_a_cell_save_at_the_same_moment_lose_nothing(world):
    scope_of(world.gvbm)
    first, others = world.students[0], world.students[1:]
    rows = {sid: {"gk": "7"} for sid in others}
    results = run_together(
        [
            lambda: services.sheet_import(
                class_group=world.cls, subject=world.toan, term=1, rows=rows, row_labels={}, by=world.gvbm
            ),
            _writer(world, "ck", "9,5", None, student=first),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert cell(world, "ck", student=first)[0] == "9.5"
    assert all(cell(world, "gk", student=sid)[0] == "7.0" for sid in others)


def test_two_closing_starts_for_the_same_school_at_once_make_one_run(world):
    principal, board = world.hieutruong, user("bgh")
    scope_of(principal), scope_of(board)
    results = run_together(
        [
            lambda: services.closing_run_start(school=world.cls.school, period="year", by=principal),
            lambda: services.closing_run_start(school=world.cls.school, period="year", by=board),
        ]
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], DomainError), results
    assert "Đang có một lượt tổng kết" in refused[0].message
    assert ClosingRun.objects.filter(school=world.cls.school, period="year").count() == 1


def test_a_big_closing_runs_its_units_in_worker_processes_without_losing_any(world, monkeypatch):
    """Closing many classes runs units of classes in forked processes, each on its own connection."""
    import multiprocessing

    from hocba.gradebook import closing
    from hocba.gradebook.models import StudentResult
    from hocba.org.models import ClassGroup
    from hocba.people.models import ACTIVE_STATUSES, Enrolment
    from tests.gradebook.gb_world import fill_class

    classes = list(ClassGroup.objects.filter(school_year=world.cls.school_year).order_by("pk"))
    for cg in classes:
        fill_class(cg)
    monkeypatch.setattr(closing, "BATCH_CLASSES", 1)  # one class per unit: many units
    assert closing._workers(len(classes), 2) == 2
    seen: list[int] = []
    report = closing.close_classes(class_ids=[c.pk for c in classes], period="year", workers=2,
                                   progress=lambda done, failed: seen.append(done))
    expected = Enrolment.objects.filter(class_group__in=classes, status__in=ACTIVE_STATUSES).count()
    assert report.students == expected and report.failed == 0
    assert seen == sorted(seen) and seen[-1] == expected and len(seen) == len(classes)
    assert StudentResult.objects.filter(period="year").count() == expected
    sample = StudentResult.objects.filter(period="year").first()
    assert sample.outputs["explanation"] and sample.inputs["subjects"]
    closing.close_classes(class_ids=[c.pk for c in classes], period="year", workers=2)  # replaced, not doubled
    assert StudentResult.objects.filter(period="year").count() == expected
    assert not multiprocessing.active_children()


def test_a_failing_store_in_a_worker_is_reported_to_the_caller(world, monkeypatch):
    import multiprocessing

    from hocba.gradebook import closing
    from hocba.org.models import ClassGroup

    classes = list(ClassGroup.objects.filter(school_year=world.cls.school_year).order_by("pk"))
    monkeypatch.setattr(closing, "BATCH_CLASSES", 1)

    def broken(*_args, **_kwargs):
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(closing, "_insert_results", broken)
    with pytest.raises(RuntimeError, match="ổ đĩa đầy"):
        closing.close_classes(class_ids=[c.pk for c in classes], period="hk1", workers=2)
    assert not multiprocessing.active_children()

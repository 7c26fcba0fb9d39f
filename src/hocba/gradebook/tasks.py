"""Background work: closing a school or the city (django-tasks; a database queue, no broker)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import CLOSING_STALE_AFTER, ClosingRun
from hocba.org.models import ClassGroup

INTERRUPTED = "Lượt tổng kết bị dừng giữa chừng (Ctrl-C hoặc tiến trình bị dừng); hãy chạy lại."
STALE = ("Lượt tổng kết không tiến triển trong {minutes} phút (tiến trình đã dừng hoặc máy chủ khởi động lại); "
         "được ghi là lỗi để có thể chạy lại.")


@task()
def run_closing(run_id: int) -> None:
    run_closing_now(run_id)


def closing_run_fail(*, run_id: int, reason: str) -> bool:
    """Mark a queued or running closing failed with ``reason`` (Vietnamese); False if it had already ended."""
    return bool(ClosingRun.objects.filter(pk=run_id, status__in=ClosingRun.ACTIVE).update(
        status=ClosingRun.Status.FAILED, finished_at=timezone.now(), messages=[reason]))


class _TakenOver(Exception):
    """Raised from the progress callback when the run is no longer ``running`` in the database (expired as
    stale, so a newer run of the scope may have started): the closing stops where it is."""


def closing_runs_expire_stale(*, school_year, school, period: str) -> int:
    """Mark the stale closings of this scope failed (see ``CLOSING_STALE_AFTER``); how many there were.

    A stale queued run that the task worker picks up later is not run (``run_closing_now`` only starts a
    run that is still queued). A stale running run whose process is in fact still alive (a very slow unit)
    stops at its next unit of classes and stays failed (``run_closing_now`` writes its progress and its end
    only while it is still ``running``); only the units it was closing are stored meanwhile.
    """
    minutes = int(CLOSING_STALE_AFTER.total_seconds() // 60)
    return ClosingRun.objects.filter(school_year=school_year, school=school, period=period).stale().update(
        status=ClosingRun.Status.FAILED, finished_at=timezone.now(), messages=[STALE.format(minutes=minutes)])


def run_closing_now(run_id: int, on_progress=None) -> ClosingRun:
    """Run a closing in this process; ``on_progress(done, failed, total)`` is called per batch (the CLI).

    Whatever stops it (an error, Ctrl-C, the task worker shutting down) marks the run failed before the
    exception goes on, so that it never blocks the next closing of its scope. Progress and the end are
    written only while the run is still ``running``: once it has been expired as stale (and a newer run of
    the scope may have started), it stops after the unit in hand and is returned as the database has it
    (failed), nothing more written.
    """
    run = ClosingRun.objects.get(pk=run_id)
    started = ClosingRun.objects.filter(pk=run.pk, status=ClosingRun.Status.QUEUED).update(
        status=ClosingRun.Status.RUNNING, progress_at=timezone.now())
    if not started:  # expired as stale (or failed) while it waited in the queue: a newer run took its place
        run.refresh_from_db()
        return run
    try:
        classes = ClassGroup.objects.filter(school_year_id=run.school_year_id)
        if run.school_id:
            classes = classes.filter(school_id=run.school_id)
        class_ids = list(classes.order_by("school_id", "grade", "name").values_list("pk", flat=True))

        def progress(done: int, failed: int) -> None:
            if not ClosingRun.objects.filter(pk=run.pk, status=ClosingRun.Status.RUNNING).update(
                    done=done, failed=failed, progress_at=timezone.now()):
                raise _TakenOver
            if on_progress:
                on_progress(done, failed, run.total)

        report = close_classes(class_ids=class_ids, period=run.period, by=run.started_by, progress=progress)
    except _TakenOver:  # expired as stale meanwhile: it already ended (failed), another run may be going on
        run.refresh_from_db()
        return run
    except Exception as exc:  # the run must end visibly, whatever happened
        closing_run_fail(run_id=run.pk, reason=f"Lỗi hệ thống: {exc}")
        raise
    except BaseException:  # KeyboardInterrupt, SystemExit: stopped, not broken
        closing_run_fail(run_id=run.pk, reason=INTERRUPTED)
        raise
    with transaction.atomic():
        ClosingRun.objects.filter(pk=run.pk, status=ClosingRun.Status.RUNNING).update(
            status=ClosingRun.Status.DONE, done=report.students, failed=report.failed, total=report.students,
            messages=report.errors[:500], finished_at=timezone.now(), progress_at=timezone.now())
    run.refresh_from_db()
    return run

"""Background work: closing a school or the city (django-tasks; a database queue, no broker)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import ClosingRun
from hocba.org.models import ClassGroup


@task()
def run_closing(run_id: int) -> None:
    run_closing_now(run_id)


def run_closing_now(run_id: int, on_progress=None) -> ClosingRun:
    """Run a closing in this process; ``on_progress(done, failed, total)`` is called per batch (the CLI)."""
    run = ClosingRun.objects.get(pk=run_id)
    classes = ClassGroup.objects.filter(school_year_id=run.school_year_id)
    if run.school_id:
        classes = classes.filter(school_id=run.school_id)
    class_ids = list(classes.order_by("school_id", "grade", "name").values_list("pk", flat=True))
    ClosingRun.objects.filter(pk=run.pk).update(status=ClosingRun.Status.RUNNING)

    def progress(done: int, failed: int) -> None:
        ClosingRun.objects.filter(pk=run.pk).update(done=done, failed=failed)
        if on_progress:
            on_progress(done, failed, run.total)

    try:
        report = close_classes(class_ids=class_ids, period=run.period, by=run.started_by, progress=progress)
    except Exception as exc:  # the run must end visibly, whatever happened
        ClosingRun.objects.filter(pk=run.pk).update(status=ClosingRun.Status.FAILED, finished_at=timezone.now(),
                                                    messages=[f"Lỗi hệ thống: {exc}"])
        raise
    with transaction.atomic():
        ClosingRun.objects.filter(pk=run.pk).update(
            status=ClosingRun.Status.DONE, done=report.students, failed=report.failed, total=report.students,
            messages=report.errors[:500], finished_at=timezone.now())
    run.refresh_from_db()
    return run

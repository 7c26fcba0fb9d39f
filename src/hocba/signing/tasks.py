"""Background work of the signing app: batch signing (django-tasks; a database queue, no broker)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_signing_batch(batch_id: int) -> None:
    """Run a queued :class:`~hocba.signing.models.SigningBatch` (the secret travels encrypted in its row)."""
    from hocba.signing.batch import signing_batch_run

    signing_batch_run(batch_id)

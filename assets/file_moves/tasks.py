"""Celery tasks of file moves: the storage template migration of every asset, as a recorded run."""

from __future__ import annotations

from celery import shared_task

from assets.file_moves.migration import storage_template_migration_run
from jobs.queues import Queue
from jobs.runs import job_run_execute


@shared_task(
    name="StorageTemplateMigration", queue=Queue.STORAGE_TEMPLATE_MIGRATION.value, time_limit=6 * 3600,
    soft_time_limit=6 * 3600 - 60, acks_late=True, reject_on_worker_lost=True,
)
def storage_template_migration(run_id: int) -> dict:
    """Every asset to its template path, as the recorded run `run_id`; a re-run after a crash or time limit resumes
    the journal first."""
    return job_run_execute(run_id=run_id, work=storage_template_migration_run)

"""Celery tasks of file moves: the storage template migration of every asset, as a recorded run."""

from __future__ import annotations

from assets.file_moves.migration import storage_template_migration_run
from jobs.queues import Queue
from jobs.runs import job_run_execute
from jobs.tasks import NO_RETRY, job_task


@job_task(
    name="StorageTemplateMigration",
    queue=Queue.STORAGE_TEMPLATE_MIGRATION,
    time_limit=6 * 3600,
    soft_time_limit=6 * 3600 - 60,
    retry=NO_RETRY,
)
def storage_template_migration(run_id: int) -> dict:
    """Every asset to its template path, as the recorded run `run_id`; a re-run after a crash or time limit resumes
    the journal first."""
    return job_run_execute(run_id=run_id, work=storage_template_migration_run)

"""Celery tasks of uploads: the periodic expiry of unfinished resumable uploads."""

from __future__ import annotations

from assets.uploads.tus import tus_uploads_expire
from jobs.queues import Queue
from jobs.tasks import job_task


@job_task(name="TusUploadsExpire", queue=Queue.BACKGROUND_TASK, time_limit=600)
def expire_tus_uploads() -> int:
    """Periodic (beat): remove unfinished resumable uploads past their expiry, with their staged bytes."""
    return tus_uploads_expire()

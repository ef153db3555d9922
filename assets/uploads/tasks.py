"""Celery tasks of uploads: the periodic expiry of unfinished resumable uploads."""

from __future__ import annotations

from celery import shared_task

from assets.tasks import RELIABLE
from assets.uploads.tus import tus_uploads_expire
from jobs.queues import Queue


@shared_task(name="TusUploadsExpire", queue=Queue.BACKGROUND_TASK.value, time_limit=600, **RELIABLE)
def expire_tus_uploads() -> int:
    """Periodic (beat): remove unfinished resumable uploads past their expiry, with their staged bytes."""
    return tus_uploads_expire()

"""Celery tasks of maintenance: the nightly debris sweep."""

from __future__ import annotations

from celery import shared_task

from assets.maintenance.debris import debris_remove
from assets.tasks import RELIABLE
from jobs.queues import Queue


@shared_task(name="DebrisRemove", queue=Queue.BACKGROUND_TASK.value, time_limit=3600, **RELIABLE)
def remove_debris() -> int:
    """Periodic (beat, nightly): temporary files that killed processes left in the media location."""
    return debris_remove()

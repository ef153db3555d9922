"""Celery tasks of assets: deleting an asset's files. The retry policy here is shared by the assets' tasks (the
pipeline steps, uploads, maintenance)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from jobs.queues import Queue

TRANSIENT = (OSError, ConnectionError, OperationalError, InterfaceError, DatabaseError)
RELIABLE = dict(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)


@shared_task(name="AssetDelete", queue=Queue.BACKGROUND_TASK.value, time_limit=300, **RELIABLE)
def delete_asset(asset_id: str) -> bool:
    from assets.services import asset_delete_files  # assets.services sends this task

    return asset_delete_files(asset_id=asset_id)

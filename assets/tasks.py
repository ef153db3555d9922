"""Celery tasks: take an id, call one service. Routing and retry policy are explicit on each task."""

from __future__ import annotations

from celery import shared_task

from assets import pipeline
from jobs.queues import Queue

TRANSIENT = (OSError, ConnectionError)
RETRY_POLICY = dict(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)


@shared_task(name="AssetExtractMetadata", queue=Queue.METADATA_EXTRACTION.value, time_limit=600, soft_time_limit=540, **RETRY_POLICY)
def extract_metadata(asset_id: str) -> str:
    return pipeline.asset_extract_metadata(asset_id=asset_id).value


@shared_task(name="AssetDelete", queue=Queue.BACKGROUND_TASK.value, time_limit=300, **RETRY_POLICY)
def delete_asset(asset_id: str) -> bool:
    from assets.services import asset_delete_files

    return asset_delete_files(asset_id=asset_id)

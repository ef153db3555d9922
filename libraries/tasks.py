"""Library tasks: each takes a library id, re-reads it and calls one service. All run on the library queue."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from jobs.queues import Queue
from libraries import schedule, scan, services
from libraries.models import Library

logger = logging.getLogger(__name__)

QUEUE = Queue.LIBRARY.value
RELIABLE = dict(acks_late=True, reject_on_worker_lost=True)
TRANSIENT = (OperationalError, InterfaceError)
BUSY_RETRY_S = 60


@shared_task(
    bind=True, name="LibraryScan", queue=QUEUE, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60,
    autoretry_for=TRANSIENT, retry_backoff=30, max_retries=3, **RELIABLE,
)
def library_scan(self, library_id: str) -> dict:
    try:
        outcome = scan.library_scan(library_id=library_id)
    except scan.ScanBusy:
        # Another scan holds the library; it will have seen everything this one would, or nearly: come back later.
        raise self.retry(countdown=BUSY_RETRY_S, max_retries=10) from None
    except Library.DoesNotExist:
        return {"state": "gone"}
    return outcome.record()


@shared_task(name="LibraryScanQueueAll", queue=QUEUE, time_limit=300, **RELIABLE)
def library_scan_all() -> int:
    return services.libraries_scan_all()


@shared_task(name="LibraryScanSchedule", queue=Queue.BACKGROUND_TASK.value, time_limit=60, expires=55, **RELIABLE)
def library_scan_schedule() -> int:
    return schedule.libraries_scan_due()


@shared_task(
    bind=True, name="LibrarySyncFiles", queue=QUEUE, time_limit=3600, autoretry_for=TRANSIENT, retry_backoff=10,
    max_retries=5, **RELIABLE,
)
def library_sync_paths(self, library_id: str, paths: list[str]) -> dict:
    try:
        outcome = scan.library_sync_paths(library_id=library_id, paths=paths)
    except scan.ScanBusy:
        raise self.retry(countdown=10, max_retries=60) from None
    except Library.DoesNotExist:
        return {"state": "gone"}
    return outcome.record()


@shared_task(name="LibraryAfterScan", queue=QUEUE, time_limit=6 * 3600, autoretry_for=TRANSIENT, max_retries=3, **RELIABLE)
def library_after_scan(library_id: str) -> dict:
    """What follows a scan that found new or changed files: new assets into the pipeline, then fingerprints."""
    queued = services.library_queue_metadata(library_id=library_id)
    return {"queued": queued, "fingerprinted": services.library_fingerprint_files(library_id=library_id)}


@shared_task(
    bind=True, name="LibraryDelete", queue=QUEUE, time_limit=6 * 3600, autoretry_for=TRANSIENT, retry_backoff=30,
    max_retries=5, **RELIABLE,
)
def library_delete(self, library_id: str) -> int:
    try:
        with scan.library_held(library_id):
            return services.library_delete_assets(library_id=library_id)
    except scan.ScanBusy:
        raise self.retry(countdown=BUSY_RETRY_S, max_retries=60) from None

"""Library tasks: each takes a library id, re-reads it and calls one service. All run on the library queue."""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError

from jobs.queues import Queue
from jobs.tasks import NO_RETRY, Retry, job_task
from libraries import schedule, scan, services
from libraries.models import Library

logger = logging.getLogger(__name__)

QUEUE = Queue.LIBRARY
# A scan's filesystem errors are its outcome (a refused or failed scan, told to the owner), not a reason to retry:
# only a database that restarts is.
DATABASE_LOST = (OperationalError, InterfaceError)
BUSY_RETRY_S = 60


@job_task(
    bind=True, name="LibraryScan", queue=QUEUE, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60,
    retry=Retry(on=DATABASE_LOST, backoff=30, max_retries=3),
)
def library_scan(self: Any, library_id: str) -> dict:
    try:
        outcome = scan.library_scan(library_id=library_id)
    except scan.ScanBusy:
        # Another scan holds the library; it will have seen everything this one would, or nearly: come back later.
        raise self.retry(countdown=BUSY_RETRY_S, max_retries=10)
    except Library.DoesNotExist:
        return {"state": "gone"}
    return outcome.record()


@job_task(name="LibraryScanQueueAll", queue=QUEUE, time_limit=300, retry=NO_RETRY)
def library_scan_all() -> int:
    return services.libraries_scan_all()


@job_task(name="LibraryScanSchedule", queue=Queue.BACKGROUND_TASK, time_limit=60, expires=55, retry=NO_RETRY)
def library_scan_schedule() -> int:
    return schedule.libraries_scan_due()


@job_task(
    bind=True, name="LibrarySyncFiles", queue=QUEUE, time_limit=3600, retry=Retry(on=DATABASE_LOST, backoff=10),
)
def library_sync_paths(self: Any, library_id: str, paths: list[str]) -> dict:
    try:
        outcome = scan.library_sync_paths(library_id=library_id, paths=paths)
    except scan.ScanBusy:
        raise self.retry(countdown=10, max_retries=60)
    except Library.DoesNotExist:
        return {"state": "gone"}
    return outcome.record()


@job_task(name="LibraryAfterScan", queue=QUEUE, time_limit=6 * 3600, retry=Retry(on=DATABASE_LOST, max_retries=3))
def library_after_scan(library_id: str) -> dict:
    """What follows a scan that found new or changed files: new assets into the pipeline, then fingerprints."""
    queued = services.library_queue_metadata(library_id=library_id)
    return {"queued": queued, "fingerprinted": services.library_fingerprint_files(library_id=library_id)}


@job_task(
    bind=True, name="LibraryDelete", queue=QUEUE, time_limit=6 * 3600, retry=Retry(on=DATABASE_LOST, backoff=30),
)
def library_delete(self: Any, library_id: str) -> int:
    try:
        with scan.library_held(library_id):
            return services.library_delete_assets(library_id=library_id)
    except scan.ScanBusy:
        raise self.retry(countdown=BUSY_RETRY_S, max_retries=60)

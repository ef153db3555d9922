"""Library tasks: each does one recorded run (jobs.runs) of the library queue, whose arguments say which library,
and calls one service. A run holds its library: one scan, sync or deletion of a library at a time."""

from __future__ import annotations

from typing import Any

from jobs.queues import Queue
from jobs.runs import job_run_execute
from jobs.tasks import NO_RETRY, job_task
from libraries import scan, schedule, services
from libraries.models import Library

QUEUE = Queue.LIBRARY


def _scan(library_id: str) -> dict[str, Any]:
    try:
        return scan.library_scan(library_id=library_id).record()
    except Library.DoesNotExist:
        return {"state": "gone"}


def _sync(library_id: str, paths: list[str]) -> dict[str, Any]:
    try:
        return scan.library_sync_paths(library_id=library_id, paths=paths).record()
    except Library.DoesNotExist:
        return {"state": "gone"}


def _after_scan(library_id: str) -> dict[str, Any]:
    """What follows a scan that found new or changed files: new assets into the pipeline, then fingerprints."""
    queued = services.library_queue_metadata(library_id=library_id)
    return {"queued": queued, "fingerprinted": services.library_fingerprint_files(library_id=library_id)}


def _delete(library_id: str) -> dict[str, Any]:
    return {"removed": services.library_delete_assets(library_id=library_id)}


# A run that fails is recorded failed with its reason (a retry would find it finished): no autoretry. The next
# scan (scheduled, or by the watcher) does again what a failed one did not.
@job_task(name=services.SCAN, queue=QUEUE, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60, retry=NO_RETRY)
def library_scan(run_id: int) -> dict[str, Any]:
    return job_run_execute(run_id=run_id, work=_scan)


@job_task(name=services.SYNC, queue=QUEUE, time_limit=3600, retry=NO_RETRY)
def library_sync_paths(run_id: int) -> dict[str, Any]:
    return job_run_execute(run_id=run_id, work=_sync)


@job_task(name=services.AFTER_SCAN, queue=QUEUE, time_limit=6 * 3600, retry=NO_RETRY)
def library_after_scan(run_id: int) -> dict[str, Any]:
    return job_run_execute(run_id=run_id, work=_after_scan)


@job_task(name=services.DELETE, queue=QUEUE, time_limit=6 * 3600, retry=NO_RETRY)
def library_delete(run_id: int) -> dict[str, Any]:
    return job_run_execute(run_id=run_id, work=_delete)


@job_task(name="LibraryScanSchedule", queue=Queue.BACKGROUND_TASK, time_limit=60, expires=55, retry=NO_RETRY)
def library_scan_schedule() -> int:
    return schedule.libraries_scan_due()

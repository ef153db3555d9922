"""Whole-library jobs as recorded runs (`JobRun`): requested (recorded, sent after commit), run (claimed, beating,
finished with a result or failed with the reason), and given back or sent again by the reconciler, as steps are.
A run killed with its worker, or lost with Redis, is not lost: the next one resumes where it stopped (the jobs
that use this are resumable, e.g. the storage template migration finishes its journal first)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone

from jobs import broker
from jobs.models import JobRun, StepStatus
from jobs.queues import Queue
from jobs.services import beating, queue_is_paused, worker_token

logger = logging.getLogger(__name__)

UNFINISHED = (StepStatus.PENDING, StepStatus.RUNNING)


def _send(run: JobRun) -> None:
    current_app.send_task(run.name, args=(run.pk,), queue=run.queue)


def job_run_request(*, name: str, queue: Queue) -> JobRun:
    """Record a run of the task `name` and send it after commit; while one is pending or running, that one is the
    answer (a second Start does not start a second run)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(name=name, status__in=UNFINISHED).first()
        if run is not None:
            return run
        run = JobRun.objects.create(name=name, queue=queue.value, queued_at=timezone.now())
        transaction.on_commit(lambda: _send(run))
    return run


def job_run_execute(*, run_id: int, work: Callable[[], dict]) -> dict:
    """Claim the run (pending -> running; a duplicate delivery claims nothing), do `work` while beating, record
    its result, or its failure with the reason (the error propagates). Returns the result."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=run_id, status=StepStatus.PENDING).update(
        status=StepStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_token(None)
    )
    if not claimed:
        return {"skipped": f"run {run_id} is running elsewhere or finished"}
    runs = JobRun.objects.filter(pk=run_id, status=StepStatus.RUNNING)
    try:
        with beating(f"heartbeat-run-{run_id}", lambda: runs.update(heartbeat_at=timezone.now())):
            result = work()
    except Exception as error:
        runs.update(status=StepStatus.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now(),
                    worker="")
        raise
    runs.update(status=StepStatus.DONE, result=result, finished_at=timezone.now(), worker="")
    return result


def job_runs_reconcile(*, stale_before: datetime, lost_before: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Runs whose worker died (heartbeat older than `stale_before`) go back to pending and are sent again; pending
    runs queued before `lost_before` whose queue is empty in Redis (the message was lost) are sent again.
    Returns (given back, re-sent) by queue."""
    given_back: dict[str, int] = {}
    resent: dict[str, int] = {}
    now = timezone.now()
    for run in JobRun.objects.filter(status__in=UNFINISHED).order_by("pk"):
        if queue_is_paused(run.queue):
            continue
        if run.status == StepStatus.RUNNING:
            if run.heartbeat_at >= stale_before:
                continue
            counts = given_back
        elif run.queued_at >= lost_before or broker.queue_length(run.queue) > 0:
            continue
        else:
            counts = resent
        # Conditional on the state read: a run claimed meanwhile is left alone.
        if JobRun.objects.filter(pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at).update(
            status=StepStatus.PENDING, worker="", queued_at=now
        ):
            logger.warning("job run %s (%s) sent again: %s", run.pk, run.name,
                           "its worker stopped beating" if counts is given_back else "its message was lost")
            counts[run.queue] = counts.get(run.queue, 0) + 1
            transaction.on_commit(lambda run=run: _send(run))
    return given_back, resent

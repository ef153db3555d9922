"""Jobs that are not per-asset steps as recorded runs (`JobRun`): requested (recorded, sent after commit), run
(claimed, beating, finished with a result or failed with the reason), and given back or sent again by the
reconciler, as steps are. A run killed with its worker, or lost with Redis, is not lost: the next delivery does it
again (the jobs that use this are resumable or idempotent, e.g. the storage template migration finishes its journal
first). A run's subject (a library) is held by one running run at a time; a paused queue's runs stay pending."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jobs import broker
from jobs.heartbeat import beating
from jobs.models import JobRun, QueueState, StepStatus
from jobs.queues import Queue
from jobs.services import queue_is_paused, worker_token

logger = logging.getLogger(__name__)

UNFINISHED = (StepStatus.PENDING, StepStatus.RUNNING)
# A run whose subject another run holds comes back after this long (it stays pending meanwhile).
BUSY_RETRY_S = 30

Work = Callable[..., dict[str, Any]]


class RunBusy(Exception):
    """Another run holds the subject: this one did nothing."""


def _send(run: JobRun, countdown: int | None = None) -> None:
    current_app.send_task(run.name, args=(run.pk,), queue=run.queue, countdown=countdown)


def job_run_request(
    *, name: str, queue: Queue, subject: str = "", args: dict[str, Any] | None = None, once: bool = True
) -> JobRun:
    """Record a run of the task `name` and send it after commit. With `once`, while a run of the same name and
    subject is pending or running, that one is the answer (a second Start does not start a second run)."""
    with transaction.atomic():
        if once:
            unfinished = JobRun.objects.select_for_update().filter(name=name, subject=subject, status__in=UNFINISHED)
            existing: JobRun | None = unfinished.first()
            if existing is not None:
                return existing
        run: JobRun = JobRun.objects.create(
            name=name, queue=queue.value, subject=subject, args=args or {}, queued_at=timezone.now()
        )
        transaction.on_commit(lambda: _send(run))
    return run


def _claim(runs: Any) -> bool:
    """pending -> running for the runs of `runs` whose queue is not paused; RunBusy when the subject is held."""
    now = timezone.now()
    paused = QueueState.objects.filter(queue=OuterRef("queue"), is_paused=True)
    try:
        with transaction.atomic():
            return bool(
                runs.filter(status=StepStatus.PENDING)
                .filter(~Exists(paused))
                .update(status=StepStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_token(None))
            )
    except IntegrityError as error:  # one_running_run_per_subject
        raise RunBusy(str(error)) from error


def _run_claimed(run: JobRun, work: Work) -> dict[str, Any]:
    """Do `work` with the run's arguments while beating, and record its result or its failure with the reason
    (the error propagates)."""
    runs = JobRun.objects.filter(pk=run.pk, status=StepStatus.RUNNING)
    try:
        with beating(f"heartbeat-run-{run.pk}", lambda: runs.update(heartbeat_at=timezone.now())):
            result = work(**run.args)
    except Exception as error:
        runs.update(
            status=StepStatus.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now(), worker=""
        )
        raise
    runs.update(status=StepStatus.DONE, result=result, finished_at=timezone.now(), worker="")
    return result


def job_run_execute(*, run_id: int, work: Work) -> dict[str, Any]:
    """Claim the run and do `work(**args)` (see _run_claimed). Nothing runs for a duplicate delivery, nor while the
    queue is paused (the run stays pending; resume sends it again); a run whose subject is held comes back later."""
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None or run.status != StepStatus.PENDING:
        return {"skipped": f"run {run_id} is running elsewhere or finished"}
    try:
        claimed = _claim(JobRun.objects.filter(pk=run_id))
    except RunBusy:
        transaction.on_commit(lambda: _send(run, countdown=BUSY_RETRY_S))
        return {"waiting": f"{run.subject} is held by another run"}
    if not claimed:
        return {"waiting": f"the {run.queue} queue is paused"}
    return _run_claimed(run, work)


def job_run_here(*, name: str, queue: Queue, subject: str, args: dict[str, Any], work: Work) -> dict[str, Any]:
    """Run the job in this process now (a management command), recorded as a run of `subject` like a queued one:
    a pending run of the same name and subject is taken over, RunBusy when another run holds the subject. A
    paused queue does not hold it (the administrator asked for it by hand)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(name=name, subject=subject, status=StepStatus.PENDING).first()
        created = run is None
        if run is None:
            run = JobRun.objects.create(
                name=name, queue=queue.value, subject=subject, args=args, queued_at=timezone.now()
            )
    now = timezone.now()
    try:
        with transaction.atomic():
            JobRun.objects.filter(pk=run.pk, status=StepStatus.PENDING).update(
                status=StepStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_token(None), args=args
            )
    except IntegrityError as error:
        if created:
            run.delete()
        raise RunBusy(f"{subject} is held by another run") from error
    run.args = args
    return _run_claimed(run, work)


def job_runs_resend(*, queue: Queue) -> int:
    """Send every pending run of the queue again (after a resume: the deliveries made while it was paused did
    nothing)."""
    pending = list(JobRun.objects.filter(queue=queue.value, status=StepStatus.PENDING))
    JobRun.objects.filter(pk__in=[run.pk for run in pending]).update(queued_at=timezone.now())
    for run in pending:
        transaction.on_commit(partial(_send, run))
    return len(pending)


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
            if run.heartbeat_at is not None and run.heartbeat_at >= stale_before:
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
            logger.warning(
                "job run %s (%s) sent again: %s",
                run.pk,
                run.name,
                "its worker stopped beating" if counts is given_back else "its message was lost",
            )
            counts[run.queue] = counts.get(run.queue, 0) + 1
            transaction.on_commit(partial(_send, run))
    return given_back, resent

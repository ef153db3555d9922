"""The jobs page's queue commands (start, pause, resume, empty, clear-failed, retry-failed) and the manual jobs.
What Start means for a queue that is not "every asset's step" is the owning app's, registered with jobs.registry."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from immich.errors import BadRequest
from jobs import broker, registry
from jobs.models import AssetStep, Priority, QueueState, StepStatus
from jobs.publishing import BATCH, chunks, resend_pending
from jobs.queues import IDLE_QUEUES, Queue
from jobs.runs import job_runs_resend
from jobs.services import steps_enqueue
from jobs.steps import QUEUE_STEP, step_definition


class InvalidCommand(BadRequest):
    pass


# Pausing backgroundTask is refused: it carries the reconciler (which gives every other queue's work back), the
# schedules that request runs, asset deletions (whose files and quota must go) and the trash purge; none of it is
# recorded work a resume could send again.
UNPAUSABLE = {Queue.BACKGROUND_TASK}


def queue_pause(*, queue: Queue, by: str = "") -> None:
    QueueState.objects.update_or_create(
        queue=queue.value, defaults={"is_paused": True, "paused_at": timezone.now(), "paused_by": by}
    )


def queue_resume(*, queue: Queue) -> int:
    """Unpause and send every pending step and run of the queue again: whatever was consumed while paused was
    deferred."""
    QueueState.objects.update_or_create(
        queue=queue.value, defaults={"is_paused": False, "paused_at": None, "paused_by": ""}
    )
    step = QUEUE_STEP.get(queue)
    return (resend_pending(step=step) if step else 0) + job_runs_resend(queue=queue)


def queue_empty(*, queue: Queue) -> int:
    """Drop the waiting jobs: a step queued again over an earlier result (All) gets that result back, as it was
    before; the others become "missing" (no row), so a later Missing run picks them up."""
    removed = broker.purge(queue.value)
    step = QUEUE_STEP.get(queue)
    if step:
        pending = AssetStep.objects.filter(step=step, status=StepStatus.PENDING)
        with transaction.atomic():
            restored = pending.exclude(kept_outcome="").update(status=F("kept_outcome"), kept_outcome="", worker="")
            deleted, _ = pending.delete()
        removed = restored + deleted
    return removed


def queue_clear_failed(*, queue: Queue) -> int:
    step = QUEUE_STEP.get(queue)
    return AssetStep.objects.filter(step=step, status=StepStatus.FAILED).delete()[0] if step else 0


def queue_retry_failed(*, queue: Queue, asset_ids: Collection[uuid.UUID] | None = None) -> int:
    step = QUEUE_STEP.get(queue)
    if step is None:
        return 0
    failed = AssetStep.objects.filter(step=step, status=StepStatus.FAILED)
    if asset_ids is not None:
        failed = failed.filter(asset_id__in=asset_ids)
    with transaction.atomic():
        ids = [str(asset_id) for asset_id in failed.values_list("asset_id", flat=True)]
        failed.update(attempts=0)  # steps_enqueue starts the count of worker losses again
        return steps_enqueue(asset_ids=ids, step=step, priority=Priority.UPLOAD)


def queue_start(*, queue: Queue, force: bool) -> int:
    """ "All" (force) or "Missing": enqueue the step for every candidate asset, or for those without a current
    result, in the backfill lane so new uploads keep going first."""
    step = QUEUE_STEP.get(queue)
    if step is None:
        return 0
    definition = step_definition(step)
    assets = definition.candidates()
    if not force:
        current = AssetStep.objects.filter(step=step).filter(
            status__in=[StepStatus.PENDING, StepStatus.RUNNING, StepStatus.FAILED]
        ) | AssetStep.objects.filter(
            step=step, status__in=[StepStatus.DONE, StepStatus.SKIPPED], settings_version=definition.settings_version()
        )
        assets = assets.exclude(pk__in=current.values("asset_id"))
    else:
        assets = assets.exclude(
            pk__in=AssetStep.objects.filter(step=step, status=StepStatus.RUNNING).values("asset_id")
        )
    total = 0
    ids = [str(asset_id) for asset_id in assets.values_list("pk", flat=True).iterator(chunk_size=BATCH)]
    for chunk in chunks(ids, 10_000):
        with transaction.atomic():
            total += steps_enqueue(asset_ids=chunk, step=step, priority=Priority.BACKFILL)
    return total


def queue_command(*, queue: Queue, command: str, force: bool | None, by: str = "") -> int:
    """The jobs page's buttons: start (All with force, Missing without), pause, resume, empty, clear-failed,
    retry-failed. Returns how many jobs the command touched. A queue this server has no work for (IDLE_QUEUES)
    takes every command: its pause is recorded like any other, and the rest touch nothing."""
    if command == "start":
        start = registry.queue_start_of(queue)
        if start is not None:
            return start(bool(force))
        if queue in IDLE_QUEUES:
            return 0  # accepted, as Immich accepts a start whose feature is off: there is nothing to queue
        if queue not in QUEUE_STEP:
            raise InvalidCommand(f"Invalid job name: {queue.value} cannot be started from the jobs page yet")
        return queue_start(queue=queue, force=bool(force))
    if command == "pause":
        if queue in UNPAUSABLE:
            raise InvalidCommand(f"{queue.value} cannot be paused")
        queue_pause(queue=queue, by=by)
        return 0
    if command == "resume":
        return queue_resume(queue=queue)
    if command == "empty":
        return queue_empty(queue=queue)
    if command == "clear-failed":
        return queue_clear_failed(queue=queue)
    if command == "retry-failed":
        return queue_retry_failed(queue=queue)
    raise InvalidCommand(f"Unknown command {command}")


def manual_job_run(*, name: str) -> None:
    """Send the manual job `name` once the surrounding transaction commits."""
    jobs = registry.manual_jobs()
    if name not in jobs:
        raise InvalidCommand(f"Unknown or unavailable job {name}; available: {', '.join(sorted(jobs))}")
    transaction.on_commit(jobs[name])

"""Reads for the jobs page and API: counts come from the recorded step state, not from the broker, so they are
exact under concurrency and survive a Redis flush."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from django.db.models import Count, Q

from jobs import broker
from jobs.models import AssetStep, QueueState, StepStatus
from jobs.queues import Queue
from jobs.steps import QUEUE_STEP

MAX_LISTED = 1000
KEPT = "kept"  # per step: queued or running again over an earlier result (AssetStep.kept_outcome)
CLAIMS = "claims"  # per step: the claims that hold running steps, one per worker process at work
_QUEUED = (StepStatus.PENDING, StepStatus.RUNNING)


class JobCounts(TypedDict):
    active: int
    completed: int
    failed: int
    delayed: int
    waiting: int
    paused: int


class QueueStatus(TypedDict):
    isActive: bool
    isPaused: bool


class QueueStatistics(TypedDict):
    jobCounts: JobCounts
    queueStatus: QueueStatus


def paused_queues() -> set[str]:
    return set(QueueState.objects.filter(is_paused=True).values_list("queue", flat=True))


def queue_statistics() -> dict[str, QueueStatistics]:
    """Per queue: {"jobCounts": {active, completed, failed, delayed, waiting, paused}, "queueStatus": {isActive, isPaused}}."""
    by_step: dict[str, dict[str, int]] = {}
    rows = AssetStep.objects.values("step", "status").annotate(
        count=Count("id"),
        kept=Count("id", filter=~Q(kept_outcome="")),
        claims=Count("worker", distinct=True, filter=~Q(worker="")),
    )
    for row in rows.order_by():
        states = by_step.setdefault(row["step"], {})
        states[row["status"]] = row["count"]
        states[KEPT] = states.get(KEPT, 0) + (row["kept"] if row["status"] in _QUEUED else 0)
        if row["status"] == StepStatus.RUNNING:
            states[CLAIMS] = row["claims"]
    paused = paused_queues()
    result: dict[str, QueueStatistics] = {}
    for queue in Queue:
        step = QUEUE_STEP.get(queue)
        is_paused = queue.value in paused
        if step is None:
            waiting = broker.queue_length(queue.value)
            counts: JobCounts = {
                "active": 0,
                "completed": 0,
                "failed": 0,
                "delayed": 0,
                "waiting": waiting,
                "paused": 0,
            }
        else:
            states = by_step.get(step.value, {})
            # A worker process claims a message's steps together and runs them one after the other: one of them
            # is active (one per claim), the rest of the claim waits its turn.
            running = states.get(StepStatus.RUNNING, 0)
            active = min(running, states.get(CLAIMS, 0))
            pending = states.get(StepStatus.PENDING, 0) + running - active
            counts = {
                "active": active,
                # Outputs that are there: steps done or skipped, and those queued to run again over their result.
                "completed": states.get(StepStatus.DONE, 0) + states.get(StepStatus.SKIPPED, 0) + states.get(KEPT, 0),
                "failed": states.get(StepStatus.FAILED, 0),
                "delayed": 0,
                "waiting": 0 if is_paused else pending,
                "paused": pending if is_paused else 0,
            }
        result[queue.value] = {
            "jobCounts": counts,
            "queueStatus": {"isActive": counts["active"] > 0, "isPaused": is_paused},
        }
    return result


def queue_items(*, queue: Queue, status: str) -> list[dict[str, Any]]:
    """The steps of a queue in one state, newest first: failed ones carry their reason."""
    step = QUEUE_STEP.get(queue)
    if step is None:
        return []
    rows = (
        AssetStep.objects.filter(step=step, status=status)
        .select_related("asset")
        .order_by("-finished_at", "-queued_at")[:MAX_LISTED]
    )
    return [
        {
            "id": f"{row.asset_id}/{row.step}",
            "name": step.label,
            "data": {"id": str(row.asset_id)},
            "assetId": str(row.asset_id),
            "originalFileName": row.asset.original_file_name,
            "timestamp": _milliseconds(row.finished_at or row.queued_at),
            "attempts": row.attempts,
            "error": row.last_error or None,
        }
        for row in rows
    ]


def _milliseconds(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None

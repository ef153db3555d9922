"""Rebuilds pending work from the database, so a lost message, a flushed Redis or a killed worker never leaves
an asset half-processed or half-deleted, nor a whole-library run (jobs.runs) abandoned. Runs periodically (beat)
and is safe to run any number of times at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from jobs import broker, registry, slots
from jobs.models import AssetStep, StepStatus
from jobs.publishing import publish_lanes, resend_pending
from jobs.runs import job_runs_reconcile
from jobs.services import queue_is_paused, slot_of, steps_give_back
from jobs.steps import STEP_QUEUE

logger = logging.getLogger(__name__)

# A running step whose heartbeat is older than this lost its worker (heartbeats come every 10 s).
STALE_AFTER = timedelta(seconds=45)
# A pending step is only re-sent when its queue is empty in Redis and it was queued longer ago than this.
LOST_AFTER = timedelta(seconds=30)


@dataclass
class Reconciliation:
    given_back: dict[str, int] = field(default_factory=dict)
    resent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # steps whose file killed their worker MAX_WORKER_LOSSES times


def reconcile() -> Reconciliation:
    result = Reconciliation()
    now = timezone.now()
    for step, queue in STEP_QUEUE.items():
        paused = queue_is_paused(queue.value)
        with transaction.atomic():
            # Locked and skipped when locked: reconcilers running at once never count one death twice.
            stale = AssetStep.objects.select_for_update(skip_locked=True).filter(
                step=step, status=StepStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
            )
            stale_rows = list(stale)
            given_back, failed = steps_give_back(rows=stale_rows, now=now)
        rows = [(row.asset_id, row.priority) for row in given_back]
        if failed:
            result.failed[queue.value] = len(failed)
        # The dead workers' slots of the queue's concurrency go with their steps (they would expire later).
        for token in {row.worker for row in stale_rows}:
            slots.release(queue.value, slot_of(token))
        if rows:
            result.given_back[queue.value] = len(rows)
            if not paused:
                transaction.on_commit(partial(publish_lanes, step=step, rows=rows, alone=True))
        if paused or broker.queue_length(queue.value) > 0:
            continue
        resent = resend_pending(step=step, queued_before=now - LOST_AFTER)
        if resent:
            result.resent[queue.value] = resent
    # What the apps re-send themselves (e.g. asset deletions), each while its queue is empty in Redis.
    for queue, hook in registry.reconcile_hooks():
        if broker.queue_length(queue.value) == 0 and (count := hook(now - LOST_AFTER)):
            result.resent[queue.value] = result.resent.get(queue.value, 0) + count
    runs_given_back, runs_resent = job_runs_reconcile(stale_before=now - STALE_AFTER, lost_before=now - LOST_AFTER)
    for counts, more in ((result.given_back, runs_given_back), (result.resent, runs_resent)):
        for queue_name, count in more.items():
            counts[queue_name] = counts.get(queue_name, 0) + count
    if result.given_back or result.resent or result.failed:
        logger.info("reconciler: given back %s, re-sent %s, failed %s", result.given_back, result.resent, result.failed)
    return result

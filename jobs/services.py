"""The lifecycle of per-asset steps: enqueue (recorded first, sent after commit), run (claim, heartbeat,
outcome, follow-ups), and the queue commands of the jobs page."""

from __future__ import annotations

import logging
import socket
import uuid
from collections import Counter
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction
from django.db.models import Exists, F
from django.utils import timezone

from jobs import registry, slots
from jobs.heartbeat import HEARTBEAT_S, beating
from jobs.models import AssetStep, Priority, QueueState, Step, StepStatus
from jobs.publishing import chunks, publish
from jobs.registry import StepFailure
from jobs.space import SPACE_WAIT_MAX_S, WAITING_FOR_SPACE, WaitingForSpace
from jobs.steps import STEP_QUEUE, StepDefinition, step_definition, steps_after
from workers.media.errors import out_of_space

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A file that kills its worker (a crash in a decoder, the hard time limit) fails for good after this many deaths,
# instead of being given back and killing workers forever.
MAX_WORKER_LOSSES = 3
WORKER_NAME = f"{socket.gethostname()}"


class PermanentFailure(Exception):
    """The input itself is wrong (corrupt, unsupported): recorded with its reason, never retried."""


class SlotBusy(Exception):
    """The queue's cluster-wide concurrency is used up: the job waits and comes back, it is not run now."""


# -- enqueue ---------------------------------------------------------------------------------------------------


def steps_enqueue(
    *, asset_ids: Iterable[object], step: Step, priority: int = Priority.UPLOAD, continue_chain: bool = False
) -> int:
    """Record the steps as pending now (bulk) and send their ids once the surrounding transaction commits."""
    ids = [str(asset_id) for asset_id in asset_ids]
    _outcomes_keep(asset_ids=ids, step=step)
    _steps_upsert(asset_ids=ids, step=step, status=StepStatus.PENDING, priority=priority, continue_chain=continue_chain)
    transaction.on_commit(lambda: publish(step=step, asset_ids=ids, priority=priority))
    return len(ids)


def _outcomes_keep(*, asset_ids: list[str], step: Step) -> None:
    """Steps done or skipped before, about to run again: their outcome is kept aside while they wait and run (their
    outputs are still there), so the jobs page still counts them completed and Clear gives them back."""
    for chunk in chunks(asset_ids):
        AssetStep.objects.filter(
            asset_id__in=chunk, step=step, status__in=[StepStatus.DONE, StepStatus.SKIPPED]
        ).update(kept_outcome=F("status"))


def _steps_upsert(
    *, asset_ids: list[str], step: Step, status: str, priority: int, continue_chain: bool, **fields: Any
) -> None:
    """Each asset's row of the step, created or overwritten with a fresh start: the status, queued now, no error,
    no worker losses counted, plus `fields`."""
    now = timezone.now()
    values = {
        "status": status,
        "priority": priority,
        "continue_chain": continue_chain,
        "queued_at": now,
        "last_error": "",
        "worker_losses": 0,
        **fields,
    }
    for chunk in chunks(asset_ids):
        AssetStep.objects.bulk_create(
            [AssetStep(asset_id=asset_id, step=step, **values) for asset_id in chunk],
            update_conflicts=True,
            unique_fields=["asset", "step"],
            update_fields=list(values),
        )


def steps_record_outcomes(*, step: Step, outcomes: list[tuple[str, str, str]], settings_version: str) -> None:
    """Record outcomes of `step` whose work was done outside its queue (the whole-library storage template
    migration): each (asset id, done/skipped/failed, reason) in one statement, leaving alone the rows the queue has
    pending or running (those are the queue's to finish). The statement is SQL because the ORM's upsert cannot
    leave those rows alone."""
    if not outcomes:
        return
    now = timezone.now()
    table = AssetStep._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, false, 1, %s, %s, '', %s, %s, %s)"] * len(outcomes))
    params: list[uuid.UUID | str | int | datetime] = []
    for asset_id, status, reason in outcomes:
        params += [uuid.UUID(asset_id), step.value, status, Priority.BACKFILL, reason, settings_version, now, now, now]
    sql = (
        f"INSERT INTO {table} (asset_id, step, status, priority, continue_chain, attempts, last_error, "
        "settings_version, worker, queued_at, started_at, finished_at) VALUES "
        + values
        + " ON CONFLICT (asset_id, step) DO UPDATE SET status = excluded.status, last_error = excluded.last_error, "
        "settings_version = excluded.settings_version, started_at = excluded.started_at, "
        f"finished_at = excluded.finished_at, attempts = 1, kept_outcome = '' WHERE {table}.status NOT IN (%s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, StepStatus.PENDING.value, StepStatus.RUNNING.value])


def step_enqueue_on_commit(*, asset_id: object, step: Step, continue_chain: bool = True) -> None:
    steps_enqueue(asset_ids=[asset_id], step=step, priority=Priority.UPLOAD, continue_chain=continue_chain)


# -- run -------------------------------------------------------------------------------------------------------


def queue_is_paused(queue: str) -> bool:
    return bool(QueueState.objects.filter(queue=queue, is_paused=True).exists())


def worker_token(slot: str | None) -> str:
    """What a claim writes in its rows' `worker`: the host, then the queue slot the claim holds (so the reconciler
    can free the slot of a worker that died), or a fresh id without one."""
    return f"{WORKER_NAME}:{slot or uuid.uuid4().hex[:12]}"


def slot_of(token: str) -> str:
    return token.rpartition(":")[2]


def _claim(*, asset_ids: list[str], step: Step, slot: str | None = None) -> list[AssetStep]:
    """pending -> running, atomically, unless the step's queue is paused: a duplicate delivery, a step another
    worker holds or a paused queue claims nothing. The token marks this claim's rows, so they can be read back
    without racing other claims."""
    now = timezone.now()
    token = worker_token(slot)
    paused = QueueState.objects.filter(queue=STEP_QUEUE[step].value, is_paused=True)
    claimed = (
        AssetStep.objects.filter(asset_id__in=asset_ids, step=step, status=StepStatus.PENDING)
        .filter(~Exists(paused))
        .update(status=StepStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, worker=token)
    )
    if not claimed:
        return []
    return list(AssetStep.objects.filter(step=step, status=StepStatus.RUNNING, worker=token))


def _heartbeat(rows: list[AssetStep], queue: str, slot: str | None) -> AbstractContextManager[None]:
    """Tell the reconciler these steps are alive, and keep their slot of the queue's concurrency."""
    ids = [row.pk for row in rows]

    def beat() -> None:
        AssetStep.objects.filter(pk__in=ids, status=StepStatus.RUNNING).update(heartbeat_at=timezone.now())
        if slot:
            slots.refresh(queue, slot)

    return beating(f"heartbeat-{ids[0]}", beat)


def _finish(row: AssetStep, **fields: Any) -> None:
    AssetStep.objects.filter(pk=row.pk).update(finished_at=timezone.now(), worker="", **fields)


def steps_run(*, asset_ids: list[str], step: Step, concurrency_limit: int | None = None) -> dict[str, StepStatus]:
    """Run one step for each asset of a message whose step is pending, in order. Returns the outcomes of those
    that ran; nothing runs for the ones already done, running elsewhere, failed or deleted, nor while the queue
    is paused (those stay pending). A transient error gives the unfinished ones back and propagates.

    Outcomes are recorded together with the next steps of the chain, in one transaction per message: a worker
    killed mid-message leaves its finished steps running, and the reconciler gives them back to run again, which
    idempotent steps make harmless."""
    definition = step_definition(step)
    queue = STEP_QUEUE[step].value
    slot = None
    if concurrency_limit:
        slot = slots.acquire(queue, concurrency_limit)
        if slot is None:
            raise SlotBusy(queue)
    outcomes: dict[str, StepStatus] = {}
    finished: list[tuple[AssetStep, dict[str, Any]]] = []
    rows: list[AssetStep] = []
    try:
        rows = _claim(asset_ids=asset_ids, step=step, slot=slot)
        if rows:
            with _heartbeat(rows, queue, slot):
                for row in rows:
                    outcome, fields = _run_work(row, definition)
                    outcomes[str(row.asset_id)] = outcome
                    finished.append((row, fields))
    except BaseException:
        unfinished = [row.pk for row in rows if str(row.asset_id) not in outcomes]
        AssetStep.objects.filter(pk__in=unfinished, status=StepStatus.RUNNING).update(
            status=StepStatus.PENDING, worker="", attempts=F("attempts") - 1
        )
        raise
    finally:
        try:
            if finished:
                with transaction.atomic():
                    _record(finished)
                    _continue_chains(rows, outcomes, definition)
                    registry.steps_failed(
                        [
                            StepFailure(str(row.asset_id), row.step, fields["last_error"])
                            for row, fields in finished
                            if fields["status"] == StepStatus.FAILED
                        ]
                    )
        finally:
            # Only now: a step still shown running must keep holding its slot.
            if slot:
                slots.release(queue, slot)
    return outcomes


def steps_give_back(*, rows: list[AssetStep], now: datetime) -> tuple[list[AssetStep], list[AssetStep]]:
    """Running steps whose worker stopped beating (killed, crashed, or ended by its hard time limit) go back to
    pending, to be sent again; the kill is not a transient error, so `attempts` does not count it. A worker that
    died holding one step died on that file: the loss is counted, and at MAX_WORKER_LOSSES the step fails with the
    story. One that held a backfill group leaves the culprit unknown: nothing is counted, and the caller sends each
    step alone, so that a second death names its file. Call inside a transaction with the rows locked.
    Returns (given back, failed)."""
    held = Counter(row.worker for row in rows)
    given_back: list[AssetStep] = []
    failed: list[AssetStep] = []
    for row in rows:
        if held[row.worker] == 1:
            status = _count_worker_loss(row, cause=_loss_cause(row), now=now)
        else:
            status = StepStatus.PENDING
            AssetStep.objects.filter(pk=row.pk).update(
                status=status, worker="", attempts=F("attempts") - 1, queued_at=now
            )
        (failed if status == StepStatus.FAILED else given_back).append(row)
    return given_back, failed


def _count_worker_loss(row: AssetStep, *, cause: str, now: datetime) -> StepStatus:
    """One more death of a worker on this step's file: back to pending, or failed at MAX_WORKER_LOSSES."""
    losses = row.worker_losses + 1
    fields: dict[str, Any] = {
        "status": StepStatus.PENDING,
        "worker": "",
        "attempts": F("attempts") - 1,
        "queued_at": now,
        "worker_losses": losses,
        "last_error": f"the worker died while processing this file ({cause})",
    }
    if losses >= MAX_WORKER_LOSSES:
        fields.update(
            status=StepStatus.FAILED,
            finished_at=now,
            kept_outcome="",
            last_error=f"the worker died {losses} times while processing this file (last: {cause})",
        )
    AssetStep.objects.filter(pk=row.pk).update(**fields)
    if fields["status"] == StepStatus.FAILED:
        registry.steps_failed([StepFailure(str(row.asset_id), row.step, fields["last_error"])])
    status: StepStatus = fields["status"]
    return status


def _loss_cause(row: AssetStep) -> str:
    """Why a worker stopped beating, from how long it had run: up to its task's hard time limit, or less."""
    limit = step_definition(Step(row.step)).task.time_limit
    ran = (row.heartbeat_at - row.started_at).total_seconds() if row.heartbeat_at and row.started_at else 0
    if limit and ran >= limit - 2 * HEARTBEAT_S:  # the last beat comes up to one interval before the kill
        return f"stopped at its {limit} s time limit"
    return "killed or crashed"


def step_run(*, asset_id: object, step: Step, concurrency_limit: int | None = None) -> StepStatus | None:
    """One asset's step (see steps_run): its outcome, or None when nothing ran."""
    return steps_run(asset_ids=[str(asset_id)], step=step, concurrency_limit=concurrency_limit).get(str(asset_id))


def _record(finished: list[tuple[AssetStep, dict[str, Any]]]) -> None:
    """One UPDATE per distinct outcome (most of a message's steps end the same way)."""
    now = timezone.now()
    by_outcome: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    for row, fields in finished:
        by_outcome.setdefault(tuple(sorted(fields.items())), []).append(row.pk)
    for outcome, ids in by_outcome.items():
        # The worker stays recorded: which one ran the step (the asset admin's Worker column).
        AssetStep.objects.filter(pk__in=ids).update(finished_at=now, kept_outcome="", **dict(outcome))


def _continue_chains(rows: list[AssetStep], outcomes: dict[str, StepStatus], definition: StepDefinition) -> None:
    """Queue what follows each finished step of the upload chain, one bulk enqueue per next step and lane; a step
    that is switched off is recorded skipped on the spot and the chain goes on past it (no message, no slot).

    A failed step does not end the chain: each next step tries for itself and records its own outcome (a JPEG whose
    metadata cannot be read may still decode, as Immich still tries its thumbnails), so that every step of every
    asset ends done, skipped or failed, and the queues' counts add up to the assets."""
    following: dict[tuple[Step, int], list[str]] = {}
    for row in rows:
        asset_id = str(row.asset_id)
        if row.continue_chain and asset_id in outcomes:
            for next_step in steps_after(definition.step, asset_id):
                following.setdefault((next_step, row.priority), []).append(asset_id)
    while following:
        (next_step, priority), ids = following.popitem()
        next_definition = step_definition(next_step)
        if not next_definition.switched_off():
            steps_enqueue(asset_ids=ids, step=next_step, priority=priority, continue_chain=True)
            continue
        _steps_upsert(
            asset_ids=ids,
            step=next_step,
            status=StepStatus.SKIPPED,
            priority=priority,
            continue_chain=True,
            finished_at=timezone.now(),
            settings_version=next_definition.settings_version(),
            kept_outcome="",
        )
        for asset_id in ids:
            for after in steps_after(next_step, asset_id):
                following.setdefault((after, priority), []).append(asset_id)


def _run_work(row: AssetStep, definition: StepDefinition) -> tuple[StepStatus, dict[str, Any]]:
    """Run one step; returns its outcome and the fields to record. A transient error is recorded at once (the
    step goes back to pending, or fails for good after MAX_ATTEMPTS) and propagates for the task to retry."""
    try:
        outcome = definition.work(str(row.asset_id)) or StepStatus.DONE
    except PermanentFailure as failure:
        logger.warning("%s failed for asset %s: %s", row.get_step_display(), row.asset_id, failure)
        return StepStatus.FAILED, {"status": StepStatus.FAILED, "last_error": str(failure)}
    except definition.gone:
        return StepStatus.SKIPPED, {"status": StepStatus.SKIPPED, "last_error": ""}
    except SoftTimeLimitExceeded:
        # The work ran into its time limit (the soft one, seconds before the hard kill): the same death of the
        # worker on this file as the reconciler counts after a hard kill, not a transient error to retry 5 times.
        _count_worker_loss(
            row, cause=f"stopped at its {definition.task.soft_time_limit} s time limit", now=timezone.now()
        )
        raise
    except Exception as error:
        if out_of_space(error):
            # Not the file's fault and not a failure: the attempt is not counted, and the step waits for space.
            _finish(
                row,
                status=StepStatus.PENDING,
                attempts=F("attempts") - 1,
                queued_at=timezone.now() + timedelta(seconds=SPACE_WAIT_MAX_S),
                last_error=WAITING_FOR_SPACE,
            )
            raise WaitingForSpace(str(error)) from error
        reason = f"{type(error).__name__}: {error}"
        if row.attempts >= MAX_ATTEMPTS:
            logger.exception("%s failed for asset %s", row.get_step_display(), row.asset_id)
            return StepStatus.FAILED, {
                "status": StepStatus.FAILED,
                "last_error": f"gave up after {row.attempts} attempts: {reason}",
            }
        # Transient: back to pending so the task's retry (or the reconciler) runs it again.
        _finish(row, status=StepStatus.PENDING, last_error=reason)
        raise
    return outcome, {"status": outcome, "last_error": "", "settings_version": definition.settings_version()}

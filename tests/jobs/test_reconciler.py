"""The reconciler rebuilds work from the recorded step state: a running step whose heartbeat stopped is given
back (and a file that kills its worker three times fails), a pending step whose message is gone is sent again;
paused queues and busy queues are left alone."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import timedelta

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.utils import timezone

from assets.models import Asset
from assets.services import assets_delete
from jobs import broker, heartbeat, services, slots, steps
from jobs.commands import queue_pause, queue_resume, queue_retry_failed
from jobs.models import AssetStep, Priority, Step, StepStatus
from jobs.queues import Queue
from jobs.reconciler import LOST_AFTER, STALE_AFTER, reconcile
from jobs.services import step_run, steps_enqueue
from jobs.steps import step_definition
from tests.jobs.helpers import make_assets

pytestmark = pytest.mark.django_db

STORAGE = Queue.STORAGE_TEMPLATE_MIGRATION.value
BACKGROUND = Queue.BACKGROUND_TASK.value


def claimed(asset_id: str, *, heartbeat_age: timedelta, priority: int = Priority.UPLOAD) -> AssetStep:
    """A storage-template step claimed by a worker (the real claim), whose last heartbeat is `heartbeat_age` old."""
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE, priority=priority)
    (row,) = services._claim(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    assert row.attempts == 1
    AssetStep.objects.filter(pk=row.pk).update(heartbeat_at=timezone.now() - heartbeat_age)
    return row


def pending(asset_ids: list[str], *, queued_age: timedelta, priority: int = Priority.UPLOAD) -> None:
    """Pending steps whose messages are gone (never sent here), queued `queued_age` ago."""
    steps_enqueue(asset_ids=asset_ids, step=Step.STORAGE_TEMPLATE, priority=priority)
    AssetStep.objects.filter(asset_id__in=asset_ids).update(queued_at=timezone.now() - queued_age)


def row_of(asset_id: str) -> AssetStep:
    return AssetStep.objects.get(asset_id=asset_id, step=Step.STORAGE_TEMPLATE)


STALE = STALE_AFTER + timedelta(seconds=15)
LOST = LOST_AFTER + timedelta(seconds=5)


# -- running steps whose worker died ---------------------------------------------------------------------------


def test_a_running_step_without_heartbeat_is_given_back_and_sent_again(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    claimed(asset_id, heartbeat_age=STALE)
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile()
    assert result.given_back == {STORAGE: 1}
    row = row_of(asset_id)
    assert (row.status, row.worker, row.attempts) == (StepStatus.PENDING, "", 0)
    assert lanes.llen(STORAGE) == 1
    # The re-sent job runs, and the kill is not counted against the asset: one attempt in all.
    assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) == StepStatus.SKIPPED
    assert (row_of(asset_id).status, row_of(asset_id).attempts) == (StepStatus.SKIPPED, 1)


def test_a_dead_worker_s_slot_is_freed_with_its_steps(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    slot = slots.acquire(STORAGE, 1)
    (row,) = services._claim(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE, slot=slot)
    AssetStep.objects.filter(pk=row.pk).update(heartbeat_at=timezone.now() - STALE)
    assert slots.acquire(STORAGE, 1) is None  # the queue's one slot is the dead worker's, for SLOT_TTL_S
    with django_capture_on_commit_callbacks(execute=True):
        reconcile()
    assert slots.held(STORAGE) == 0 and slots.acquire(STORAGE, 1) is not None


def test_a_given_back_backfill_step_goes_back_to_the_backfill_lane(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    claimed(asset_id, heartbeat_age=STALE, priority=Priority.BACKFILL)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile()
    assert (lanes.llen(STORAGE), lanes.llen(f"{STORAGE}\x06\x169")) == (0, 1)


def test_a_file_that_kills_its_worker_fails_after_the_third_death_instead_of_looping(
    user, lanes, django_capture_on_commit_callbacks
):
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    for death in range(1, services.MAX_WORKER_LOSSES + 1):
        lanes.delete(STORAGE)
        services._claim(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)  # the message delivered (again)
        AssetStep.objects.filter(asset_id=asset_id).update(heartbeat_at=timezone.now() - STALE)  # its worker died
        with django_capture_on_commit_callbacks(execute=True):
            result = reconcile()
        row = row_of(asset_id)
        if death < services.MAX_WORKER_LOSSES:
            assert (result.given_back, result.failed) == ({STORAGE: 1}, {})
            assert (row.status, row.worker_losses, lanes.llen(STORAGE)) == (StepStatus.PENDING, death, 1)
    assert (result.given_back, result.failed) == ({}, {STORAGE: 1})
    assert (row.status, row.worker, lanes.llen(STORAGE)) == (StepStatus.FAILED, "", 0)
    assert row.last_error == "the worker died 3 times while processing this file (last: killed or crashed)"
    assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) is None  # failed stays failed: no fourth death


def test_a_worker_stopped_by_its_hard_time_limit_is_named_so(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    row = claimed(asset_id, heartbeat_age=STALE)
    limit = step_definition(Step.STORAGE_TEMPLATE).task.time_limit
    # It beat until the limit (the last beat one interval before the kill), then the pool killed it.
    last_beat = timezone.now() - STALE
    AssetStep.objects.filter(pk=row.pk).update(
        started_at=last_beat - timedelta(seconds=limit - heartbeat.HEARTBEAT_S), heartbeat_at=last_beat
    )
    with django_capture_on_commit_callbacks(execute=True):
        reconcile()
    assert (
        row_of(asset_id).last_error
        == f"the worker died while processing this file (stopped at its {limit} s time limit)"
    )


def test_a_step_that_runs_into_its_soft_time_limit_counts_the_same_death(user, lanes, monkeypatch):
    """Celery raises SoftTimeLimitExceeded in the work seconds before its hard kill: a loss on the file, not a
    transient error retried MAX_ATTEMPTS times with an exception's name for a reason."""
    (asset_id,) = make_assets(user, 1)

    def too_slow(asset_id: str):
        raise SoftTimeLimitExceeded()

    definition = step_definition(Step.STORAGE_TEMPLATE)
    monkeypatch.setitem(steps._DEFINITIONS, Step.STORAGE_TEMPLATE, dataclasses.replace(definition, work=too_slow))
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    for _ in range(services.MAX_WORKER_LOSSES):  # pending again after each, as the reconciler finds it
        with pytest.raises(SoftTimeLimitExceeded):
            step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE)
    row = row_of(asset_id)
    assert (row.status, row.attempts, row.worker_losses) == (StepStatus.FAILED, 0, 3)
    assert row.last_error == (
        f"the worker died 3 times while processing this file (last: stopped at its "
        f"{definition.task.soft_time_limit} s time limit)"
    )


def test_a_worker_dying_with_a_backfill_group_counts_no_loss_and_sends_each_step_alone(
    user, lanes, django_capture_on_commit_callbacks
):
    """Which of the group killed it is unknown: nobody is blamed, and sent one by one, the next death names it."""
    asset_ids = make_assets(user, 3)
    steps_enqueue(asset_ids=asset_ids, step=Step.STORAGE_TEMPLATE, priority=Priority.BACKFILL)
    services._claim(asset_ids=asset_ids, step=Step.STORAGE_TEMPLATE)  # one message, one claim
    AssetStep.objects.update(heartbeat_at=timezone.now() - STALE)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().given_back == {STORAGE: 3}
    assert [row_of(asset_id).worker_losses for asset_id in asset_ids] == [0, 0, 0]
    assert lanes.llen(f"{STORAGE}\x06\x169") == 3


def test_retrying_a_failed_step_starts_the_count_of_deaths_again(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    claimed(asset_id, heartbeat_age=STALE)
    AssetStep.objects.filter(asset_id=asset_id).update(worker_losses=services.MAX_WORKER_LOSSES - 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().failed == {STORAGE: 1}
        assert queue_retry_failed(queue=Queue.STORAGE_TEMPLATE_MIGRATION) == 1
    row = row_of(asset_id)
    assert (row.status, row.worker_losses, row.last_error) == (StepStatus.PENDING, 0, "")


def test_a_running_step_with_a_recent_heartbeat_is_left_running(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    claimed(asset_id, heartbeat_age=timedelta(seconds=heartbeat.HEARTBEAT_S))
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile()
    assert result.given_back == {} and result.resent == {}
    assert (row_of(asset_id).status, row_of(asset_id).attempts) == (StepStatus.RUNNING, 1)
    assert broker.queue_length(STORAGE) == 0


# -- pending steps whose message was lost ----------------------------------------------------------------------


def test_a_lost_pending_step_is_sent_again_when_its_queue_is_empty(user, lanes):
    lost, recent = make_assets(user, 2)
    pending([lost], queued_age=LOST)
    pending([recent], queued_age=timedelta(seconds=1))  # its message may still be on its way: left alone
    before = timezone.now()
    result = reconcile()
    assert result.resent == {STORAGE: 1}
    assert lanes.llen(STORAGE) == 1
    assert row_of(lost).queued_at >= before  # the clock starts again: the next pass does not send it twice
    assert reconcile().resent == {}
    assert step_run(asset_id=lost, step=Step.STORAGE_TEMPLATE) == StepStatus.SKIPPED


def test_lost_steps_keep_their_lane(user, lanes):
    uploads = make_assets(user, 2)
    backfills = make_assets(user, 3)
    pending(uploads, queued_age=LOST, priority=Priority.UPLOAD)
    pending(backfills, queued_age=LOST, priority=Priority.BACKFILL)
    assert reconcile().resent == {STORAGE: 5}
    # Uploads travel one per message, backfills in groups: two messages in the upload lane, one in the other.
    assert (lanes.llen(STORAGE), lanes.llen(f"{STORAGE}\x06\x169")) == (2, 1)


def test_nothing_is_sent_again_while_the_queue_still_has_messages(user, lanes, django_capture_on_commit_callbacks):
    lost, waiting = make_assets(user, 2)
    pending([lost], queued_age=LOST)
    with django_capture_on_commit_callbacks(execute=True):
        steps_enqueue(asset_ids=[waiting], step=Step.STORAGE_TEMPLATE)
    assert reconcile().resent == {}
    assert lanes.llen(STORAGE) == 1
    assert row_of(lost).status == StepStatus.PENDING


def test_a_paused_queue_is_left_alone_until_resumed(user, lanes, django_capture_on_commit_callbacks):
    lost, orphaned = make_assets(user, 2)
    pending([lost], queued_age=LOST)
    claimed(orphaned, heartbeat_age=STALE)
    queue_pause(queue=Queue.STORAGE_TEMPLATE_MIGRATION)
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile()
    # The dead worker's step is given back (so it is not shown as running), but nothing is sent while paused.
    assert result.given_back == {STORAGE: 1} and result.resent == {}
    assert (row_of(orphaned).status, row_of(lost).status) == (StepStatus.PENDING, StepStatus.PENDING)
    assert broker.queue_length(STORAGE) == 0
    assert queue_resume(queue=Queue.STORAGE_TEMPLATE_MIGRATION) == 2
    assert broker.queue_length(STORAGE) == 2


def test_other_queues_are_reconciled_independently(user, lanes, django_capture_on_commit_callbacks):
    lost_storage, lost_thumbnails, waiting = make_assets(user, 3)
    pending([lost_storage], queued_age=LOST)
    steps_enqueue(asset_ids=[lost_thumbnails], step=Step.THUMBNAILS)
    AssetStep.objects.filter(step=Step.THUMBNAILS).update(queued_at=timezone.now() - LOST)
    with django_capture_on_commit_callbacks(execute=True):
        steps_enqueue(asset_ids=[waiting], step=Step.METADATA)  # a busy metadata queue blocks only itself
    assert reconcile().resent == {STORAGE: 1, Queue.THUMBNAIL_GENERATION.value: 1}


# -- the heartbeat itself --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_outlives_a_broker_hiccup(user, lanes, monkeypatch):
    """A step holds its slot in Redis and its lease in PostgreSQL: one failed beat must not end the beating,
    or a long job (a video encode) is given to a second worker while the first still runs it."""
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    (row,) = services._claim(asset_ids=[asset_id], step=Step.THUMBNAILS)
    monkeypatch.setattr(heartbeat, "HEARTBEAT_S", 0.05)
    real_refresh = slots.refresh
    failures = []

    def refresh_once_failing(queue: str, holder: str) -> None:
        if not failures:
            failures.append(time.monotonic())
            raise redis.ConnectionError("Connection refused (Redis restarting)")
        real_refresh(queue, holder)

    monkeypatch.setattr(slots, "refresh", refresh_once_failing)
    slot = slots.acquire(Queue.THUMBNAIL_GENERATION.value, 3)
    try:
        with services._heartbeat([row], Queue.THUMBNAIL_GENERATION.value, slot):
            deadline = time.monotonic() + 5
            while not failures and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
            after_failure = row_of_thumbnails(asset_id).heartbeat_at
            time.sleep(0.5)
            latest = row_of_thumbnails(asset_id).heartbeat_at
            alive = [thread for thread in threading.enumerate() if thread.name == f"heartbeat-{row.pk}"]
    finally:
        slots.release(Queue.THUMBNAIL_GENERATION.value, slot)
        connection.close()
    assert failures, "the beat never refreshed the slot"
    assert alive, "the heartbeat thread ended after one failed beat"
    assert latest > after_failure


def row_of_thumbnails(asset_id: str) -> AssetStep:
    return AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS)


# -- what the reconciler cannot rebuild must never be lost -----------------------------------------------------


def test_a_failed_slot_release_does_not_lose_the_next_steps(
    user, lanes, monkeypatch, django_capture_on_commit_callbacks
):
    """The reconciler rebuilds pending rows, not rows never written: a step that finished must record its follow-ups
    even when Redis goes away at the end of the job (its slot then simply expires)."""
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE, continue_chain=True)

    real = broker.client()

    class GoneAtTheEnd:
        """Redis answers until the job is done, then refuses the slot's release."""

        def __getattr__(self, name):
            return getattr(real, name)

        def zrem(self, *args):
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(broker, "client", GoneAtTheEnd)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE, concurrency_limit=1)
    assert outcome == StepStatus.SKIPPED
    assert row_of_thumbnails(asset_id).status == StepStatus.PENDING
    assert broker.queue_length(Queue.THUMBNAIL_GENERATION.value) == 1


# -- deletions whose message was lost ----------------------------------------------------------------------------


def test_a_deletion_whose_message_was_lost_is_sent_again(user, lanes, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    assets_delete(owner=user, ids=[asset_id], force=True)  # its AssetDelete message is never sent here: lost
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().resent == {}  # deleted just now: its message may be on its way
    Asset.objects.filter(pk=asset_id).update(deleted_at=timezone.now() - LOST)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().resent == {BACKGROUND: 1}
    [message] = [json.loads(raw) for raw in lanes.lrange(BACKGROUND, 0, -1)]
    assert (message["headers"]["task"], message["headers"]["argsrepr"]) == ("AssetDelete", repr((asset_id,)))

"""The queue commands of the jobs page against real Redis: start (Missing / All), pause, resume, empty, clear-failed,
retry-failed, the counts, and the two lanes (uploads before backfills). No worker: the Redis lists are read directly."""

from __future__ import annotations

import base64
import json

import pytest
from django.utils import timezone

from assets.models import Asset
from assets.pipeline.steps import METADATA_VERSION
from immich.celery import app
from jobs import broker
from jobs.commands import queue_clear_failed, queue_empty, queue_pause, queue_resume, queue_retry_failed, queue_start
from jobs.models import AssetStep, Priority, QueueState, Step, StepStatus
from jobs.queues import Queue
from jobs.selectors import queue_statistics
from jobs.services import step_run, steps_enqueue
from tests.assets.helpers import upload_photo
from tests.jobs.helpers import make_assets

pytestmark = pytest.mark.django_db

METADATA = Queue.METADATA_EXTRACTION.value
UPLOAD_LANE = METADATA  # kombu: lane 0 is the queue's own key...
BACKFILL_LANE = f"{METADATA}\x06\x169"  # ...lane 9 the key with the priority suffix


def set_step(asset_id: str, status: StepStatus, step: Step = Step.METADATA, **fields) -> None:
    AssetStep.objects.update_or_create(asset_id=asset_id, step=step, defaults={"status": status, **fields})


def queued_ids(client, key: str) -> list[str]:
    """The asset ids in one Redis list, in the order a worker takes them (kombu pushes left, pops right); a
    backfill message carries a group of ids."""
    ids = []
    for raw in reversed(client.lrange(key, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.extend([args[0]] if isinstance(args[0], str) else args[0])
    return ids


def queued_count(client, queue: str = "metadataExtraction") -> int:
    """How many asset ids wait in both lanes of a queue (a message may carry several)."""
    return sum(len(queued_ids(client, key)) for key in broker.lane_keys(queue))


def statuses(step: Step = Step.METADATA) -> dict[str, str]:
    return {
        str(asset_id): status
        for asset_id, status in AssetStep.objects.filter(step=step).values_list("asset_id", "status")
    }


# -- start: Missing and All ------------------------------------------------------------------------------------


@pytest.fixture
def mixed(user):
    """One asset in each recorded state of the metadata step, plus one with no row at all."""
    ids = make_assets(user, 8)
    names = ["missing", "done_now", "done_old", "skipped_now", "pending", "running", "failed", "done_empty"]
    assets = dict(zip(names, ids))
    set_step(assets["done_now"], StepStatus.DONE, settings_version=METADATA_VERSION)
    set_step(assets["done_old"], StepStatus.DONE, settings_version="metadata-0")
    set_step(assets["skipped_now"], StepStatus.SKIPPED, settings_version=METADATA_VERSION)
    set_step(assets["pending"], StepStatus.PENDING, priority=Priority.UPLOAD)
    set_step(assets["running"], StepStatus.RUNNING, attempts=1, worker="elsewhere", heartbeat_at=timezone.now())
    set_step(assets["failed"], StepStatus.FAILED, attempts=5, last_error="not a readable image")
    set_step(assets["done_empty"], StepStatus.DONE, settings_version="")
    return assets


def test_missing_enqueues_only_assets_without_a_current_result(mixed, lanes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        count = queue_start(queue=Queue.METADATA_EXTRACTION, force=False)
    wanted = {mixed["missing"], mixed["done_old"], mixed["done_empty"]}
    assert count == 3
    assert set(queued_ids(lanes, BACKFILL_LANE)) == wanted
    assert queued_ids(lanes, UPLOAD_LANE) == []
    rows = {str(row.asset_id): row for row in AssetStep.objects.filter(step=Step.METADATA)}
    assert {asset_id for asset_id, row in rows.items() if row.priority == Priority.BACKFILL} == wanted
    assert all(rows[asset_id].status == StepStatus.PENDING for asset_id in wanted)
    # Everything else is exactly as it was: current results, work in flight, failures (retry-failed is separate).
    assert rows[mixed["done_now"]].status == StepStatus.DONE
    assert rows[mixed["skipped_now"]].status == StepStatus.SKIPPED
    assert rows[mixed["pending"]].priority == Priority.UPLOAD
    assert (rows[mixed["running"]].status, rows[mixed["running"]].worker) == (StepStatus.RUNNING, "elsewhere")
    assert (rows[mixed["failed"]].status, rows[mixed["failed"]].last_error) == (
        StepStatus.FAILED,
        "not a readable image",
    )


def test_all_enqueues_every_asset_except_running_ones(mixed, lanes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        count = queue_start(queue=Queue.METADATA_EXTRACTION, force=True)
    everyone_but_running = set(mixed.values()) - {mixed["running"]}
    assert count == 7
    assert set(queued_ids(lanes, BACKFILL_LANE)) == everyone_but_running
    after = statuses()
    assert {asset_id for asset_id, status in after.items() if status == StepStatus.PENDING} == everyone_but_running
    running = AssetStep.objects.get(asset_id=mixed["running"], step=Step.METADATA)
    assert (running.status, running.attempts, running.worker, running.priority) == (
        StepStatus.RUNNING,
        1,
        "elsewhere",
        Priority.UPLOAD,
    )


def test_missing_run_twice_enqueues_nothing_the_second_time(user, lanes, django_capture_on_commit_callbacks):
    make_assets(user, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=Queue.METADATA_EXTRACTION, force=False) == 5
        assert queue_start(queue=Queue.METADATA_EXTRACTION, force=False) == 0
    assert queued_count(lanes) == 5


def test_deleted_assets_are_not_started(user, lanes, django_capture_on_commit_callbacks):
    kept, deleted = make_assets(user, 2)
    Asset.objects.filter(pk=deleted).update(status="deleted")
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=Queue.METADATA_EXTRACTION, force=True) == 1
    assert queued_ids(lanes, BACKFILL_LANE) == [kept]


# -- lanes -----------------------------------------------------------------------------------------------------


def test_an_upload_goes_ahead_of_a_running_backfill(api, user, tmp_path, lanes, django_capture_on_commit_callbacks):
    backfill = make_assets(user, 50)
    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=Queue.METADATA_EXTRACTION, force=True)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = upload_photo(api, tmp_path)
    assert queued_ids(lanes, UPLOAD_LANE) == [uploaded]
    assert sorted(queued_ids(lanes, BACKFILL_LANE)) == sorted(backfill)
    assert AssetStep.objects.get(asset_id=uploaded, step=Step.METADATA).priority == Priority.UPLOAD
    # What a worker takes next, through kombu's own read path: the upload, although it was queued last.
    with app.connection_for_read() as connection:
        first = connection.default_channel.basic_get(METADATA, no_ack=True)
        second = connection.default_channel.basic_get(METADATA, no_ack=True)
    assert first.decode()[0] == [[uploaded]]
    assert set(second.decode()[0][0]) <= set(backfill)  # a backfill message carries a group of ids


# -- pause and resume ------------------------------------------------------------------------------------------


def test_a_step_consumed_while_paused_does_nothing_and_stays_pending(user, lanes):
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    queue_pause(queue=Queue.STORAGE_TEMPLATE_MIGRATION, by="admin")
    assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) is None
    row = AssetStep.objects.get(asset_id=asset_id, step=Step.STORAGE_TEMPLATE)
    assert (row.status, row.attempts, row.started_at, row.worker) == (StepStatus.PENDING, 0, None, "")


def test_pause_is_per_queue(user, lanes):
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE)
    queue_pause(queue=Queue.THUMBNAIL_GENERATION)
    assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) == StepStatus.SKIPPED


def test_resume_sends_again_what_was_consumed_while_paused(user, lanes, django_capture_on_commit_callbacks):
    uploads = make_assets(user, 3)
    backfills = make_assets(user, 2)
    queue_pause(queue=Queue.METADATA_EXTRACTION)
    with django_capture_on_commit_callbacks(execute=True):
        steps_enqueue(asset_ids=uploads, step=Step.METADATA, priority=Priority.UPLOAD)
        steps_enqueue(asset_ids=backfills, step=Step.METADATA, priority=Priority.BACKFILL)
    assert queued_count(lanes) == 5
    # A worker takes every message while the queue is paused: each run does nothing, the rows stay pending.
    lanes.delete(*broker.lane_keys(METADATA))
    for asset_id in uploads + backfills:
        assert step_run(asset_id=asset_id, step=Step.METADATA) is None
    assert broker.queue_length(METADATA) == 0

    assert queue_resume(queue=Queue.METADATA_EXTRACTION) == 5
    assert not QueueState.objects.get(queue=METADATA).is_paused
    assert queued_count(lanes) == 5
    assert sorted(queued_ids(lanes, UPLOAD_LANE)) == sorted(uploads)  # each back in its own lane
    assert sorted(queued_ids(lanes, BACKFILL_LANE)) == sorted(backfills)
    assert set(statuses().values()) == {StepStatus.PENDING}


# -- empty, clear-failed, retry-failed -------------------------------------------------------------------------


def test_empty_drops_waiting_jobs_and_leaves_their_steps_missing(user, lanes, django_capture_on_commit_callbacks):
    waiting_upload = make_assets(user, 2)
    waiting_backfill = make_assets(user, 3)
    (done,) = make_assets(user, 1)
    (failed,) = make_assets(user, 1)
    set_step(done, StepStatus.DONE, settings_version=METADATA_VERSION)
    set_step(failed, StepStatus.FAILED, last_error="bad")
    with django_capture_on_commit_callbacks(execute=True):
        steps_enqueue(asset_ids=waiting_upload, step=Step.METADATA, priority=Priority.UPLOAD)
        steps_enqueue(asset_ids=waiting_backfill, step=Step.METADATA, priority=Priority.BACKFILL)
    assert queued_count(lanes) == 5

    assert queue_empty(queue=Queue.METADATA_EXTRACTION) == 5
    assert lanes.exists(UPLOAD_LANE, BACKFILL_LANE) == 0
    assert statuses() == {done: StepStatus.DONE, failed: StepStatus.FAILED}
    # "Missing" finds them again.
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=Queue.METADATA_EXTRACTION, force=False) == 5
    assert sorted(queued_ids(lanes, BACKFILL_LANE)) == sorted(waiting_upload + waiting_backfill)


def test_empty_leaves_other_queues_alone(user, lanes, django_capture_on_commit_callbacks):
    ids = make_assets(user, 2)
    with django_capture_on_commit_callbacks(execute=True):
        steps_enqueue(asset_ids=ids, step=Step.METADATA)
        steps_enqueue(asset_ids=ids, step=Step.THUMBNAILS)
    queue_empty(queue=Queue.METADATA_EXTRACTION)
    assert broker.queue_length(Queue.THUMBNAIL_GENERATION.value) == 2
    assert set(statuses(Step.THUMBNAILS).values()) == {StepStatus.PENDING}


def test_clear_failed_deletes_only_failed_rows(user, lanes):
    failed = make_assets(user, 3)
    (done,) = make_assets(user, 1)
    (pending,) = make_assets(user, 1)
    for asset_id in failed:
        set_step(asset_id, StepStatus.FAILED, last_error="bad")
    set_step(failed[0], StepStatus.FAILED, step=Step.THUMBNAILS, last_error="bad")
    set_step(done, StepStatus.DONE)
    set_step(pending, StepStatus.PENDING)
    assert queue_clear_failed(queue=Queue.METADATA_EXTRACTION) == 3
    assert statuses() == {done: StepStatus.DONE, pending: StepStatus.PENDING}
    assert statuses(Step.THUMBNAILS) == {failed[0]: StepStatus.FAILED}


def test_retry_failed_makes_them_pending_in_the_upload_lane(user, lanes, django_capture_on_commit_callbacks):
    failed = make_assets(user, 3)
    (done,) = make_assets(user, 1)
    for asset_id in failed:
        set_step(
            asset_id, StepStatus.FAILED, attempts=5, last_error="gave up after 5 attempts", priority=Priority.BACKFILL
        )
    set_step(done, StepStatus.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_retry_failed(queue=Queue.METADATA_EXTRACTION) == 3
    rows = AssetStep.objects.filter(asset_id__in=failed, step=Step.METADATA)
    assert {(row.status, row.attempts, row.last_error, row.priority) for row in rows} == {
        (StepStatus.PENDING, 0, "", Priority.UPLOAD)
    }
    assert sorted(queued_ids(lanes, UPLOAD_LANE)) == sorted(failed)
    assert statuses()[done] == StepStatus.DONE


def test_retry_one_failed_item(user, lanes, django_capture_on_commit_callbacks):
    first, second = make_assets(user, 2)
    set_step(first, StepStatus.FAILED, last_error="bad")
    set_step(second, StepStatus.FAILED, last_error="bad")
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_retry_failed(queue=Queue.METADATA_EXTRACTION, asset_ids=[second]) == 1
    assert statuses() == {first: StepStatus.FAILED, second: StepStatus.PENDING}
    assert queued_ids(lanes, UPLOAD_LANE) == [second]


# -- counts ----------------------------------------------------------------------------------------------------


def test_counts_match_the_recorded_rows(user, lanes):
    ids = iter(make_assets(user, 12))
    layout = {
        StepStatus.PENDING: 2,
        StepStatus.RUNNING: 1,
        StepStatus.DONE: 3,
        StepStatus.SKIPPED: 1,
        StepStatus.FAILED: 4,
    }
    for status, count in layout.items():
        for _ in range(count):
            set_step(next(ids), status, worker="host:slot-1" if status == StepStatus.RUNNING else "")
    set_step(next(ids), StepStatus.PENDING, step=Step.THUMBNAILS)

    stats = queue_statistics()
    assert stats[METADATA] == {
        "jobCounts": {"active": 1, "completed": 4, "failed": 4, "delayed": 0, "waiting": 2, "paused": 0},
        "queueStatus": {"isActive": True, "isPaused": False},
    }
    assert stats[Queue.THUMBNAIL_GENERATION.value]["jobCounts"]["waiting"] == 1
    assert stats[Queue.VIDEO_CONVERSION.value]["jobCounts"] == {
        "active": 0,
        "completed": 0,
        "failed": 0,
        "delayed": 0,
        "waiting": 0,
        "paused": 0,
    }

    queue_pause(queue=Queue.METADATA_EXTRACTION)
    paused = queue_statistics()[METADATA]
    assert (paused["jobCounts"]["waiting"], paused["jobCounts"]["paused"], paused["queueStatus"]["isPaused"]) == (
        0,
        2,
        True,
    )


def test_counts_follow_the_commands(user, lanes, django_capture_on_commit_callbacks):
    ids = make_assets(user, 6)
    for asset_id in ids[:2]:
        set_step(asset_id, StepStatus.FAILED, last_error="bad")

    def counts() -> dict:
        return queue_statistics()[METADATA]["jobCounts"]

    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=Queue.METADATA_EXTRACTION, force=False)
    assert (counts()["waiting"], counts()["failed"]) == (4, 2)
    with django_capture_on_commit_callbacks(execute=True):
        queue_retry_failed(queue=Queue.METADATA_EXTRACTION)
    assert (counts()["waiting"], counts()["failed"]) == (6, 0)
    queue_empty(queue=Queue.METADATA_EXTRACTION)
    assert counts()["waiting"] == 0 and broker.queue_length(METADATA) == 0

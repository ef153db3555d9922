"""Reliability with real processes (see live_workers): a worker killed mid-job, Redis flushed and restarted, pause
during a run, and the cluster-wide concurrency across workers. No mocks in the path of a job; each scenario ends
with check_consistency finding nothing."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from jobs import reconciler, slots
from jobs.commands import queue_pause, queue_resume
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.services import steps_enqueue
from jobs.system_config import config_get, config_update
from tests.jobs.live_workers import (
    CHAIN_QUEUES,
    assert_every_asset_processed,
    drive_until,
    progress,
    settled,
    thumbnails_done,
    upload_photos,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# -- scenarios -------------------------------------------------------------------------------------------------


def test_a_worker_killed_mid_job_loses_nothing(api, tmp_path, media_root, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    first = workers.start("first", CHAIN_QUEUES, concurrency=1)
    wait_for(
        lambda: AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.RUNNING).exists(),
        60,
        "a thumbnail job to be running",
        interval=0.005,
    )
    first.kill()
    killed_at = time.monotonic()
    orphaned = list(AssetStep.objects.filter(status=StepStatus.RUNNING).values_list("asset_id", "step"))
    assert orphaned, "the kill landed between two jobs; nothing was interrupted"

    workers.start("second", CHAIN_QUEUES, concurrency=1)
    reconciled = drive_until(settled(), 120, "every asset's thumbnails after the kill")
    assert time.monotonic() - killed_at < 120
    assert reconciled.given_back >= len(orphaned)  # the dead worker's steps came back through their heartbeat
    assert_every_asset_processed(asset_ids, media_root)


def test_a_flushed_redis_loses_nothing(api, tmp_path, media_root, redis_server, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.connection_pool.connection_kwargs["port"] == redis_server.port  # the test's own Redis, only
    client.flushdb()
    assert AssetStep.objects.filter(status=StepStatus.PENDING).exists(), "the run ended before the flush"
    reconciled = drive_until(settled(), 60, "every asset's thumbnails after the flush")
    assert reconciled.resent > 0  # the flushed messages were rebuilt from the recorded state
    assert_every_asset_processed(asset_ids, media_root)


def test_a_restarted_redis_loses_nothing(api, tmp_path, media_root, redis_server, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    redis_server.kill()
    time.sleep(1)
    assert AssetStep.objects.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).exists(), "the run ended first"
    redis_server.start()  # same port, empty
    reconciled = drive_until(settled(), 60, "every asset's thumbnails after the restart")
    assert reconciled.resent > 0
    # A job cut off by the lost connection is given back like a killed one; a chained step whose message was lost
    # with Redis is sent again. Outputs stay one set per asset.
    assert_every_asset_processed(asset_ids, media_root, one_attempt_each=False)


def test_pause_during_a_run_starts_nothing_until_resumed(api, tmp_path, media_root, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    for queue in CHAIN_QUEUES:
        queue_pause(queue=queue, by="test")
    paused_at = timezone.now()

    def started_since_pause() -> set:
        return set(AssetStep.objects.filter(started_at__gt=paused_at).values_list("asset_id", "step"))

    # The job a worker had already claimed may finish (at most one per worker process); then nothing moves.
    wait_for(lambda: not AssetStep.objects.filter(status=StepStatus.RUNNING).exists(), 30, "the job in flight to end")
    time.sleep(1)
    reconciler.reconcile()
    in_flight = started_since_pause()
    assert len(in_flight) <= 1
    assert not AssetStep.objects.filter(status=StepStatus.RUNNING).exists()
    finished = AssetStep.objects.filter(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).count()
    for _ in range(4):
        time.sleep(1)
        reconciler.reconcile()  # the reconciler sends nothing into a paused queue either
        assert started_since_pause() == in_flight
        assert AssetStep.objects.filter(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).count() == finished
    assert AssetStep.objects.filter(status=StepStatus.PENDING).exists(), "the run ended before the pause"

    for queue in CHAIN_QUEUES:
        queue_resume(queue=queue)
    drive_until(settled(), 60, "every asset's thumbnails after the resume")
    assert_every_asset_processed(asset_ids, media_root)


def test_concurrency_holds_across_workers(api, tmp_path, media_root, redis_server, workers):
    config = config_get()
    config["job"][Queue.THUMBNAIL_GENERATION.value]["concurrency"] = 3
    config_update(new_config=config)
    asset_ids = upload_photos(api, tmp_path / "in", count=16)
    steps_enqueue(asset_ids=asset_ids, step=Step.THUMBNAILS)  # no metadata worker: only thumbnails run
    workers.start("one", [Queue.THUMBNAIL_GENERATION], concurrency=2)
    workers.start("two", [Queue.THUMBNAIL_GENERATION], concurrency=2)

    most_running, most_slots = 0, 0
    deadline = time.monotonic() + 60
    while thumbnails_done() < len(asset_ids):
        assert time.monotonic() < deadline, f"timed out; steps: {progress()}"
        running = AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.RUNNING).count()
        most_running = max(most_running, running)
        most_slots = max(most_slots, slots.held(Queue.THUMBNAIL_GENERATION.value))
        time.sleep(0.01)
    # Four processes, three slots: never more than three at once, and the workers did overlap.
    assert most_running <= 3 and most_slots <= 3
    assert most_running >= 2
    assert not AssetStep.objects.filter(status=StepStatus.FAILED).exists()
    assert AssetStep.objects.filter(step=Step.THUMBNAILS).aggregate(Max("attempts"))["attempts__max"] == 1

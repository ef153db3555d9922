"""Whole-library jobs as recorded runs: one run at a time, sent after commit, claimed once, its result or failure
recorded; the reconciler gives back a run whose worker died and sends again one whose message was lost."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.commands import queue_pause, queue_resume
from jobs.models import JobRun, StepStatus
from jobs.queues import Queue
from jobs.reconciler import LOST_AFTER, STALE_AFTER, reconcile
from jobs.runs import job_run_execute, job_run_request

pytestmark = pytest.mark.django_db

QUEUE = Queue.STORAGE_TEMPLATE_MIGRATION
TASK = "StorageTemplateMigration"


def sent(lanes) -> list[tuple[str, list]]:
    messages = [json.loads(raw) for raw in lanes.lrange(QUEUE.value, 0, -1)]
    return [(message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]) for message in messages]


def requested(django_capture_on_commit_callbacks) -> JobRun:
    with django_capture_on_commit_callbacks(execute=True):
        return job_run_request(name=TASK, queue=QUEUE)


def test_a_request_records_a_pending_run_and_sends_its_id_after_commit(lanes, django_capture_on_commit_callbacks):
    run = requested(django_capture_on_commit_callbacks)
    assert (run.status, run.queue, run.started_at) == (StepStatus.PENDING, QUEUE.value, None)
    assert sent(lanes) == [(TASK, [run.pk])]


def test_while_a_run_is_unfinished_a_second_request_is_that_run(lanes, django_capture_on_commit_callbacks):
    first = requested(django_capture_on_commit_callbacks)
    assert requested(django_capture_on_commit_callbacks) == first
    assert JobRun.objects.count() == 1 and len(sent(lanes)) == 1


def test_a_run_is_claimed_once_and_records_its_result(lanes, django_capture_on_commit_callbacks):
    run = requested(django_capture_on_commit_callbacks)
    calls = []

    def work() -> dict:
        calls.append(JobRun.objects.get(pk=run.pk).status)
        return {"moved": 3}

    assert job_run_execute(run_id=run.pk, work=work) == {"moved": 3}
    assert job_run_execute(run_id=run.pk, work=work) == {"skipped": f"run {run.pk} is running elsewhere or finished"}
    assert calls == [StepStatus.RUNNING]  # a duplicate delivery ran nothing
    run.refresh_from_db()
    assert (run.status, run.result, run.worker) == (StepStatus.DONE, {"moved": 3}, "")
    assert run.started_at <= run.finished_at


def test_a_failed_run_records_the_reason(lanes, django_capture_on_commit_callbacks):
    run = requested(django_capture_on_commit_callbacks)

    def work() -> dict:
        raise RuntimeError("the template cannot place photo.jpg")

    with pytest.raises(RuntimeError):
        job_run_execute(run_id=run.pk, work=work)
    run.refresh_from_db()
    assert (run.status, run.error) == (StepStatus.FAILED, "RuntimeError: the template cannot place photo.jpg")


def claimed_run(*, heartbeat_age: timedelta) -> JobRun:
    """What a worker running the run leaves: running, its message taken, its last heartbeat `heartbeat_age` old."""
    started = timezone.now() - heartbeat_age
    return JobRun.objects.create(
        name=TASK,
        queue=QUEUE.value,
        status=StepStatus.RUNNING,
        worker="host:0123456789ab",
        queued_at=started,
        started_at=started,
        heartbeat_at=started,
    )


def test_a_run_whose_worker_died_is_given_back_and_sent_again(lanes, django_capture_on_commit_callbacks):
    run = claimed_run(heartbeat_age=STALE_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile()
    assert result.given_back == {QUEUE.value: 1}
    run.refresh_from_db()
    assert (run.status, run.worker) == (StepStatus.PENDING, "")
    assert sent(lanes) == [(TASK, [run.pk])]
    assert job_run_execute(run_id=run.pk, work=lambda: {"resumed": 1}) == {"resumed": 1}


def test_a_running_run_that_beats_is_left_alone(lanes, django_capture_on_commit_callbacks):
    run = claimed_run(heartbeat_age=timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().given_back == {}
    assert JobRun.objects.get(pk=run.pk).status == StepStatus.RUNNING and sent(lanes) == []


def test_a_pending_run_whose_message_was_lost_is_sent_again(lanes, django_capture_on_commit_callbacks):
    run = requested(django_capture_on_commit_callbacks)
    lanes.delete(QUEUE.value)  # Redis flushed
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().resent == {}  # queued just now: its message may be on its way
    JobRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - LOST_AFTER - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().resent == {QUEUE.value: 1}
    assert sent(lanes) == [(TASK, [run.pk])]


def test_a_paused_queue_s_pending_run_is_sent_by_the_resume_not_the_reconciler(
    lanes, django_capture_on_commit_callbacks
):
    run = requested(django_capture_on_commit_callbacks)
    lanes.delete(QUEUE.value)
    JobRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - LOST_AFTER - timedelta(seconds=1))
    queue_pause(queue=QUEUE, by="test")
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().resent == {}  # nothing is sent into a paused queue
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_resume(queue=QUEUE) == 1
    assert sent(lanes) == [(TASK, [run.pk])]

"""`manage.py worker`: queue names are checked before Celery starts, and a worker started through it consumes the
queues it was given and runs their steps on the real database and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from immich.env import REPO_ROOT
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import WORKED_QUEUES
from tests.assets.helpers import upload_photo
from tests.live import process_env
from workers.management.commands.worker import celery_argv, parse_queues


def test_unknown_queue_is_refused_naming_the_valid_ones():
    with pytest.raises(CommandError) as error:
        call_command("worker", "--queues", "thumbnailGeneration,thumbnails")
    message = str(error.value)
    assert "thumbnails" in message
    for queue in WORKED_QUEUES:
        assert queue.value in message


def test_no_queues_means_every_queue_and_the_celery_command_line():
    assert parse_queues("") == [queue.value for queue in WORKED_QUEUES]
    argv = celery_argv(queues=parse_queues("videoConversion"), concurrency=2, name="video", loglevel="INFO")
    assert argv[0] == os.path.join(os.path.dirname(sys.executable), "celery")
    assert argv[1:] == [
        "-A",
        "immich",
        "worker",
        "-Q",
        "videoConversion",
        "-c",
        "2",
        "-l",
        "INFO",
        "--prefetch-multiplier",
        "1",
        "-n",
        "video@%h",
    ]


def _wait_for_done(asset_id, worker: subprocess.Popen, timeout: float) -> AssetStep | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        step = AssetStep.objects.filter(asset_id=asset_id, step=Step.METADATA).first()
        if step is not None and step.status == StepStatus.DONE:
            return step
        time.sleep(0.5)
    return AssetStep.objects.filter(asset_id=asset_id, step=Step.METADATA).first()


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_by_the_command_runs_its_queue(
    api, broker, media_root, tmp_path, django_capture_on_commit_callbacks
):
    env = process_env(media_root=media_root, redis_url=settings.CELERY_BROKER_URL)
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--queues", "metadataExtraction", "--concurrency", "1"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            asset_id = upload_photo(api, tmp_path)
        step = _wait_for_done(asset_id, worker, timeout=60)
        assert worker.poll() is None, f"the worker exited with {worker.returncode}"
        assert step is not None and step.status == StepStatus.DONE, f"metadata step: {step and step.status}"
        assert step.attempts == 1
        # Only metadataExtraction is consumed: the chain's next step waits on its own queue for another worker (the
        # storage template, off by default, is recorded skipped by the chain without being sent).
        later = AssetStep.objects.filter(asset_id=asset_id).exclude(step=Step.METADATA)
        assert {row.step: row.status for row in later} == {
            Step.STORAGE_TEMPLATE: StepStatus.SKIPPED,
            Step.THUMBNAILS: StepStatus.PENDING,
        }
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        print(log_path.read_text()[-4000:])
    assert "metadataExtraction" in log_path.read_text()

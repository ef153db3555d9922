"""A paused queue holds its work, whatever the queue: its steps and runs delivered while it is paused run nothing
and stay pending; the resume sends them again and they run. Each queue's real work, sent to the real broker and
delivered in this process as a worker would."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assets.file_moves.migration import storage_template_migration_start
from immich.celery import app
from jobs import broker
from jobs.commands import UNPAUSABLE, queue_command
from jobs.models import AssetStep, JobRun, Step, StepStatus
from jobs.queues import IDLE_QUEUES, Queue
from jobs.runs import job_run_request
from jobs.services import step_run, steps_enqueue
from jobs.system_config import config_get, config_update
from libraries.models import Library
from libraries.services import library_scan_request
from maintenance.backup import backups_folder
from tests.assets.helpers import upload_file, upload_photo
from tests.libraries.helpers import photo
from tests.transcode_media import make_video

pytestmark = pytest.mark.django_db

Status = Callable[[], str]
# Queues no job runs on yet (Immich's sidecar and migration jobs are not implemented): nothing there to hold.
WITHOUT_WORK = {Queue.MIGRATION, Queue.SIDECAR, *IDLE_QUEUES}


def _step(step: Step, upload: Callable[[object, Path], str]) -> Callable[..., Status]:
    def request(api, user, folder: Path) -> Status:
        asset_id = upload(api, folder)
        steps_enqueue(asset_ids=[asset_id], step=step)
        return lambda: AssetStep.objects.get(asset_id=asset_id, step=step).status

    return request


def _photo(api, folder: Path) -> str:
    return upload_photo(api, folder)


def _photo_with_thumbnails(api, folder: Path) -> str:
    """A photo whose thumbnails are made, with NSFW and duplicate detection on (their steps read the thumbnails)."""
    config = config_get()
    config["nsfw"]["enabled"] = True
    config["machineLearning"]["duplicateDetection"]["enabled"] = True
    config_update(new_config=config)
    asset_id = upload_photo(api, folder)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    step_run(asset_id=asset_id, step=Step.THUMBNAILS)
    return asset_id


def _video(api, folder: Path) -> str:
    return upload_file(api, make_video(folder / "clip.mkv", codec="libvpx-vp9", audio="libopus"))["id"]


def _enable_storage_template() -> None:
    config = config_get()
    config["storageTemplate"]["enabled"] = True
    config_update(new_config=config)


def _template_step(api, user, folder: Path) -> Status:
    _enable_storage_template()
    return _step(Step.STORAGE_TEMPLATE, _photo)(api, user, folder)


def _template_run(api, user, folder: Path) -> Status:
    _photo(api, folder)
    _enable_storage_template()
    storage_template_migration_start()
    return lambda: JobRun.objects.get(name="StorageTemplateMigration").status


def _library_scan(api, user, folder: Path) -> Status:
    photo(folder, "a.jpg")
    library_scan_request(library=Library.objects.create(owner=user, name="Family", import_paths=[str(folder)]))
    return lambda: JobRun.objects.get(name="LibraryScan").status


def _database_backup(api, user, folder: Path) -> Status:
    run = job_run_request(name="DatabaseBackup", queue=Queue.BACKUP_DATABASE)
    return lambda: JobRun.objects.get(pk=run.pk).status


WORK: list[object] = [
    (Queue.METADATA_EXTRACTION, _step(Step.METADATA, _photo)),
    (Queue.THUMBNAIL_GENERATION, _step(Step.THUMBNAILS, _photo)),
    (Queue.VIDEO_CONVERSION, _step(Step.VIDEO_ENCODE, _video)),
    (Queue.NSFW_DETECTION, _step(Step.NSFW, _photo_with_thumbnails)),
    (Queue.DUPLICATE_DETECTION, _step(Step.DUPLICATES, _photo_with_thumbnails)),
    (Queue.STORAGE_TEMPLATE_MIGRATION, _template_step),
    (Queue.STORAGE_TEMPLATE_MIGRATION, _template_run),
    (Queue.LIBRARY, _library_scan),
    # A backup dumps the database from a snapshot of its own, so it runs outside the test's transaction.
    pytest.param(Queue.BACKUP_DATABASE, _database_backup, marks=pytest.mark.django_db(transaction=True)),
]


def deliver(lanes, queue: Queue, capture) -> int:
    """What a worker does with the queue's messages: run each one's task here, with its arguments."""
    app.loader.import_default_modules()
    delivered = 0
    for key in broker.lane_keys(queue.value):
        while (raw := lanes.lpop(key)) is not None:
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            with capture(execute=True):
                app.tasks[message["headers"]["task"]].apply(args=args)
            delivered += 1
    return delivered


def test_every_pausable_queue_with_work_is_proven_to_hold_it():
    queues = {getattr(work, "values", work)[0] for work in WORK}
    assert queues == set(Queue) - UNPAUSABLE - WITHOUT_WORK


@pytest.mark.parametrize("queue, request_work", WORK, ids=lambda value: getattr(value, "__name__", str(value)))
def test_a_paused_queue_holds_its_work_until_resumed(
    queue, request_work, api, user, tmp_path, media_root, lanes, django_capture_on_commit_callbacks
):
    queue_command(queue=queue, command="pause", force=None, by="test")
    with django_capture_on_commit_callbacks(execute=True):
        status = request_work(api, user, tmp_path)
    assert deliver(lanes, queue, django_capture_on_commit_callbacks) >= 1
    assert status() == StepStatus.PENDING  # delivered while paused: nothing ran

    with django_capture_on_commit_callbacks(execute=True):
        assert queue_command(queue=queue, command="resume", force=None) >= 1
    assert deliver(lanes, queue, django_capture_on_commit_callbacks) >= 1
    assert status() == StepStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_the_database_backup_made_after_the_resume_is_on_disk(
    api, user, tmp_path, media_root, lanes, django_capture_on_commit_callbacks
):
    queue_command(queue=Queue.BACKUP_DATABASE, command="pause", force=None, by="test")
    with django_capture_on_commit_callbacks(execute=True):
        _database_backup(api, user, tmp_path)
    deliver(lanes, Queue.BACKUP_DATABASE, django_capture_on_commit_callbacks)
    assert not backups_folder().exists() or not any(backups_folder().iterdir())
    with django_capture_on_commit_callbacks(execute=True):
        queue_command(queue=Queue.BACKUP_DATABASE, command="resume", force=None)
    deliver(lanes, Queue.BACKUP_DATABASE, django_capture_on_commit_callbacks)
    assert any(backups_folder().iterdir())


def test_backgroundtask_cannot_be_paused_it_gives_every_other_queue_its_work_back():
    from jobs.commands import InvalidCommand

    with pytest.raises(InvalidCommand):
        queue_command(queue=Queue.BACKGROUND_TASK, command="pause", force=None, by="test")

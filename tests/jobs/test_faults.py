"""Fault injection with real processes (see live_workers): a worker SIGKILLed mid-transcode and mid-move, the media
disk full during an upload and during thumbnail generation. Each fault is made to land deterministically (the test
waits for the state it wants to break, or holds the job there), and each scenario ends with every asset processed,
every file in exactly one place with the database pointing at it, and check_consistency finding nothing."""

from __future__ import annotations

import base64
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from assets.file_moves.migration import storage_template_migration_start
from assets.models import Asset, AssetFile, AssetFileType, AssetVideo, FileMove, FileMoveState, TusUpload
from jobs.models import AssetStep, JobRun, Step, StepStatus
from jobs.queues import Queue
from jobs.space import WAITING_FOR_SPACE
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file
from tests.jobs.live_workers import (
    CHAIN_QUEUES,
    assert_consistent,
    assert_every_asset_processed,
    drive_until,
    noisy_jpeg,
    settled,
    upload_photos,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CREATED = "2021-06-15T10:30:00Z"
TUS = {"Tus-Resumable": "1.0.0"}


def set_config(section: str, **changes) -> None:
    config = config_get()
    config[section].update(changes)
    config_update(new_config=config)


# -- the media disk full -----------------------------------------------------------------------------------------


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


REFUSED = (507, "No space left on the server's storage: nothing was stored. Try again once space is freed.")


@pytest.fixture
def full_disk(media_root, small_disk):
    """The media location on a disk with 256 KiB left: less than the test's big photo."""
    disk = small_disk(media_root, 4 * 1024 * 1024)
    disk.fill(leave=256 * 1024)
    return disk


def big_photo(tmp_path: Path, disk) -> Path:
    photo = noisy_jpeg(tmp_path / "big.jpg", size=(1000, 800))
    assert photo.stat().st_size > disk.free_bytes()
    return photo


def test_an_upload_larger_than_the_free_space_is_refused_with_507_and_leaves_nothing(
    api, tmp_path, media_root, full_disk
):
    photo = big_photo(tmp_path, full_disk)
    with open(photo, "rb") as handle:
        response = api.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": CREATED},
            format="multipart",
        )
    assert (response.status_code, response.json()["message"]) == REFUSED
    assert not Asset.objects.exists() and files_under(media_root / "upload") == []  # no row, no partial file
    assert_consistent()
    full_disk.free()
    upload_file(api, photo)
    assert Path(Asset.objects.get().original_path).read_bytes() == photo.read_bytes()


def test_a_resumable_upload_past_the_free_space_is_refused_with_507_and_resumes_once_space_is_freed(
    api, tmp_path, full_disk
):
    data = big_photo(tmp_path, full_disk).read_bytes()
    metadata = {"filename": "big.jpg", "fileCreatedAt": CREATED, "fileModifiedAt": CREATED}
    created = api.generic(
        "POST",
        "/api/upload/",
        headers={
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": ",".join(
                f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
            ),
        },
    )
    url = "/api/upload/" + created["Location"]

    def send_from(offset: int):
        return api.generic(
            "PATCH",
            url,
            data[offset:],
            content_type="application/offset+octet-stream",
            headers={**TUS, "Upload-Offset": str(offset)},
        )

    response = send_from(0)
    assert (response.status_code, response.json()["message"]) == REFUSED
    offset = int(api.generic("HEAD", url, headers=TUS)["Upload-Offset"])
    assert offset == 0 and Path(TusUpload.objects.get().staging_path).stat().st_size == 0  # nothing past the offset
    assert_consistent()
    full_disk.free()
    assert send_from(offset).status_code == 204
    assert Path(Asset.objects.get().original_path).read_bytes() == data


def test_thumbnails_on_a_full_disk_are_retried_and_finish_once_space_is_freed(
    api, tmp_path, media_root, small_disk, workers, fast_reconciler
):
    disk = small_disk(media_root, 16 * 1024 * 1024)
    asset_ids = upload_photos(api, tmp_path / "in", count=3, size=(600, 400))
    disk.fill()
    workers.start("worker", CHAIN_QUEUES, concurrency=1)

    def out_of_space() -> list[AssetStep]:
        return list(AssetStep.objects.filter(step=Step.THUMBNAILS, last_error=WAITING_FOR_SPACE))

    refused = wait_for(lambda: len(out_of_space()) == 3 and out_of_space(), 90, "every thumbnail to meet the full disk")
    # Waiting for space: back to pending with the reason, the attempt not counted, tried again with a growing delay
    # for as long as the disk stays full (a corrupt file would end failed at once).
    assert {step.status for step in refused} <= {StepStatus.PENDING, StepStatus.RUNNING}
    assert not AssetStep.objects.filter(status=StepStatus.FAILED).exists()
    assert not [path for path in (media_root / "thumbs").rglob("*") if path.is_file()]  # no orphan output

    disk.free()
    drive_until(settled(3), 90, "the thumbnails once space is back")
    assert_every_asset_processed(asset_ids, media_root, one_attempt_each=False)


# -- a worker killed mid-transcode -------------------------------------------------------------------------------


def noisy_video(path: Path, *, size=(426, 240), frames: int = 250) -> Path:
    """Frames of noise (MPEG-4 Part 2: quick to make): x264 spends seconds on them (~4 s here with the slow preset;
    100 frames took 1.6 s, and a quiet machine once finished before a look saw the output grow), so the encode is
    caught."""
    noise = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.bit_rate = *size, "yuv420p", 2_000_000
        stream.codec_context.time_base = Fraction(1, 25)
        for index in range(frames):
            picture = noise.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def growing_partial(folder: Path) -> bool:
    """The encoder's temporary output exists and grows between two looks."""

    def size() -> int:
        return sum(path.stat().st_size for path in folder.rglob(".*.partial")) if folder.exists() else 0

    first = size()
    time.sleep(0.2)
    return 0 < first < size()


def test_a_worker_killed_mid_transcode_loses_nothing(api, tmp_path, media_root, workers, fast_reconciler):
    set_config("ffmpeg", transcode="all", preset="slow")  # every video encoded, slowly enough to be caught
    asset_id = upload_file(api, noisy_video(tmp_path / "clip.mp4"))["id"]
    queues = [*CHAIN_QUEUES, Queue.VIDEO_CONVERSION]
    first = workers.start("first", queues, concurrency=1)
    wait_for(
        lambda: AssetStep.objects.filter(step=Step.VIDEO_ENCODE, status=StepStatus.RUNNING).exists(),
        90,
        "the encode to start",
    )
    wait_for(lambda: growing_partial(media_root / "encoded-video"), 60, "the encoder to be writing")
    first.kill()
    leftovers = list((media_root / "encoded-video").rglob(".*"))
    assert leftovers, "the kill left no partial output"

    workers.start("second", queues, concurrency=1)
    reconciled = drive_until(
        lambda: AssetStep.objects.filter(step=Step.VIDEO_ENCODE, status=StepStatus.DONE).exists(),
        120,
        "the encode after the kill",
    )
    assert reconciled.given_back >= 1  # the dead worker's encode came back through its heartbeat
    assert not any(path.exists() for path in leftovers)
    encoded = Path(AssetFile.objects.get(asset_id=asset_id, type=AssetFileType.ENCODED_VIDEO).path)
    with av.open(str(encoded)) as container:
        assert container.streams.video[0].codec_context.name == "h264" and container.streams.video[0].frames == 250
    assert AssetVideo.objects.get(asset_id=asset_id).output_size == encoded.stat().st_size
    assert_every_asset_processed([asset_id], media_root, generated_per_asset=3)


# -- a worker killed mid-move ------------------------------------------------------------------------------------


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_move_loses_nothing(api, user, tmp_path, media_root, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in", count=30, size=(64, 48))
    first = workers.start("first", CHAIN_QUEUES, concurrency=1)
    wait_for(settled(30), 90, "the upload chain (the template is off: the originals stay in upload/)")
    set_config("storageTemplate", enabled=True)

    # Hold one asset's row: the mover journals its moves and renames the files, then waits to point the rows at
    # the new paths, and is killed there, with the journal full and the files moved under the database.
    database = settings.DATABASES["default"]
    holder = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    holder.execute("SELECT 1 FROM assets_asset WHERE id = %s FOR NO KEY UPDATE", [asset_ids[-1]])
    storage_template_migration_start()
    wait_for(
        lambda: FileMove.objects.filter(state=FileMoveState.PLANNED).count() == 30 and waiting_on_a_lock(),
        60,
        "the mover to wait for the row",
    )
    moved_on_disk = sum(not Path(path).exists() for path in Asset.objects.values_list("original_path", flat=True))
    first.kill()
    holder.rollback()
    holder.close()
    assert moved_on_disk == 30, "the kill did not land between the renames and the switch"

    workers.start("second", CHAIN_QUEUES, concurrency=1)
    reconciled = drive_until(
        lambda: JobRun.objects.filter(status=StepStatus.DONE).exists(), 90, "the migration sent again after the kill"
    )
    assert reconciled.given_back >= 1  # the dead worker's run came back through its heartbeat
    run = JobRun.objects.get()
    assert (run.result["resumed"], run.result["failed"]) == (30, 0)  # the journal was finished first
    library = media_root / "library" / str(user.id)
    assert all(Path(path).is_relative_to(library) for path in Asset.objects.values_list("original_path", flat=True))
    assert list((media_root / "upload").iterdir()) == []  # the folders the moves emptied are gone
    assert not FileMove.objects.filter(state__in=FileMove.UNFINISHED).exists()
    assert_every_asset_processed(asset_ids, media_root)


# -- deletions lost with a flushed Redis -------------------------------------------------------------------------


def test_deletions_lost_with_a_flushed_redis_are_sent_again(
    api, user, tmp_path, media_root, redis_server, workers, fast_reconciler
):
    asset_ids = upload_photos(api, tmp_path / "in", count=4, size=(64, 48))
    queues = [*CHAIN_QUEUES, Queue.BACKGROUND_TASK]
    first = workers.start("first", queues, concurrency=1)
    wait_for(settled(4), 60, "the upload chain")
    first.kill()
    doomed, kept = asset_ids[:2], asset_ids[2:]
    doomed_files = [Path(path) for path in Asset.objects.filter(pk__in=doomed).values_list("original_path", flat=True)]
    assert api.delete("/api/assets", {"ids": doomed, "force": True}, format="json").status_code == 204
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.llen(Queue.BACKGROUND_TASK.value) == 2  # the two AssetDelete messages...
    client.flushdb()  # ...lost: the rows stay "deleted", their files and their owner's quota with them

    workers.start("second", queues, concurrency=1)
    reconciled = drive_until(lambda: not Asset.objects.filter(pk__in=doomed).exists(), 60, "the deletions")
    assert reconciled.resent >= 2
    assert not any(path.exists() for path in doomed_files)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == sum(Asset.objects.values_list("file_size", flat=True))
    assert_every_asset_processed(kept, media_root)

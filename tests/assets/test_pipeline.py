import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assets.models import Asset, AssetExif
from jobs import broker as broker_queues
from jobs.commands import queue_retry_failed
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.services import step_run
from tests.assets.helpers import upload_file, upload_photo
from tests.assets.test_storage_template_moves import set_template
from tests.jxl_factory import make_jxl
from tests.media_factories import make_jpeg, make_mp4

pytestmark = pytest.mark.django_db


def test_upload_enqueues_metadata_extraction_on_commit(api, tmp_path, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asset_id = upload_photo(api, tmp_path)
    messages = [json.loads(raw) for raw in broker.lrange("metadataExtraction", 0, -1)]
    assert [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages] == [
        ("AssetExtractMetadata", f"(['{asset_id}'],)")
    ]
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.METADATA).status == StepStatus.PENDING


@pytest.mark.parametrize("template_enabled", [False, True])
def test_after_metadata_a_switched_off_storage_template_is_recorded_skipped_not_sent(
    template_enabled, api, tmp_path, broker, django_capture_on_commit_callbacks
):
    set_template(enabled=template_enabled)
    with django_capture_on_commit_callbacks(execute=True):
        asset_id = upload_photo(api, tmp_path)
    broker_queues.purge(Queue.METADATA_EXTRACTION.value)
    with django_capture_on_commit_callbacks(execute=True):
        step_run(asset_id=asset_id, step=Step.METADATA)
    steps = dict(AssetStep.objects.filter(asset_id=asset_id).values_list("step", "status"))
    sent = {
        queue: broker_queues.queue_length(queue.value)
        for queue in (Queue.STORAGE_TEMPLATE_MIGRATION, Queue.THUMBNAIL_GENERATION)
    }
    if template_enabled:
        assert (steps[Step.STORAGE_TEMPLATE], Step.THUMBNAILS in steps) == (StepStatus.PENDING, False)
        assert sent == {Queue.STORAGE_TEMPLATE_MIGRATION: 1, Queue.THUMBNAIL_GENERATION: 0}
    else:
        assert (steps[Step.STORAGE_TEMPLATE], steps[Step.THUMBNAILS]) == (StepStatus.SKIPPED, StepStatus.PENDING)
        assert sent == {Queue.STORAGE_TEMPLATE_MIGRATION: 0, Queue.THUMBNAIL_GENERATION: 1}


def test_nothing_is_enqueued_when_the_upload_is_refused(api, tmp_path, broker, django_capture_on_commit_callbacks):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with django_capture_on_commit_callbacks(execute=True):
        with open(empty, "rb") as handle:
            api.post(
                "/api/assets",
                {
                    "assetData": handle,
                    "fileCreatedAt": "2020-01-01T00:00:00Z",
                    "fileModifiedAt": "2020-01-01T00:00:00Z",
                },
                format="multipart",
            )
    assert broker.llen("metadataExtraction") == 0


def test_metadata_of_a_jpeg(api, tmp_path):
    path = make_jpeg(tmp_path / "photo.jpg", size=(64, 48), taken="2019:03:04 05:06:07", offset="+02:00")
    asset_id = upload_file(api, path)["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    asset = Asset.objects.get(pk=asset_id)
    exif = AssetExif.objects.get(asset_id=asset_id)
    assert (asset.width, asset.height) == (64, 48)
    assert exif.make == "TestMake" and exif.model == "TestModel"
    assert exif.date_time_original == datetime(2019, 3, 4, 3, 6, 7, tzinfo=timezone.utc)
    assert exif.time_zone == "UTC+2"
    assert asset.local_date_time == datetime(2019, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_rotated_jpeg_reports_displayed_dimensions(api, tmp_path):
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", size=(64, 48), orientation=6))["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    asset = Asset.objects.get(pk=asset_id)
    assert (asset.width, asset.height) == (48, 64)


def test_metadata_of_a_video(api, tmp_path):
    asset_id = upload_file(api, make_mp4(tmp_path / "clip.mp4", size=(64, 48), seconds=2))["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    asset = Asset.objects.get(pk=asset_id)
    assert (asset.width, asset.height) == (64, 48)
    assert 1900 <= asset.duration_ms <= 2100


def test_corrupt_file_fails_with_a_reason_and_can_run_again(api, tmp_path):
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    asset_id = upload_file(api, corrupt)["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.FAILED
    assert step_run(asset_id=asset_id, step=Step.METADATA) is None  # failed stays failed until retried
    assert queue_retry_failed(queue=Queue.METADATA_EXTRACTION) == 1
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.FAILED
    step = AssetStep.objects.get(asset_id=asset_id, step=Step.METADATA)
    assert step.status == StepStatus.FAILED
    assert "not a readable image" in step.last_error
    assert step.attempts == 1  # a retry starts the count again
    assert Path(Asset.objects.get(pk=asset_id).original_path).read_bytes() == corrupt.read_bytes()


def test_extraction_of_a_deleted_asset_is_skipped(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    Asset.objects.filter(pk=asset_id).delete()
    assert step_run(asset_id=asset_id, step=Step.METADATA) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_the_same_file_yield_one_asset(user, tmp_path, media_root):
    from tests.conftest import client_for

    photo = make_jpeg(tmp_path / "photo.jpg")
    clients = [client_for(user) for _ in range(6)]
    results: list[dict] = []
    barrier = threading.Barrier(len(clients))

    def send(client: APIClient) -> None:
        barrier.wait()
        try:
            results.append(upload_file(client, photo))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({result["id"] for result in results}) == 1
    assert sorted(result["status"] for result in results) == ["created"] + ["duplicate"] * 5
    assert Asset.objects.count() == 1
    assert len([p for p in (media_root / "upload").rglob("*") if p.is_file()]) == 1


def test_sidecar_overrides_the_embedded_description_and_date(api, tmp_path):
    from tests.media_factories import make_xmp

    photo = make_jpeg(tmp_path / "photo.jpg", taken="2019:03:04 05:06:07", offset="+02:00")
    sidecar = make_xmp(tmp_path / "photo.xmp", description="from the sidecar")
    with open(photo, "rb") as data, open(sidecar, "rb") as side:
        asset_id = api.post(
            "/api/assets",
            {
                "assetData": data,
                "sidecarData": side,
                "fileCreatedAt": "2020-01-01T00:00:00Z",
                "fileModifiedAt": "2020-01-01T00:00:00Z",
            },
            format="multipart",
        ).json()["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    exif = AssetExif.objects.get(asset_id=asset_id)
    assert exif.description == "from the sidecar"
    assert (exif.date_source, exif.date_confidence) == ("exif", "exact")


def test_a_date_without_zone_uses_the_configured_default_zone(api, tmp_path):
    from jobs.system_config import config_get, config_update

    config = config_get()
    config["metadata"]["defaultTimeZone"] = "Europe/Paris"
    config_update(new_config=config)
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", taken="2019:07:04 12:00:00"))["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    exif = AssetExif.objects.get(asset_id=asset_id)
    assert exif.date_time_original == datetime(2019, 7, 4, 10, 0, tzinfo=timezone.utc)
    assert exif.date_confidence == "zone-assumed"
    assert Asset.objects.get(pk=asset_id).local_date_time == datetime(2019, 7, 4, 12, 0, tzinfo=timezone.utc)


def test_a_photo_without_any_date_falls_back_to_the_file_time(api, tmp_path):
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", taken=None))["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    exif = AssetExif.objects.get(asset_id=asset_id)
    assert (exif.date_source, exif.date_confidence) == ("file", "file-time")
    assert exif.date_time_original is not None


def test_metadata_step_imports_the_face_tags_of_the_file(api, tmp_path):
    from people.models import AssetFace, Person
    from tests.people.face_factories import face_picture, jpeg_with_xmp, mwg_block, packet, stored_box

    picture = face_picture()
    path = jpeg_with_xmp(
        tmp_path / "tagged.jpg",
        picture=picture,
        orientation=1,
        xmp=packet(mwg_block([("Alice", stored_box(picture, 1))])),
    )
    asset_id = upload_file(api, path)["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    assert list(Person.objects.values_list("name", flat=True)) == ["Alice"]
    assert AssetFace.objects.filter(asset_id=asset_id).count() == 1


def test_a_jpeg_xl_has_its_dimensions(api, tmp_path):
    asset_id = upload_file(api, make_jxl(tmp_path / "photo.jxl", 4032, 3024, container=True))["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    body = api.get(f"/api/assets/{asset_id}").json()
    assert (body["width"], body["height"]) == (4032, 3024)
    assert (body["exifInfo"]["exifImageWidth"], body["exifInfo"]["exifImageHeight"]) == (4032, 3024)


def test_a_jpeg_xl_without_a_decoder_fails_its_thumbnails_with_the_reason(api, tmp_path):
    asset_id = upload_file(api, make_jxl(tmp_path / "photo.jxl", 640, 480))["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.FAILED
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS).last_error

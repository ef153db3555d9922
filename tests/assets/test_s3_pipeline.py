"""The pipeline steps with the S3 backend (moto over HTTP): each fetches the original into the scratch folder, runs
the pure media operation on local paths, puts its outputs at their keys, and leaves the scratch folder empty, also
when it fails. Nothing is written under the media root."""

import pytest

from assets.models import Asset, AssetExif, AssetFile, AssetFileType, AssetVideo
from immich import storage
from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run, steps_enqueue
from jobs.system_config import config_get, config_update
from libraries.models import Library
from people.models import Person
from people.services import person_thumbnail_generate
from tests.assets.helpers import upload_file
from tests.media_factories import make_jpeg, make_xmp
from tests.people.face_factories import face_picture, jpeg_with_xmp, mwg_block, packet, stored_box
from tests.s3 import PREFIX, stored_files
from tests.transcode_media import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_step(asset_id: str, step: Step) -> StepStatus | None:
        steps_enqueue(asset_ids=[asset_id], step=step)
        with django_capture_on_commit_callbacks(execute=True):  # files replaced or deleted after commit
            return step_run(asset_id=asset_id, step=step)

    return run_step


@pytest.fixture
def nothing_local(media_root, tmp_path):
    yield
    assert stored_files(media_root) == [] and stored_files(tmp_path / "scratch") == []


def keys_of(*paths) -> set[str]:
    return {storage.key_of(path) for path in paths}


def test_metadata_and_thumbnails_of_an_image(api, tmp_path, s3, run, nothing_local):
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", size=(640, 480), taken="2019:03:04 05:06:07"))["id"]
    assert run(asset_id, Step.METADATA) == StepStatus.DONE
    assert run(asset_id, Step.THUMBNAILS) == StepStatus.DONE
    asset = Asset.objects.get(pk=asset_id)
    assert (asset.width, asset.height) == (640, 480)
    assert AssetExif.objects.get(asset_id=asset_id).make == "TestMake"
    generated = dict(AssetFile.objects.filter(asset_id=asset_id).values_list("type", "path"))
    assert set(generated) == {AssetFileType.THUMBNAIL, AssetFileType.PREVIEW}
    assert s3.keys() == keys_of(asset.original_path, *generated.values())
    assert s3.read(storage.key_of(generated[AssetFileType.PREVIEW]))[:2] == b"\xff\xd8"


def test_metadata_keeps_the_modification_time_the_upload_gave(api, tmp_path, s3, run):
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), fileModifiedAt="2020-02-03T04:05:06.000Z")["id"]
    run(asset_id, Step.METADATA)
    assert Asset.objects.get(pk=asset_id).file_modified_at.isoformat() == "2020-02-03T04:05:06+00:00"


def test_the_sidecar_is_fetched_with_the_original(api, tmp_path, s3, run, nothing_local):
    with open(make_xmp(tmp_path / "photo.jpg.xmp", description="from the bucket"), "rb") as handle:
        asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), sidecarData=handle)["id"]
    assert run(asset_id, Step.METADATA) == StepStatus.DONE
    assert AssetExif.objects.get(asset_id=asset_id).description == "from the bucket"


def test_a_corrupt_original_fails_with_its_reason_and_leaves_no_scratch(api, tmp_path, s3, run, nothing_local):
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    asset_id = upload_file(api, corrupt)["id"]
    assert run(asset_id, Step.THUMBNAILS) == StepStatus.FAILED
    assert "not a readable JPEG image" in AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS).last_error
    assert len(s3.keys()) == 1  # the original only


def test_a_missing_object_fails_as_a_missing_original(api, tmp_path, s3, run):
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"))["id"]
    s3.client.delete_object(Bucket=s3.name, Key=f"{PREFIX}/{storage.key_of(Asset.objects.get().original_path)}")
    assert run(asset_id, Step.METADATA) == StepStatus.FAILED
    assert "the original file is missing" in AssetStep.objects.get(asset_id=asset_id, step=Step.METADATA).last_error


def test_a_video_is_transcoded_into_the_bucket_and_played_from_it(api, tmp_path, s3, run, nothing_local):
    asset_id = upload_file(api, make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"))["id"]
    assert run(asset_id, Step.VIDEO_ENCODE) == StepStatus.DONE
    encoded = AssetFile.objects.get(asset_id=asset_id, type=AssetFileType.ENCODED_VIDEO).path
    assert (
        storage.key_of(encoded)
        == f"encoded-video/{Asset.objects.get().owner_id}/{asset_id[:2]}/{asset_id[2:4]}/{asset_id}.mp4"
    )
    playback = api.get(f"/api/assets/{asset_id}/video/playback")
    assert playback["Content-Type"] == "video/mp4"
    assert b"".join(playback.streaming_content) == s3.read(storage.key_of(encoded))
    assert AssetVideo.objects.get(asset_id=asset_id).output_size == len(s3.read(storage.key_of(encoded)))
    assert run(asset_id, Step.VIDEO_ENCODE) == StepStatus.SKIPPED  # up to date: nothing fetched is written again


def test_a_transcode_no_longer_needed_is_deleted_from_the_bucket(api, tmp_path, s3, run):
    asset_id = upload_file(api, make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"))["id"]
    run(asset_id, Step.VIDEO_ENCODE)
    config = config_get()
    config["ffmpeg"]["acceptedVideoCodecs"] += ["vp9"]
    config_update(new_config=config)
    assert run(asset_id, Step.VIDEO_ENCODE) == StepStatus.SKIPPED
    assert s3.keys(under="encoded-video/") == set()


def test_a_person_thumbnail_is_cut_from_the_fetched_original(api, tmp_path, s3, run, nothing_local):
    config = config_get()
    config["metadata"]["faces"]["import"] = True
    config_update(new_config=config)
    picture = face_picture()
    photo = jpeg_with_xmp(
        tmp_path / "tagged.jpg",
        picture=picture,
        orientation=1,
        xmp=packet(mwg_block([("Alice", stored_box(picture, 1))])),
    )
    asset_id = upload_file(api, photo)["id"]
    assert run(asset_id, Step.METADATA) == StepStatus.DONE
    person = Person.objects.get(name="Alice")
    assert person_thumbnail_generate(person_id=person.id) == "done"
    person.refresh_from_db()
    assert storage.key_of(person.thumbnail_path) in s3.keys(under="thumbs/")
    response = api.get(f"/api/people/{person.id}/thumbnail")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_an_external_original_is_read_from_its_own_folder(api, tmp_path, s3, run, nothing_local):
    outside = make_jpeg(tmp_path / "mounted" / "photo.jpg", size=(320, 240))
    asset_id = upload_file(api, outside)["id"]
    uploaded = Asset.objects.get(pk=asset_id).original_path
    s3.client.delete_object(Bucket=s3.name, Key=f"{PREFIX}/{storage.key_of(uploaded)}")
    library = Library.objects.create(owner=Asset.objects.get(pk=asset_id).owner, import_paths=[str(outside.parent)])
    Asset.objects.filter(pk=asset_id).update(original_path=str(outside), is_external=True, library=library)
    assert run(asset_id, Step.METADATA) == StepStatus.DONE
    assert run(asset_id, Step.THUMBNAILS) == StepStatus.DONE
    assert s3.keys() == keys_of(*AssetFile.objects.filter(asset_id=asset_id).values_list("path", flat=True))
    assert outside.is_file()

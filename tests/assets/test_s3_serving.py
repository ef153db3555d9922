"""Serving stored files from S3 (moto over HTTP): originals, thumbnails and playback with HTTP Range read from the
bucket through the API, or, with IMMICH_S3_PRESIGNED_REDIRECT, a 302 to a presigned URL the client fetches itself."""

import pytest
import requests

from assets.models import Asset
from immich import storage
from jobs.models import Step
from jobs.services import step_run, steps_enqueue
from tests.assets.helpers import upload_file
from tests.media_factories import make_jpeg, make_mp4
from tests.s3 import PREFIX

pytestmark = pytest.mark.django_db


def make_thumbnails(asset_id: str) -> None:
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == "done"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def photo(api, tmp_path, s3):
    path = make_jpeg(tmp_path / "photo.jpg", size=(320, 240))
    return upload_file(api, path)["id"], path.read_bytes()


def test_the_original_is_read_from_the_bucket(api, photo):
    asset_id, data = photo
    response = api.get(f"/api/assets/{asset_id}/original")
    assert response.status_code == 200 and body(response) == data
    assert response["Content-Length"] == str(len(data))


def test_a_range_of_the_original_is_read_from_the_bucket(api, photo):
    asset_id, data = photo
    response = api.get(f"/api/assets/{asset_id}/original", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert body(response) == data[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"


def test_a_missing_object_is_not_found(api, photo, s3):
    asset_id, _ = photo
    s3.client.delete_object(Bucket=s3.name, Key=f"{PREFIX}/{storage.key_of(Asset.objects.get().original_path)}")
    assert api.get(f"/api/assets/{asset_id}/original").status_code == 404


def test_a_thumbnail_is_served_from_the_bucket_with_its_etag(api, photo):
    asset_id, _ = photo
    make_thumbnails(asset_id)
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 200 and body(response)[:4] == b"RIFF"  # webp
    assert api.get(f"/api/assets/{asset_id}/thumbnail", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_playback_seeks_in_the_bucket(api, tmp_path, s3):
    clip = make_mp4(tmp_path / "clip.mp4")
    asset_id = upload_file(api, clip)["id"]
    response = api.get(f"/api/assets/{asset_id}/video/playback", HTTP_RANGE="bytes=-50")
    assert response.status_code == 206
    assert body(response) == clip.read_bytes()[-50:]


def test_with_presigned_redirects_the_original_is_a_redirect_the_client_follows(api, photo, settings):
    settings.S3_PRESIGNED_REDIRECT = True
    asset_id, data = photo
    response = api.get(f"/api/assets/{asset_id}/original")
    assert response.status_code == 302
    direct = requests.get(response["Location"], timeout=30)
    assert direct.status_code == 200 and direct.content == data
    assert direct.headers["Content-Type"] == "image/jpeg"
    assert 'filename="photo.jpg"' in direct.headers["Content-Disposition"]


def test_a_presigned_url_serves_ranges(api, photo, settings):
    settings.S3_PRESIGNED_REDIRECT = True
    asset_id, data = photo
    location = api.get(f"/api/assets/{asset_id}/original")["Location"]
    direct = requests.get(location, headers={"Range": "bytes=10-19"}, timeout=30)
    assert direct.status_code == 206 and direct.content == data[10:20]


def test_a_redirected_thumbnail_is_cached_only_while_its_url_is_valid(api, photo, settings):
    settings.S3_PRESIGNED_REDIRECT = True
    asset_id, _ = photo
    make_thumbnails(asset_id)
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=1800"
    assert requests.get(response["Location"], timeout=30).content[:4] == b"RIFF"

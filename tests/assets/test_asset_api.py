import base64
import hashlib
from pathlib import Path

import pytest

from assets.models import Asset
from assets.services import asset_delete_files
from tests.assets.helpers import upload_file, upload_photo
from tests.media_factories import make_jpeg, make_mp4

pytestmark = pytest.mark.django_db


def test_get_asset_returns_reference_shape(api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    body = api.get(f"/api/assets/{asset_id}").json()
    assert body["id"] == asset_id
    assert body["ownerId"] == str(user.id)
    assert body["type"] == "IMAGE"
    assert body["originalFileName"] == "photo.jpg"
    assert body["originalMimeType"] == "image/jpeg"
    assert body["visibility"] == "timeline"
    assert body["isArchived"] is False and body["isTrashed"] is False and body["isFavorite"] is False
    assert body["duration"] is None
    assert base64.b64decode(body["checksum"]) == hashlib.sha1((tmp_path / "photo.jpg").read_bytes()).digest()
    assert body["exifInfo"]["fileSizeInByte"] == (tmp_path / "photo.jpg").stat().st_size
    for key in (
        "thumbhash",
        "fileCreatedAt",
        "fileModifiedAt",
        "localDateTime",
        "libraryId",
        "livePhotoVideoId",
        "width",
        "height",
        "hasMetadata",
        "isOffline",
        "deviceAssetId",
        "deviceId",
    ):
        assert key in body


def test_a_video_duration_is_answered_in_milliseconds(api, tmp_path):
    video = upload_file(api, make_mp4(tmp_path / "clip.mp4"), duration="0:00:02.000000")  # an older app's string
    assert api.get(f"/api/assets/{video['id']}").json()["duration"] == 2000


def test_another_users_asset_is_not_found(api, other_api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    assert other_api.get(f"/api/assets/{asset_id}").status_code == 400
    assert other_api.get(f"/api/assets/{asset_id}/original").status_code == 400


def test_original_is_streamed_whole(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    response = api.get(f"/api/assets/{asset_id}/original")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (tmp_path / "photo.jpg").read_bytes()
    assert response["Accept-Ranges"] == "bytes"


def test_original_honours_range(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    original = (tmp_path / "photo.jpg").read_bytes()
    response = api.get(f"/api/assets/{asset_id}/original", HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == original[10:20]
    assert response["Content-Range"] == f"bytes 10-19/{len(original)}"


def test_original_suffix_range_and_unsatisfiable_range(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    original = (tmp_path / "photo.jpg").read_bytes()
    tail = api.get(f"/api/assets/{asset_id}/original", HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == original[-5:]
    beyond = api.get(f"/api/assets/{asset_id}/original", HTTP_RANGE=f"bytes={len(original)}-")
    assert beyond.status_code == 416


def test_put_asset_updates_favorite_and_description(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    body = api.put(f"/api/assets/{asset_id}", {"isFavorite": True, "description": "beach"}, format="json").json()
    assert body["isFavorite"] is True
    assert body["exifInfo"]["description"] == "beach"


def test_bulk_put_archives_only_my_assets(api, other_api, tmp_path):
    mine = upload_photo(api, tmp_path / "a")
    theirs = upload_photo(other_api, tmp_path / "b", color=(1, 2, 3))
    response = api.put("/api/assets", {"ids": [mine, theirs], "visibility": "archive"}, format="json")
    assert response.status_code == 204
    assert Asset.objects.get(pk=mine).visibility == "archive"
    assert Asset.objects.get(pk=theirs).visibility == "timeline"


def test_is_archived_flag_sets_visibility(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    api.put("/api/assets", {"ids": [asset_id], "isArchived": True}, format="json")
    assert api.get(f"/api/assets/{asset_id}").json()["isArchived"] is True


def test_delete_moves_to_trash_and_restore_brings_back(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    assert api.delete("/api/assets", {"ids": [asset_id]}, format="json").status_code == 204
    assert api.get(f"/api/assets/{asset_id}").json()["isTrashed"] is True
    assert api.post("/api/trash/restore").json() == {"count": 1}
    assert api.get(f"/api/assets/{asset_id}").json()["isTrashed"] is False


def test_restore_selected_assets_only(api, tmp_path):
    first = upload_photo(api, tmp_path / "a")
    second = upload_photo(api, tmp_path / "b", color=(9, 9, 9))
    api.delete("/api/assets", {"ids": [first, second]}, format="json")
    assert api.post("/api/trash/restore/assets", {"ids": [first]}, format="json").json() == {"count": 1}
    assert api.get(f"/api/assets/{first}").json()["isTrashed"] is False
    assert api.get(f"/api/assets/{second}").json()["isTrashed"] is True


def test_empty_trash_marks_deleted_and_delete_job_removes_files(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    original = Path(Asset.objects.get(pk=asset_id).original_path)
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    assert api.post("/api/trash/empty").json() == {"count": 1}
    assert api.get(f"/api/assets/{asset_id}").status_code == 400
    assert asset_delete_files(asset_id=asset_id) is True
    assert not original.exists()
    assert not Asset.objects.filter(pk=asset_id).exists()
    assert asset_delete_files(asset_id=asset_id) is False


def test_force_delete_returns_quota(api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == (tmp_path / "photo.jpg").stat().st_size
    api.delete("/api/assets", {"ids": [asset_id], "force": True}, format="json")
    asset_delete_files(asset_id=asset_id)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == 0


def test_cannot_delete_another_users_asset(api, other_api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    other_api.delete("/api/assets", {"ids": [asset_id], "force": True}, format="json")
    assert api.get(f"/api/assets/{asset_id}").json()["isTrashed"] is False


def test_statistics_count_images_and_videos(api, tmp_path):
    from tests.assets.helpers import upload_file
    from tests.media_factories import make_mp4

    upload_photo(api, tmp_path)
    upload_file(api, make_mp4(tmp_path / "clip.mp4"))
    assert api.get("/api/assets/statistics").json() == {"images": 1, "videos": 1, "total": 2}


def test_statistics_of_trash(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    assert api.get("/api/assets/statistics").json()["total"] == 0
    assert api.get("/api/assets/statistics?isTrashed=true").json()["total"] == 1


def test_bulk_upload_check_accepts_new_and_rejects_known(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    known = hashlib.sha1((tmp_path / "photo.jpg").read_bytes())
    new = make_jpeg(tmp_path / "new.jpg", color=(1, 1, 1))
    body = {
        "assets": [
            {"id": "/a/photo.jpg", "checksum": known.hexdigest()},
            {"id": "/a/photo-b64.jpg", "checksum": base64.b64encode(known.digest()).decode()},
            {"id": "/a/new.jpg", "checksum": hashlib.sha1(new.read_bytes()).hexdigest()},
        ]
    }
    results = api.post("/api/assets/bulk-upload-check", body, format="json").json()["results"]
    assert results == [
        {"id": "/a/photo.jpg", "action": "reject", "reason": "duplicate", "assetId": asset_id, "isTrashed": False},
        {"id": "/a/photo-b64.jpg", "action": "reject", "reason": "duplicate", "assetId": asset_id, "isTrashed": False},
        {"id": "/a/new.jpg", "action": "accept"},
    ]


def test_bulk_upload_check_is_per_user(api, other_api, tmp_path):
    upload_photo(api, tmp_path)
    checksum = hashlib.sha1((tmp_path / "photo.jpg").read_bytes()).hexdigest()
    body = {"assets": [{"id": "x", "checksum": checksum}]}
    assert (
        other_api.post("/api/assets/bulk-upload-check", body, format="json").json()["results"][0]["action"] == "accept"
    )


def test_bulk_upload_check_uses_one_query(api, tmp_path, django_assert_max_num_queries):
    body = {"assets": [{"id": str(i), "checksum": hashlib.sha1(str(i).encode()).hexdigest()} for i in range(500)]}
    with django_assert_max_num_queries(3):  # the API key lookup, the key's user, the checksum batch
        assert len(api.post("/api/assets/bulk-upload-check", body, format="json").json()["results"]) == 500

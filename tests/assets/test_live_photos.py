"""Live photos as the mobile app uploads them (the motion video first, then the still naming it in
`livePhotoVideoId`), and as other clients do (in any order, paired by Apple's ContentIdentifier when their metadata
is read): the motion part leaves the timeline, and the still names it."""

from __future__ import annotations

import uuid

import pytest

from albums.models import AlbumAsset
from assets.models import Asset
from assets.pipeline.steps import asset_extract_metadata
from tests.assets.helpers import upload_file
from tests.live_photo_media import make_live_photo_still, make_live_photo_video
from tests.media_factories import make_jpeg, make_mp4

pytestmark = pytest.mark.django_db

CONTENT_ID = "4D2E3F1A-7B8C-4D5E-9F00-112233445566"


def app_upload(client, path, **fields) -> dict:
    """The fields the app's foreground upload sends (services/foreground_upload.service.dart)."""
    app_fields = {"deviceAssetId": "ios-local-1", "deviceId": "iphone-uuid", "isFavorite": "false", "duration": "0"}
    return upload_file(client, path, **{**app_fields, **fields})


def test_the_apps_still_hides_the_motion_video_it_names(api, tmp_path):
    video = app_upload(api, make_mp4(tmp_path / "IMG_0001.MOV"), duration="2000")["id"]
    still = app_upload(api, make_jpeg(tmp_path / "IMG_0001.jpg"), livePhotoVideoId=video)["id"]
    assert api.get(f"/api/assets/{still}").json()["livePhotoVideoId"] == video
    motion = api.get(f"/api/assets/{video}").json()
    # Immich has no link back on the video: it is the hidden one that a still names.
    assert (motion["visibility"], motion["livePhotoVideoId"]) == ("hidden", None)


def test_hiding_the_motion_video_counts_as_a_change_of_it(api, tmp_path):
    """Clients that sync by change time (the app's sync stream, immich-go) must see the video leave the timeline."""
    video = app_upload(api, make_mp4(tmp_path / "IMG_0001.MOV"))["id"]
    before = Asset.objects.get(pk=video).updated_at
    app_upload(api, make_jpeg(tmp_path / "IMG_0001.jpg"), livePhotoVideoId=video)
    assert Asset.objects.get(pk=video).updated_at > before


def test_the_timeline_and_statistics_leave_the_motion_part_out(api, tmp_path):
    video = app_upload(api, make_mp4(tmp_path / "IMG_0001.MOV"))["id"]
    still = app_upload(api, make_jpeg(tmp_path / "IMG_0001.jpg"), livePhotoVideoId=video)["id"]
    assert api.get("/api/timeline/buckets").json() == [{"timeBucket": "2021-06-01", "count": 1}]
    bucket = api.get("/api/timeline/bucket?timeBucket=2021-06-01").json()
    assert (bucket["id"], bucket["livePhotoVideoId"]) == ([still], [video])
    assert api.get("/api/assets/statistics").json() == {"images": 1, "videos": 0, "total": 1}


def test_an_archived_motion_video_stays_archived(api, tmp_path):
    video = app_upload(api, make_mp4(tmp_path / "IMG_0001.MOV"), visibility="archive")["id"]
    app_upload(api, make_jpeg(tmp_path / "IMG_0001.jpg"), livePhotoVideoId=video)
    assert Asset.objects.get(pk=video).visibility == "archive"


def test_a_photo_named_as_the_video_is_refused(api, tmp_path):
    photo = app_upload(api, make_jpeg(tmp_path / "other.jpg", color=(1, 2, 3)))["id"]
    with open(make_jpeg(tmp_path / "IMG_0001.jpg"), "rb") as handle:
        response = api.post(
            "/api/assets",
            {
                "assetData": handle,
                "fileCreatedAt": "2021-06-15T10:30:00.000Z",
                "fileModifiedAt": "2021-06-15T10:30:00.000Z",
                "livePhotoVideoId": photo,
            },
            format="multipart",
        )
    assert (response.status_code, response.json()["message"]) == (400, "Live photo video must be a video")
    assert list(Asset.objects.values_list("id", flat=True)) == [uuid.UUID(photo)]


@pytest.mark.parametrize("whose", ["another user's", "unknown"])
def test_a_video_that_is_not_the_users_is_not_found(whose, api, other_api, tmp_path):
    video = (
        app_upload(other_api, make_mp4(tmp_path / "theirs.MOV"))["id"]
        if whose == "another user's"
        else (str(uuid.uuid4()))
    )
    with open(make_jpeg(tmp_path / "IMG_0001.jpg"), "rb") as handle:
        response = api.post(
            "/api/assets",
            {
                "assetData": handle,
                "fileCreatedAt": "2021-06-15T10:30:00.000Z",
                "fileModifiedAt": "2021-06-15T10:30:00.000Z",
                "livePhotoVideoId": video,
            },
            format="multipart",
        )
    assert (response.status_code, response.json()["message"]) == (400, "Live photo video not found")
    assert Asset.objects.filter(visibility="hidden").count() == 0


@pytest.mark.parametrize("first", ["still", "video"])
def test_halves_uploaded_separately_are_paired_by_content_identifier(first, api, tmp_path):
    """immich-go, the web and the CLI upload both halves with no livePhotoVideoId: reading the metadata of the
    second one to arrive pairs them, whichever it is."""
    made = {
        "still": lambda: make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID),
        "video": lambda: make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID),
    }
    second = "video" if first == "still" else "still"
    ids = {}
    for half in (first, second):
        ids[half] = upload_file(api, made[half]())["id"]
        asset_extract_metadata(ids[half])
    still, video = Asset.objects.get(pk=ids["still"]), Asset.objects.get(pk=ids["video"])
    assert (str(still.live_photo_video_id), still.visibility, video.visibility) == (ids["video"], "timeline", "hidden")
    assert api.get("/api/timeline/bucket?timeBucket=2021-06-01").json()["id"] == [ids["still"]]


def test_pairing_counts_as_a_change_of_both_halves(api, tmp_path):
    still = upload_file(api, make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID))["id"]
    video = upload_file(api, make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID))["id"]
    asset_extract_metadata(still)
    before = dict(Asset.objects.values_list("id", "updated_at"))
    asset_extract_metadata(video)
    after = dict(Asset.objects.values_list("id", "updated_at"))
    assert all(after[key] > before[key] for key in (uuid.UUID(still), uuid.UUID(video)))


def test_pairing_takes_the_motion_part_out_of_albums(api, tmp_path):
    still = upload_file(api, make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID))["id"]
    video = upload_file(api, make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID))["id"]
    api.post("/api/albums", {"albumName": "Trip", "assetIds": [still, video]}, format="json")
    asset_extract_metadata(still)
    asset_extract_metadata(video)
    assert list(AlbumAsset.objects.values_list("asset_id", flat=True)) == [uuid.UUID(still)]


def test_the_same_content_identifier_never_pairs_two_users_assets(api, other_api, tmp_path):
    still = upload_file(api, make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID))["id"]
    video = upload_file(other_api, make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID))["id"]
    asset_extract_metadata(still)
    asset_extract_metadata(video)
    assert Asset.objects.get(pk=still).live_photo_video_id is None
    assert Asset.objects.get(pk=video).visibility == "timeline"


def test_reading_the_metadata_again_changes_nothing(api, tmp_path):
    still = upload_file(api, make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID))["id"]
    video = upload_file(api, make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID))["id"]
    for asset_id in (still, video, still, video):
        asset_extract_metadata(asset_id)
    assert list(Asset.objects.order_by("type").values_list("type", "visibility", "live_photo_video_id")) == [
        ("IMAGE", "timeline", uuid.UUID(video)),
        ("VIDEO", "hidden", None),
    ]

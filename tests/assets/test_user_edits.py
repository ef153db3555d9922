"""Issue 20, item 6: what a user sets through the API (date and its time zone, GPS, description, rating) is kept over
what metadata extraction reads from the file, whether the extraction runs after the edit (immich-go pauses the
metadataExtraction queue while it uploads and edits) or again later (refresh metadata), until the user sets it
again. immich-go sends `PUT /api/assets/{id}` with `{description, latitude, longitude, rating, dateTimeOriginal}`."""

from __future__ import annotations

import pytest

from assets.models import Asset, AssetExif
from jobs.models import Step
from jobs.services import step_run
from tests.assets.helpers import upload_file
from tests.media_factories import make_exif_jpeg, make_xmp_packet

pytestmark = pytest.mark.django_db

FILE_SAYS = {
    "dc:description": "from the file", "xmp:Rating": "2", "photoshop:DateCreated": "2019-03-01T08:00:00+01:00",
    "exif:GPSLatitude": "48,51.4621N", "exif:GPSLongitude": "2,17.6988E",
}  # fmt: skip
USER_SAYS = {
    "description": "Grandma's garden", "rating": 5, "latitude": 43.2965, "longitude": 5.3698,
    "dateTimeOriginal": "2004-07-14T16:20:00.000+02:00",
}  # fmt: skip


@pytest.fixture
def photo(api, tmp_path) -> str:
    path = make_exif_jpeg(tmp_path / "IMG_0001.jpg", xmp=make_xmp_packet(**FILE_SAYS))
    return upload_file(api, path, deviceAssetId="IMG_0001.jpg-1234", deviceId="laptop")["id"]


def _pause_metadata_extraction(admin_api):
    response = admin_api.put("/api/jobs/metadataExtraction", {"command": "pause", "force": True}, format="json")
    assert response.status_code == 200, response.content


def _edit(api, asset_id: str, changes: dict) -> dict:
    response = api.put(f"/api/assets/{asset_id}", changes, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _seen(api, asset_id: str) -> dict:
    body = api.get(f"/api/assets/{asset_id}").json()
    exif = body["exifInfo"]
    return {
        "description": exif["description"], "rating": exif["rating"], "latitude": exif["latitude"],
        "longitude": exif["longitude"], "dateTimeOriginal": exif["dateTimeOriginal"], "timeZone": exif["timeZone"],
        "fileCreatedAt": body["fileCreatedAt"], "localDateTime": body["localDateTime"],
    }  # fmt: skip


USER_SEES = {
    "description": "Grandma's garden", "rating": 5, "latitude": 43.2965, "longitude": 5.3698,
    "dateTimeOriginal": "2004-07-14T14:20:00.000+00:00", "timeZone": "UTC+2",
    "fileCreatedAt": "2004-07-14T14:20:00.000Z", "localDateTime": "2004-07-14T16:20:00.000Z",
}  # fmt: skip


def test_the_file_is_read_when_the_user_set_nothing(api, photo):
    step_run(asset_id=photo, step=Step.METADATA)
    seen = _seen(api, photo)
    # The date carries +01:00 and the file a Paris position: the zone is named by the place (issue 23).
    assert (seen["description"], seen["rating"], seen["timeZone"]) == ("from the file", 2, "Europe/Paris")
    assert seen["dateTimeOriginal"] == "2019-03-01T07:00:00.000+00:00"


def test_an_edit_made_while_extraction_is_paused_survives_the_extraction(api, admin_api, photo):
    _pause_metadata_extraction(admin_api)
    _edit(api, photo, USER_SAYS)
    step_run(asset_id=photo, step=Step.METADATA)
    assert _seen(api, photo) == USER_SEES


def test_an_edit_survives_a_later_refresh_of_the_metadata(api, photo):
    step_run(asset_id=photo, step=Step.METADATA)
    _edit(api, photo, USER_SAYS)
    assert (
        api.post("/api/assets/jobs", {"assetIds": [photo], "name": "refresh-metadata"}, format="json").status_code
        == 204
    )
    step_run(asset_id=photo, step=Step.METADATA)
    assert _seen(api, photo) == USER_SEES


def test_an_edit_locks_only_what_it_set(api, photo):
    _edit(api, photo, {"description": "only this"})
    step_run(asset_id=photo, step=Step.METADATA)
    seen = _seen(api, photo)
    assert (seen["description"], seen["rating"], seen["dateTimeOriginal"]) == (
        "only this",
        2,
        "2019-03-01T07:00:00.000+00:00",
    )
    assert AssetExif.objects.get(asset_id=photo).locked_properties == ["description"]


def test_editing_again_sets_the_new_value_and_it_sticks(api, photo):
    _edit(api, photo, USER_SAYS)
    step_run(asset_id=photo, step=Step.METADATA)
    _edit(api, photo, {"description": "Grandpa's garden", "rating": 3, "dateTimeOriginal": "2005-01-02T03:04:05.000Z"})
    step_run(asset_id=photo, step=Step.METADATA)
    seen = _seen(api, photo)
    assert (seen["description"], seen["rating"], seen["dateTimeOriginal"], seen["timeZone"]) == (
        "Grandpa's garden",
        3,
        "2005-01-02T03:04:05.000+00:00",
        "UTC",
    )
    assert sorted(AssetExif.objects.get(asset_id=photo).locked_properties) == [
        "dateTimeOriginal", "description", "latitude", "longitude", "rating", "timeZone"
    ]  # fmt: skip


def test_a_bulk_edit_locks_the_same_properties(api, tmp_path, photo):
    response = api.put("/api/assets", {"ids": [photo], "rating": 4, "latitude": 1.5, "longitude": 2.5}, format="json")
    assert response.status_code == 204, response.content
    step_run(asset_id=photo, step=Step.METADATA)
    seen = _seen(api, photo)
    assert (seen["rating"], seen["latitude"], seen["longitude"], seen["description"]) == (4, 1.5, 2.5, "from the file")


def test_the_date_written_with_an_offset_keeps_the_local_wall_clock(api, photo):
    _edit(api, photo, {"dateTimeOriginal": "2004-07-14T16:20:00.000-03:30"})
    asset = Asset.objects.select_related("exif").get(pk=photo)
    assert (asset.exif.time_zone, asset.local_date_time.isoformat()) == ("UTC-3:30", "2004-07-14T16:20:00+00:00")


def test_an_offset_postgresql_cannot_store_is_kept_by_name(api, photo):
    _edit(api, photo, {"dateTimeOriginal": "1999-09-01T01:28:42-18:29"})
    seen = _seen(api, photo)
    assert (seen["dateTimeOriginal"], seen["timeZone"]) == ("1999-09-01T19:57:42.000+00:00", "UTC-18:29")

"""`PUT /api/assets` with the fields of Immich 3.1's AssetBulkUpdateDto beyond the single update's: a relative date
move (`dateTimeRelative`, minutes), a time zone, and `duplicateId`; the same locks as the single update."""

from __future__ import annotations

import pytest

from assets.models import AssetExif
from jobs.models import Step
from jobs.services import step_run
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(api, tmp_path) -> list[str]:
    return [upload_photo(api, tmp_path, f"{n}.jpg", color=(n * 90, 5, 5)) for n in range(2)]


def bulk(client, **body):
    return client.put("/api/assets", body, format="json")


def test_a_relative_move_shifts_each_assets_own_date(api, photos):
    api.put(f"/api/assets/{photos[1]}", {"dateTimeOriginal": "2020-01-01T00:00:00.000Z"}, format="json")
    assert bulk(api, ids=photos, dateTimeRelative=90).status_code == 204
    bodies = [api.get(f"/api/assets/{asset_id}").json() for asset_id in photos]
    assert [body["fileCreatedAt"] for body in bodies] == ["2021-06-15T12:00:00.000Z", "2020-01-01T01:30:00.000Z"]
    assert bodies[1]["exifInfo"]["dateTimeOriginal"] == "2020-01-01T01:30:00.000+00:00"


def test_a_time_zone_sets_the_local_time_and_is_kept_over_the_file(api, photos):
    assert bulk(api, ids=photos[:1], timeZone="Europe/Paris").status_code == 204
    step_run(asset_id=photos[0], step=Step.METADATA)
    body = api.get(f"/api/assets/{photos[0]}").json()
    assert (body["exifInfo"]["timeZone"], body["localDateTime"]) == ("Europe/Paris", "2021-06-15T12:30:00.000Z")
    assert "timeZone" in AssetExif.objects.get(asset_id=photos[0]).locked_properties


@pytest.mark.parametrize(
    "body",
    [
        {"timeZone": "Mars/Olympus"},
        {"dateTimeRelative": 5, "dateTimeOriginal": "2020-01-01T00:00:00.000Z"},
        {"duplicateId": "8f7c0b8e-0d0a-4c8e-9d55-7a1e7a5a1f00"},
    ],
)
def test_bad_bulk_changes_are_refused_and_change_nothing(api, photos, body):
    assert bulk(api, ids=photos, **body).status_code == 400
    assert api.get(f"/api/assets/{photos[0]}").json()["fileCreatedAt"] == "2021-06-15T10:30:00.000Z"


def test_duplicate_id_null_is_accepted(api, photos):
    assert bulk(api, ids=photos, duplicateId=None, isFavorite=True).status_code == 204
    assert api.get(f"/api/assets/{photos[0]}").json()["isFavorite"] is True


def test_other_users_assets_are_left_alone(api, other_api, photos):
    assert bulk(other_api, ids=photos, dateTimeRelative=60).status_code == 204
    assert api.get(f"/api/assets/{photos[0]}").json()["fileCreatedAt"] == "2021-06-15T10:30:00.000Z"

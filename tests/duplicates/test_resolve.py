"""`POST /api/duplicates/resolve` as Immich 3.1 resolves a group: every asset kept or trashed, ids outside the group
ignored, and, with one asset kept, what the group had merged onto it (albums, tags, favourite, visibility, rating,
description, an agreed location), within what the caller may do."""

from __future__ import annotations

import uuid

import pytest

from assets.models import Asset, AssetStatus
from tests.conftest import client_for
from tests.duplicates.conftest import SMALL, groups, upload_picture
from tests.duplicates.scenes import recompressed, scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(api, tmp_path) -> list[str]:
    """A photo and its recompressed copy: the first to keep, the second to trash."""
    image = scene(seed=31, size=SMALL)
    return [
        upload_picture(api, image, tmp_path / "kept.jpg"),
        upload_picture(api, recompressed(image), tmp_path / "copy.jpg"),
    ]


def _resolve(client, group_id: str, keep: list[str], trash: list[str]):
    body = {"groups": [{"duplicateId": group_id, "keepAssetIds": keep, "trashAssetIds": trash}]}
    return client.post("/api/duplicates/resolve", body, format="json")


def _keep_first(api, pair: list[str]) -> dict:
    response = _resolve(api, groups(api)[0]["duplicateId"], pair[:1], pair[1:])
    assert response.status_code == 200, response.content
    [outcome] = response.json()
    assert outcome["success"] is True, outcome
    return api.get(f"/api/assets/{pair[0]}").json()


def _edit(api, asset_id: str, **changes) -> None:
    response = api.put(f"/api/assets/{asset_id}", changes, format="json")
    assert response.status_code == 200, response.content


def test_the_kept_asset_joins_the_albums_of_the_trashed_one(api, pair):
    album = api.post("/api/albums", {"albumName": "trip", "assetIds": [pair[1]]}, format="json").json()
    _keep_first(api, pair)
    assert pair[0] in {asset["id"] for asset in api.get(f"/api/albums/{album['id']}").json()["assets"]}


def _shared_album_holding(api, owner, user, asset_id: str) -> dict:
    """An album of `owner` where `user` is an editor and has added `asset_id`."""
    body = {"albumName": "family", "albumUsers": [{"userId": str(user.id), "role": "editor"}]}
    album = owner.post("/api/albums", body, format="json").json()
    assert api.put(f"/api/albums/{album['id']}/assets", {"ids": [asset_id]}, format="json").status_code == 200
    return album


def test_the_kept_asset_joins_a_shared_album_where_its_owner_is_an_editor(api, other_user, user, pair):
    owner = client_for(other_user)
    album = _shared_album_holding(api, owner, user, pair[1])
    _keep_first(api, pair)
    assert pair[0] in {asset["id"] for asset in owner.get(f"/api/albums/{album['id']}").json()["assets"]}


def test_the_kept_asset_stays_out_of_an_album_where_its_owner_only_views(api, other_user, user, pair):
    owner = client_for(other_user)
    album = _shared_album_holding(api, owner, user, pair[1])
    owner.put(f"/api/albums/{album['id']}/user/{user.id}", {"role": "viewer"}, format="json")
    _keep_first(api, pair)
    assert pair[0] not in {asset["id"] for asset in owner.get(f"/api/albums/{album['id']}").json()["assets"]}


def test_the_kept_asset_gets_the_tags_of_the_group(api, pair):
    [tag] = api.put("/api/tags", {"tags": ["trip/2020"]}, format="json").json()
    assert api.put(f"/api/tags/{tag['id']}/assets", {"ids": [pair[1]]}, format="json").status_code == 200
    kept = _keep_first(api, pair)
    assert [tag["value"] for tag in kept["tags"]] == ["trip/2020"]


def test_the_kept_asset_is_a_favourite_when_any_was(api, pair):
    _edit(api, pair[1], isFavorite=True)
    assert _keep_first(api, pair)["isFavorite"] is True


def test_the_kept_asset_is_archived_when_any_was(api, pair):
    _edit(api, pair[1], visibility="archive")
    assert _keep_first(api, pair)["visibility"] == "archive"


def test_the_kept_asset_gets_the_highest_rating(api, pair):
    _edit(api, pair[0], rating=2)
    _edit(api, pair[1], rating=4)
    assert _keep_first(api, pair)["exifInfo"]["rating"] == 4


def test_the_kept_asset_gets_every_distinct_line_of_the_descriptions_oldest_first(api, pair):
    _edit(api, pair[0], description="Lake\nSummer", dateTimeOriginal="2020-06-01T10:00:00+00:00")
    _edit(api, pair[1], description="Summer\n  Anna  \n", dateTimeOriginal="2020-06-01T10:00:05+00:00")
    assert _keep_first(api, pair)["exifInfo"]["description"] == "Lake\nSummer\nAnna"


def test_the_kept_asset_gets_the_location_its_group_agrees_on(api, pair):
    _edit(api, pair[1], latitude=48.85, longitude=2.35)
    exif = _keep_first(api, pair)["exifInfo"]
    assert (exif["latitude"], exif["longitude"]) == (48.85, 2.35)


def test_two_locations_leave_the_kept_assets_own(api, pair):
    _edit(api, pair[0], latitude=48.85, longitude=2.35)
    _edit(api, pair[1], latitude=45.76, longitude=4.83)
    exif = _keep_first(api, pair)["exifInfo"]
    assert (exif["latitude"], exif["longitude"]) == (48.85, 2.35)


def test_nothing_is_merged_when_two_assets_are_kept(api, trio):
    _edit(api, trio[2], isFavorite=True)
    response = _resolve(api, groups(api)[0]["duplicateId"], trio[:2], trio[2:])
    assert response.json()[0]["success"] is True
    assert api.get(f"/api/assets/{trio[0]}").json()["isFavorite"] is False


def test_an_asset_both_kept_and_trashed_is_refused(api, pair):
    group_id = groups(api)[0]["duplicateId"]
    assert _resolve(api, group_id, pair, pair[1:]).json() == [
        {"id": group_id, "success": False, "error": "validation", "errorMessage": "An asset cannot be in both "
         "keepAssetIds and trashAssetIds"}
    ]  # fmt: skip
    assert not Asset.objects.filter(status=AssetStatus.TRASHED).exists()


def test_an_asset_neither_kept_nor_trashed_is_refused(api, trio):
    group_id = groups(api)[0]["duplicateId"]
    [outcome] = _resolve(api, group_id, trio[:1], trio[1:2]).json()
    assert (outcome["error"], outcome["errorMessage"]) == (
        "validation", "Every asset must be in either keepAssetIds or trashAssetIds"
    )  # fmt: skip
    assert not Asset.objects.filter(status=AssetStatus.TRASHED).exists()


def test_ids_outside_the_group_are_ignored(api, pair, tmp_path):
    stranger = upload_picture(api, scene(seed=32, size=SMALL), tmp_path / "other.jpg")
    group_id = groups(api)[0]["duplicateId"]
    assert _resolve(api, group_id, pair[:1], [pair[1], stranger]).json() == [{"id": group_id, "success": True}]
    assert Asset.objects.get(pk=stranger).status == AssetStatus.ACTIVE


def test_one_group_not_the_callers_refuses_the_whole_request(api, other_api, pair, tmp_path):
    image = scene(seed=33, size=SMALL)
    upload_picture(other_api, image, tmp_path / "theirs.jpg")
    upload_picture(other_api, recompressed(image), tmp_path / "theirs-copy.jpg")
    theirs = groups(other_api)[0]["duplicateId"]
    body = {"groups": [
        {"duplicateId": groups(api)[0]["duplicateId"], "keepAssetIds": pair[:1], "trashAssetIds": pair[1:]},
        {"duplicateId": theirs, "keepAssetIds": [], "trashAssetIds": []},
    ]}  # fmt: skip
    response = api.post("/api/duplicates/resolve", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no duplicate.delete access"
    assert not Asset.objects.filter(status=AssetStatus.TRASHED).exists()


def test_an_unknown_group_is_refused(api, pair):
    response = _resolve(api, str(uuid.uuid4()), pair[:1], pair[1:])
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no duplicate.delete access"


def test_a_key_without_duplicate_delete_is_refused(user, pair):
    reader = client_for(user, ["duplicate.read"])
    response = _resolve(reader, str(uuid.uuid4()), pair[:1], pair[1:])
    assert response.status_code == 403

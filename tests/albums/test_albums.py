import uuid

import pytest

from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def create_album(client, name="Holiday", **extra):
    response = client.post("/api/albums", {"albumName": name, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_album_with_assets(api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    album = create_album(api, assetIds=[asset_id])
    assert album["albumName"] == "Holiday"
    assert album["ownerId"] == str(user.id)
    assert album["assetCount"] == 1
    assert album["albumThumbnailAssetId"] == asset_id


def test_album_users_list_the_owner_first_as_owner(api, user):
    album = create_album(api, "Linked", assetIds=[])  # what the app sends when "Sync albums" is on
    assert [(entry["role"], entry["user"]["id"]) for entry in album["albumUsers"]] == [("owner", str(user.id))]
    assert api.get(f"/api/albums/{album['id']}").json()["albumUsers"][0]["role"] == "owner"


def test_an_empty_album_has_no_dates(api):
    album = create_album(api, "Linked", assetIds=[])
    assert {"startDate", "endDate", "lastModifiedAssetTimestamp"} & album.keys() == set()


def test_an_album_with_assets_has_its_dates(api, tmp_path):
    album = create_album(api, assetIds=[upload_photo(api, tmp_path)])
    assert album["startDate"] == album["endDate"] == album["lastModifiedAssetTimestamp"] == "2021-06-15T10:30:00.000Z"


def test_list_albums_shows_only_mine(api, other_api):
    create_album(api, "Mine")
    create_album(other_api, "Theirs")
    assert [album["albumName"] for album in api.get("/api/albums").json()] == ["Mine"]


def test_get_album_includes_assets(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    album = create_album(api, assetIds=[asset_id])
    body = api.get(f"/api/albums/{album['id']}").json()
    assert [asset["id"] for asset in body["assets"]] == [asset_id]


def test_add_assets_reports_each_id(api, other_api, tmp_path):
    mine = upload_photo(api, tmp_path / "a")
    theirs = upload_photo(other_api, tmp_path / "b", color=(5, 5, 5))
    album = create_album(api)
    missing = str(uuid.uuid4())
    results = api.put(f"/api/albums/{album['id']}/assets", {"ids": [mine, theirs, missing]}, format="json").json()
    assert results == [
        {"id": mine, "success": True},
        {"id": theirs, "success": False, "error": "no_permission"},
        {"id": missing, "success": False, "error": "no_permission"},
    ]
    again = api.put(f"/api/albums/{album['id']}/assets", {"ids": [mine]}, format="json").json()
    assert again == [{"id": mine, "success": False, "error": "duplicate"}]


def test_remove_assets_from_album(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    album = create_album(api, assetIds=[asset_id])
    results = api.delete(f"/api/albums/{album['id']}/assets", {"ids": [asset_id]}, format="json").json()
    assert results == [{"id": asset_id, "success": True}]
    assert api.get(f"/api/albums/{album['id']}").json()["assetCount"] == 0


def test_another_users_album_is_not_found(api, other_api, tmp_path):
    album = create_album(api)
    assert other_api.get(f"/api/albums/{album['id']}").status_code == 400
    assert (
        other_api.put(f"/api/albums/{album['id']}/assets", {"ids": [str(uuid.uuid4())]}, format="json").status_code
        == 400
    )
    assert other_api.delete(f"/api/albums/{album['id']}").status_code == 400


def test_rename_and_delete_album(api):
    album = create_album(api)
    assert (
        api.patch(f"/api/albums/{album['id']}", {"albumName": "Renamed"}, format="json").json()["albumName"]
        == "Renamed"
    )
    assert api.delete(f"/api/albums/{album['id']}").status_code == 204
    assert api.get(f"/api/albums/{album['id']}").status_code == 400


def test_album_requires_credentials(anonymous):
    assert anonymous.get("/api/albums").status_code == 401

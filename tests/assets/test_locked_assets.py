"""Locked assets (issue 26, item 12): an asset whose visibility is `locked` exists only for a session unlocked by
the PIN, as in Immich 3.1. It could be read by any key holding `asset.read`. To API keys and locked sessions it is
not found by id (like an unknown id), left out of bulk changes, and asking for the locked folder is 401."""

import pytest

from albums.models import Album, AlbumAsset
from assets.models import Asset, Visibility
from tests.accounts.test_credentials import signed_in
from tests.assets.helpers import upload_photo
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
PIN = "123456"
LOCKED_ONLY = {"visibility": "locked"}


@pytest.fixture
def locked_id(api, tmp_path) -> str:
    asset_id = upload_photo(api, tmp_path)
    Asset.objects.filter(pk=asset_id).update(visibility=Visibility.LOCKED)
    return asset_id


@pytest.fixture
def session(user):
    client = signed_in(user.email)
    assert client.post("/api/auth/pin-code", {"pinCode": PIN}, format="json").status_code == 204
    return client


@pytest.fixture
def unlocked(session):
    assert session.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json").status_code == 204
    return session


def _by_id(client, asset_id) -> list[int]:
    return [
        client.get(f"/api/assets/{asset_id}").status_code,
        client.get(f"/api/assets/{asset_id}/original").status_code,
        client.get(f"/api/assets/{asset_id}/thumbnail").status_code,
        client.put(f"/api/assets/{asset_id}", {"isFavorite": True}, format="json").status_code,
    ]


def test_a_read_key_does_not_see_a_locked_asset(user, locked_id):
    assert client_for(user, ["asset.read"]).get(f"/api/assets/{locked_id}").status_code == 400


def test_a_full_key_gets_not_found_for_everything_by_id(api, locked_id):
    assert _by_id(api, locked_id) == [400, 400, 400, 400]


def test_a_locked_session_gets_not_found(session, locked_id):
    assert _by_id(session, locked_id) == [400, 400, 400, 400]


def test_an_unlocked_session_reads_it(unlocked, locked_id):
    response = unlocked.get(f"/api/assets/{locked_id}")
    assert response.status_code == 200 and response.json()["visibility"] == "locked"
    assert unlocked.get(f"/api/assets/{locked_id}/original").status_code == 200


def test_after_lock_it_is_gone_again(unlocked, locked_id):
    assert unlocked.post("/api/auth/session/lock").status_code == 204
    assert unlocked.get(f"/api/assets/{locked_id}").status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "params"),
    [
        ("get", "/api/timeline/buckets", LOCKED_ONLY),
        ("get", "/api/timeline/bucket", {**LOCKED_ONLY, "timeBucket": "2021-06-01"}),
        ("get", "/api/assets/statistics", LOCKED_ONLY),
        ("post", "/api/search/metadata", LOCKED_ONLY),
        ("post", "/api/search/statistics", LOCKED_ONLY),
    ],
)
def test_asking_for_the_locked_folder_needs_elevation(user, session, locked_id, method, url, params):
    for client in (client_for(user), session):
        response = getattr(client, method)(url, params, **({"format": "json"} if method == "post" else {}))
        assert response.status_code == 401, response.content
        assert response.json()["message"] == "Elevated permission is required"


def test_the_unlocked_session_lists_the_locked_folder(unlocked, locked_id):
    buckets = unlocked.get("/api/timeline/buckets", LOCKED_ONLY)
    assert buckets.status_code == 200 and buckets.json() == [{"timeBucket": "2021-06-01", "count": 1}]
    found = unlocked.post("/api/search/metadata", LOCKED_ONLY, format="json").json()["assets"]["items"]
    assert [item["id"] for item in found] == [locked_id]


def test_the_timeline_without_a_visibility_leaves_it_out(unlocked, locked_id):
    assert unlocked.get("/api/timeline/buckets").json() == []


def test_bulk_changes_leave_it_alone_without_elevation(api, locked_id):
    assert api.put("/api/assets", {"ids": [locked_id], "isFavorite": True}, format="json").status_code == 204
    assert api.delete("/api/assets", {"ids": [locked_id], "force": True}, format="json").status_code == 204
    asset = Asset.objects.get(pk=locked_id)
    assert (asset.is_favorite, asset.status, asset.visibility) == (False, "active", "locked")


def test_the_unlocked_session_moves_it_back(unlocked, locked_id):
    body = {"ids": [locked_id], "visibility": "timeline"}
    assert unlocked.put("/api/assets", body, format="json").status_code == 204
    assert Asset.objects.get(pk=locked_id).visibility == "timeline"


def test_moving_into_the_locked_folder_takes_it_out_of_albums(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    album = api.post("/api/albums", {"albumName": "trip", "assetIds": [asset_id]}, format="json").json()["id"]
    assert api.put("/api/assets", {"ids": [asset_id], "visibility": "locked"}, format="json").status_code == 204
    assert not AlbumAsset.objects.filter(album_id=album).exists()


def test_a_locked_asset_cannot_be_added_to_an_album(unlocked, locked_id):
    album = unlocked.post("/api/albums", {"albumName": "trip", "assetIds": [locked_id]}, format="json")
    assert album.status_code == 201
    assert not Album.objects.get(pk=album.json()["id"]).assets.exists()

"""Album members (issue 21, item 1): editors and viewers, as Immich 3.1's album service treats them."""

import uuid

import pytest

from accounts.models import User
from tests.albums.test_albums import create_album
from tests.assets.helpers import upload_photo
from tests.conftest import _user, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(db) -> User:
    return _user("carol@example.com")


def share(api, album_id, user, role="editor"):
    body = {"albumUsers": [{"userId": str(user.id), "role": role}]}
    return api.put(f"/api/albums/{album_id}/users", body, format="json")


@pytest.fixture
def shared_album(api, other_user, tmp_path):
    """Alice's album holding one of her photos, shared with Bob as a viewer; another photo of hers stays private."""
    photo = upload_photo(api, tmp_path / "a")
    private = upload_photo(api, tmp_path / "b", color=(1, 2, 3))
    album = create_album(api, "Family", assetIds=[photo])
    assert share(api, album["id"], other_user, "viewer").status_code == 200
    return {"id": album["id"], "photo": photo, "private": private}


def test_adding_a_member_lists_them_after_the_owner(api, user, other_user):
    album = create_album(api)
    body = share(api, album["id"], other_user, "viewer").json()
    assert [(entry["role"], entry["user"]["id"]) for entry in body["albumUsers"]] == [
        ("owner", str(user.id)),
        ("viewer", str(other_user.id)),
    ]
    assert body["shared"] is True


def test_an_album_created_with_members_shares_it(api, other_user):
    album = create_album(api, albumUsers=[{"userId": str(other_user.id), "role": "editor"}])
    assert [entry["role"] for entry in album["albumUsers"]] == ["owner", "editor"]


@pytest.mark.parametrize(
    "members, message",
    [
        ("owner", "Cannot be shared with owner"),
        ("unknown", "Invalid user"),
    ],
)
def test_sharing_with_the_owner_or_an_unknown_user_is_refused(api, user, members, message):
    album = create_album(api)
    target = user if members == "owner" else User(id=uuid.uuid4())
    response = share(api, album["id"], target)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert api.get(f"/api/albums/{album['id']}").json()["albumUsers"][1:] == []


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_a_role_other_than_editor_or_viewer_is_refused(api, other_user, role):
    album = create_album(api)
    assert share(api, album["id"], other_user, role).status_code == 400


def _ids(client, query=""):
    return [album["id"] for album in client.get(f"/api/albums{query}").json()]


def test_a_member_lists_the_album_as_shared_and_not_owned(other_api, shared_album):
    assert _ids(other_api) == [shared_album["id"]]  # 3.1: every album the user is in
    assert _ids(other_api, "?isShared=true") == [shared_album["id"]]
    assert _ids(other_api, "?isOwned=false") == [shared_album["id"]]
    assert _ids(other_api, "?isOwned=true") == []


def test_the_owner_lists_the_album_as_owned_and_shared(api, shared_album):
    private = create_album(api, "Private")["id"]
    assert _ids(api, "?isOwned=true&isShared=true") == [shared_album["id"]]
    assert _ids(api, "?isShared=false") == [private]


def test_the_older_shared_filter_still_answers(api, other_api, shared_album):
    private = create_album(api, "Private")["id"]
    assert _ids(other_api, "?shared=true") == [shared_album["id"]]
    assert _ids(api, "?shared=false") == [private]


def test_albums_by_asset_include_the_shared_ones(other_api, shared_album):
    found = other_api.get(f"/api/albums?assetId={shared_album['photo']}").json()
    assert [album["id"] for album in found] == [shared_album["id"]]


def test_album_statistics_count_owned_shared_and_not_shared(api, other_api, shared_album):
    create_album(api, "Private")
    assert api.get("/api/albums/statistics").json() == {"owned": 2, "shared": 1, "notShared": 1}
    assert other_api.get("/api/albums/statistics").json() == {"owned": 0, "shared": 1, "notShared": 0}


def test_a_member_reads_the_album_and_its_assets_files(other_api, shared_album):
    body = other_api.get(f"/api/albums/{shared_album['id']}").json()
    assert [asset["id"] for asset in body["assets"]] == [shared_album["photo"]]
    assert other_api.get(f"/api/assets/{shared_album['photo']}").status_code == 200
    assert other_api.get(f"/api/assets/{shared_album['photo']}/original").status_code == 200


def test_a_member_sees_nothing_else_of_the_owners(other_api, shared_album):
    assert other_api.get(f"/api/assets/{shared_album['private']}").status_code == 400
    assert other_api.get(f"/api/assets/{shared_album['private']}/original").status_code == 400


def test_a_member_cannot_change_the_owners_asset(other_api, shared_album):
    response = other_api.put(f"/api/assets/{shared_album['photo']}", {"isFavorite": True}, format="json")
    assert response.status_code == 400


def test_the_album_timeline_shows_its_assets_to_a_member(other_api, shared_album):
    buckets = other_api.get(f"/api/timeline/buckets?albumId={shared_album['id']}").json()
    assert [bucket["count"] for bucket in buckets] == [1]
    assert other_api.get("/api/timeline/buckets").json() == []


def test_a_viewer_cannot_add_assets_or_change_the_album(other_api, shared_album, tmp_path):
    own = upload_photo(other_api, tmp_path / "bob")
    put = other_api.put(f"/api/albums/{shared_album['id']}/assets", {"ids": [own]}, format="json")
    assert put.status_code == 400
    patch = other_api.patch(f"/api/albums/{shared_album['id']}", {"albumName": "Mine"}, format="json")
    assert patch.status_code == 400
    assert other_api.delete(f"/api/albums/{shared_album['id']}").status_code == 400


def test_an_editor_adds_own_assets_but_not_others(api, other_api, other_user, shared_album, tmp_path):
    api.put(f"/api/albums/{shared_album['id']}/user/{other_user.id}", {"role": "editor"}, format="json")
    own = upload_photo(other_api, tmp_path / "bob", color=(9, 9, 9))
    body = {"ids": [own, shared_album["private"]]}
    results = other_api.put(f"/api/albums/{shared_album['id']}/assets", body, format="json").json()
    assert results == [
        {"id": own, "success": True},
        {"id": shared_album["private"], "success": False, "error": "no_permission"},
    ]
    # The owner now sees the editor's photo through the album.
    assert api.get(f"/api/assets/{own}").status_code == 200


def test_an_editor_removes_own_assets_only(api, other_api, other_user, shared_album, tmp_path):
    api.put(f"/api/albums/{shared_album['id']}/user/{other_user.id}", {"role": "editor"}, format="json")
    own = upload_photo(other_api, tmp_path / "bob", color=(9, 9, 9))
    other_api.put(f"/api/albums/{shared_album['id']}/assets", {"ids": [own]}, format="json")
    body = {"ids": [own, shared_album["photo"]]}
    results = other_api.delete(f"/api/albums/{shared_album['id']}/assets", body, format="json").json()
    assert results == [
        {"id": own, "success": True},
        {"id": shared_album["photo"], "success": False, "error": "no_permission"},
    ]


def test_the_owner_changes_a_members_role(api, other_user, shared_album):
    url = f"/api/albums/{shared_album['id']}/user/{other_user.id}"
    assert api.put(url, {"role": "editor"}, format="json").status_code == 200
    assert api.get(f"/api/albums/{shared_album['id']}").json()["albumUsers"][1]["role"] == "editor"


def test_a_member_cannot_change_roles(other_api, other_user, shared_album):
    url = f"/api/albums/{shared_album['id']}/user/{other_user.id}"
    assert other_api.put(url, {"role": "editor"}, format="json").status_code == 400


def test_a_member_leaves_the_album(api, other_api, shared_album):
    assert other_api.delete(f"/api/albums/{shared_album['id']}/user/me").status_code == 200
    assert other_api.get(f"/api/albums/{shared_album['id']}").status_code == 400
    assert api.get(f"/api/albums/{shared_album['id']}").json()["shared"] is False


def test_a_member_cannot_remove_another_member(api, other_api, shared_album, carol):
    share(api, shared_album["id"], carol)
    response = other_api.delete(f"/api/albums/{shared_album['id']}/user/{carol.id}")
    assert response.status_code == 400
    assert len(api.get(f"/api/albums/{shared_album['id']}").json()["albumUsers"]) == 3


def test_the_owner_cannot_leave(api, user, shared_album):
    response = api.delete(f"/api/albums/{shared_album['id']}/user/me")
    assert response.status_code == 400
    assert response.json()["message"] == "Cannot remove album owner"


def test_a_stranger_reads_nothing_of_a_shared_album(shared_album, carol):
    stranger = client_for(carol)
    assert stranger.get(f"/api/albums/{shared_album['id']}").status_code == 400
    assert stranger.get(f"/api/assets/{shared_album['photo']}/thumbnail").status_code == 400


def test_a_shared_albums_answer_counts_each_contributors_assets(
    api, other_api, user, other_user, shared_album, tmp_path
):
    api.put(f"/api/albums/{shared_album['id']}/user/{other_user.id}", {"role": "editor"}, format="json")
    mine = [upload_photo(other_api, tmp_path / f"bob{i}", color=(9, 9, 10 * i)) for i in range(2)]
    other_api.put(f"/api/albums/{shared_album['id']}/assets", {"ids": mine}, format="json")
    body = other_api.get(f"/api/albums/{shared_album['id']}").json()
    assert body["contributorCounts"] == [
        {"userId": str(other_user.id), "assetCount": 2},
        {"userId": str(user.id), "assetCount": 1},
    ]


def test_an_album_shared_with_nobody_has_no_contributor_counts(api, tmp_path):
    album = create_album(api, "Alone", assetIds=[upload_photo(api, tmp_path / "a")])
    assert "contributorCounts" not in api.get(f"/api/albums/{album['id']}").json()

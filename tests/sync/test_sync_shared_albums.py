"""Shared albums on the phone (issue 21 item 6, issue 19 item 2): an album shared with the caller, its users with
their roles, its links, and the assets in it that are not the caller's own (AlbumAssetsV2, AlbumAssetExifsV1), with
the backfill of an album joined after the phone synced, and what leaves the phone (a member removed or leaving, an
asset taken out)."""

from __future__ import annotations

import pytest

from albums.models import Album
from tests.albums.test_album_members import share
from tests.albums.test_albums import create_album
from tests.assets.helpers import upload_photo
from tests.conftest import client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_phone(other_user):
    return phone_for(other_user)


@pytest.fixture
def family(api, other_user, tmp_path) -> dict:
    """Alice's album with one of her photos, shared with Bob as a viewer."""
    photo = upload_photo(api, tmp_path, "family.jpg")
    album = create_album(api, "Family", assetIds=[photo])
    assert share(api, album["id"], other_user, "viewer").status_code == 200
    return {"id": album["id"], "photo": photo}


def _ids(lines: list[dict], entity_type: str) -> list[str]:
    return [data.get("id") or data.get("assetId") for data in of_type(lines, entity_type)]


def _backfill_acks(lines: list[dict]) -> list[str]:
    return [line["ack"].split("|")[0] for line in lines if line["type"] == "SyncAckV1"]


def test_an_album_shared_with_the_phone_brings_its_users_links_and_the_owners_assets(
    user, other_user, bob_phone, family
):
    lines = sync(bob_phone)
    assert _ids(lines, "AlbumV2") == [family["id"]]
    assert sorted(of_type(lines, "AlbumUserV1"), key=lambda entry: entry["role"]) == [
        {"albumId": family["id"], "userId": str(user.id), "role": "owner"},
        {"albumId": family["id"], "userId": str(other_user.id), "role": "viewer"},
    ]
    assert of_type(lines, "AlbumToAssetV1") == [{"albumId": family["id"], "assetId": family["photo"]}]
    [asset] = of_type(lines, "AlbumAssetCreateV2")
    assert asset["id"] == family["photo"] and asset["ownerId"] == str(user.id)
    assert _ids(lines, "AlbumAssetExifCreateV1") == [family["photo"]]
    assert of_type(lines, "AssetV2") == [] and of_type(lines, "PartnerAssetV2") == []


def test_the_owners_phone_gets_the_member_but_not_its_own_assets_as_album_assets(user, other_user, family):
    lines = sync(phone_for(user))
    assert {"albumId": family["id"], "userId": str(other_user.id), "role": "viewer"} in of_type(lines, "AlbumUserV1")
    assert of_type(lines, "AlbumAssetCreateV2") == [] and _ids(lines, "AssetV2") == [family["photo"]]


def test_an_editors_asset_added_to_the_album_reaches_the_owner_as_an_album_asset(
    api, user, other_user, bob_phone, family, tmp_path
):
    alice_phone = phone_for(user)
    ack_all(alice_phone, sync(alice_phone))
    ack_all(bob_phone, sync(bob_phone))
    api.put(f"/api/albums/{family['id']}/user/{other_user.id}", {"role": "editor"}, format="json")
    bob = client_for(other_user)
    bobs = upload_photo(bob, tmp_path, "bob.jpg", color=(4, 40, 4))
    assert bob.put(f"/api/albums/{family['id']}/assets", {"ids": [bobs]}, format="json").status_code == 200
    mine = sync(alice_phone)
    assert {"albumId": family["id"], "userId": str(other_user.id), "role": "editor"} in of_type(mine, "AlbumUserV1")
    assert _ids(mine, "AlbumAssetCreateV2") == [bobs] and _ids(mine, "AlbumAssetExifCreateV1") == [bobs]
    assert of_type(mine, "AlbumToAssetV1") == [{"albumId": family["id"], "assetId": bobs}]
    his = sync(bob_phone)
    assert _ids(his, "AssetV2") == [bobs] and of_type(his, "AlbumAssetCreateV2") == []
    assert of_type(his, "AlbumToAssetV1") == [{"albumId": family["id"], "assetId": bobs}]


def test_a_change_to_an_album_asset_the_phone_has_comes_as_an_update(api, bob_phone, family):
    ack_all(bob_phone, sync(bob_phone))
    api.put(f"/api/assets/{family['photo']}", {"isFavorite": True}, format="json")
    lines = sync(bob_phone)
    [update] = of_type(lines, "AlbumAssetUpdateV2")
    assert update["id"] == family["photo"] and update["isFavorite"] is True
    assert of_type(lines, "AlbumAssetCreateV2") == []


def test_an_album_joined_after_a_sync_backfills_what_it_held(api, user, other_user, bob_phone, tmp_path):
    """Bob already syncs Family; then Alice shares Trip, older than what he synced."""
    trip_photo = upload_photo(api, tmp_path, "trip.jpg", color=(8, 80, 8))
    trip = create_album(api, "Trip", assetIds=[trip_photo])
    family_photo = upload_photo(api, tmp_path, "family.jpg")
    share(api, create_album(api, "Family", assetIds=[family_photo])["id"], other_user, "viewer")
    ack_all(bob_phone, sync(bob_phone))
    share(api, trip["id"], other_user, "editor")
    lines = sync(bob_phone)
    assert _ids(lines, "AlbumV2") == [trip["id"]]
    assert of_type(lines, "AlbumToAssetBackfillV1") == [{"albumId": trip["id"], "assetId": trip_photo}]
    assert _ids(lines, "AlbumAssetBackfillV2") == [trip_photo]
    assert _ids(lines, "AlbumAssetExifBackfillV1") == [trip_photo]
    users = of_type(lines, "AlbumUserBackfillV1") + of_type(lines, "AlbumUserV1")
    assert {"albumId": trip["id"], "userId": str(other_user.id), "role": "editor"} in users
    assert {"albumId": trip["id"], "userId": str(user.id), "role": "owner"} in users
    assert sorted(_backfill_acks(lines)) == sorted(
        ["AlbumUserBackfillV1", "AlbumAssetBackfillV2", "AlbumToAssetBackfillV1", "AlbumAssetExifBackfillV1"]
    )
    ack_all(bob_phone, lines)
    again = sync(bob_phone)
    assert [line["type"] for line in again] == ["SyncCompleteV1"]


def test_a_removed_member_loses_the_album_and_the_others_lose_the_member(api, user, other_user, bob_phone, family):
    alice_phone = phone_for(user)
    ack_all(alice_phone, sync(alice_phone))
    ack_all(bob_phone, sync(bob_phone))
    assert api.delete(f"/api/albums/{family['id']}/user/{other_user.id}").status_code == 200
    assert of_type(sync(bob_phone), "AlbumDeleteV1") == [{"albumId": family["id"]}]
    assert of_type(sync(alice_phone), "AlbumUserDeleteV1") == [{"albumId": family["id"], "userId": str(other_user.id)}]


def test_a_member_leaving_loses_the_album(other_user, bob_phone, family):
    ack_all(bob_phone, sync(bob_phone))
    assert client_for(other_user).delete(f"/api/albums/{family['id']}/user/me").status_code == 200
    lines = sync(bob_phone)
    assert of_type(lines, "AlbumDeleteV1") == [{"albumId": family["id"]}]
    assert of_type(lines, "AlbumV2") == []


def test_an_asset_taken_out_of_a_shared_album_and_the_album_deleted_reach_the_member(api, bob_phone, family):
    ack_all(bob_phone, sync(bob_phone))
    api.delete(f"/api/albums/{family['id']}/assets", {"ids": [family["photo"]]}, format="json")
    lines = sync(bob_phone)
    assert of_type(lines, "AlbumToAssetDeleteV1") == [{"albumId": family["id"], "assetId": family["photo"]}]
    ack_all(bob_phone, lines)
    Album.objects.filter(pk=family["id"]).delete()
    assert of_type(sync(bob_phone), "AlbumDeleteV1") == [{"albumId": family["id"]}]

"""POST /api/sync/stream as the mobile app reads it: the first full sync, an ack, an upload from another client shown
alone by the next sync, deletes reaching the phone, and a reset."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from albums.models import Album
from assets.models import Asset
from sync.models import SessionSyncCheckpoint
from tests.assets.helpers import upload_photo
from tests.conftest import client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return phone_for(user)


@pytest.fixture
def web(user):
    """Another client of the same user (the web, immich-go): an API key."""
    return client_for(user)


def test_a_first_sync_sends_the_user_the_assets_and_their_exif_then_completes(phone, web, user, tmp_path):
    asset_id = upload_photo(web, tmp_path, "first.jpg")
    lines = sync(phone)
    assert [line["data"]["id"] for line in lines if line["type"] == "AuthUserV1"] == [str(user.id)]
    assert str(user.id) in [data["id"] for data in of_type(lines, "UserV1")]
    [asset] = of_type(lines, "AssetV2")
    sha1 = hashlib.sha1((tmp_path / "first.jpg").read_bytes()).digest()
    assert asset["id"] == asset_id and asset["ownerId"] == str(user.id)
    assert asset["checksum"] == base64.b64encode(sha1).decode()  # what the app compares with its local hashes
    assert asset["originalFileName"] == "first.jpg" and asset["type"] == "IMAGE" and asset["visibility"] == "timeline"
    assert asset["deletedAt"] is None and asset["isFavorite"] is False and asset["duration"] is None
    assert of_type(lines, "AssetExifV1")[0]["assetId"] == asset_id
    assert lines[-1]["type"] == "SyncCompleteV1" and lines[-1]["data"] == {}
    assert all(set(line) == {"type", "data", "ack"} for line in lines)


def test_after_an_ack_the_next_sync_sends_only_the_upload_of_another_client(phone, web, tmp_path):
    upload_photo(web, tmp_path, "before.jpg", color=(10, 10, 10))
    ack_all(phone, sync(phone))
    uploaded = upload_photo(web, tmp_path, "after.jpg", color=(250, 250, 250))
    lines = sync(phone)
    assert [asset["id"] for asset in of_type(lines, "AssetV2")] == [uploaded]
    assert [exif["assetId"] for exif in of_type(lines, "AssetExifV1")] == [uploaded]


def test_without_an_ack_the_same_changes_come_again(phone, web, tmp_path):
    upload_photo(web, tmp_path)
    first = of_type(sync(phone), "AssetV2")
    assert of_type(sync(phone), "AssetV2") == first


def test_an_asset_deleted_elsewhere_reaches_the_phone_as_a_delete(phone, web, tmp_path):
    asset_id = upload_photo(web, tmp_path)
    ack_all(phone, sync(phone))
    assert web.delete("/api/assets", {"ids": [asset_id], "force": True}, format="json").status_code == 204
    lines = sync(phone)
    assert of_type(lines, "AssetDeleteV1") == [{"assetId": asset_id}]
    assert of_type(lines, "AssetV2") == []


def test_a_trashed_asset_is_sent_with_its_deletion_date_then_its_purge_as_a_delete(phone, web, tmp_path):
    asset_id = upload_photo(web, tmp_path)
    ack_all(phone, sync(phone))
    web.delete("/api/assets", {"ids": [asset_id]}, format="json")
    lines = sync(phone)
    [trashed] = of_type(lines, "AssetV2")
    assert trashed["id"] == asset_id and trashed["deletedAt"] is not None
    ack_all(phone, lines)
    assert web.post("/api/trash/empty").status_code == 200
    assert of_type(sync(phone), "AssetDeleteV1") == [{"assetId": asset_id}]


def test_an_asset_given_to_another_user_leaves_the_first_phone_and_reaches_the_second(
    phone, web, user, other_user, tmp_path
):
    asset_id = upload_photo(web, tmp_path)
    other_phone = phone_for(other_user)
    ack_all(phone, sync(phone))
    ack_all(other_phone, sync(other_phone))
    Asset.objects.filter(pk=asset_id).update(owner=other_user)
    assert of_type(sync(phone), "AssetDeleteV1") == [{"assetId": asset_id}]
    lines = sync(other_phone)
    assert [asset["id"] for asset in of_type(lines, "AssetV2")] == [asset_id]
    assert [exif["assetId"] for exif in of_type(lines, "AssetExifV1")] == [asset_id]


def test_another_users_assets_never_reach_the_phone(phone, other_user, tmp_path):
    upload_photo(client_for(other_user), tmp_path)
    assert of_type(sync(phone), "AssetV2") == []


def test_albums_their_owner_and_their_assets_are_synced_and_their_removal_too(phone, web, user, tmp_path):
    asset_id = upload_photo(web, tmp_path)
    album_id = web.post("/api/albums", {"albumName": "Trip", "assetIds": [asset_id]}, format="json").json()["id"]
    lines = sync(phone)
    [album] = of_type(lines, "AlbumV2")
    assert album["id"] == album_id and album["name"] == "Trip" and album["order"] == "desc"
    assert of_type(lines, "AlbumUserV1") == [{"albumId": album_id, "userId": str(user.id), "role": "owner"}]
    assert of_type(lines, "AlbumToAssetV1") == [{"albumId": album_id, "assetId": asset_id}]
    ack_all(phone, lines)
    web.delete(f"/api/albums/{album_id}/assets", {"ids": [asset_id]}, format="json")
    assert of_type(sync(phone), "AlbumToAssetDeleteV1") == [{"albumId": album_id, "assetId": asset_id}]
    Album.objects.filter(pk=album_id).delete()
    assert of_type(sync(phone), "AlbumDeleteV1") == [{"albumId": album_id}]


def test_a_v1_client_gets_the_v1_shapes(phone, web, user, tmp_path):
    upload_photo(web, tmp_path)
    web.post("/api/albums", {"albumName": "Old"}, format="json")
    lines = sync(phone, ["AssetsV1", "AlbumsV1", "AlbumUsersV1"])
    [asset] = of_type(lines, "AssetV1")
    assert asset["duration"] == "0:00:00.00000"  # V1's duration is Immich's text, V2's milliseconds
    assert of_type(lines, "AlbumV1")[0]["ownerId"] == str(user.id)
    assert of_type(lines, "AlbumUserV1") == []  # role "owner" is a 3.x value: older apps do not know it


def test_the_types_this_server_has_no_entities_for_answer_nothing_but_complete(phone):
    lines = sync(phone, ["PartnerStacksV1", "MemoriesV1", "StacksV1", "AssetEditsV1", "AssetMetadataV1", "AssetOcrV1"])
    assert [line["type"] for line in lines] == ["SyncCompleteV1"]


def test_a_reset_request_sends_everything_again(phone, web, tmp_path):
    asset_id = upload_photo(web, tmp_path)
    ack_all(phone, sync(phone))
    assert of_type(sync(phone), "AssetV2") == []
    assert [asset["id"] for asset in of_type(sync(phone, reset=True), "AssetV2")] == [asset_id]


def test_a_session_whose_last_complete_sync_is_older_than_the_audit_retention_is_told_to_reset(phone, web, tmp_path):
    upload_photo(web, tmp_path)
    ack_all(phone, sync(phone))
    SessionSyncCheckpoint.objects.filter(type="SyncCompleteV1").update(updated_at=timezone.now() - timedelta(days=31))
    lines = sync(phone)
    assert [line["type"] for line in lines] == ["SyncResetV1"]
    ack_all(phone, lines)  # the app acks the reset, then syncs from scratch
    assert not SessionSyncCheckpoint.objects.exists()
    assert len(of_type(sync(phone), "AssetV2")) == 1


def test_changed_preferences_reach_the_phone_as_user_metadata(phone, user):
    phone.put("/api/users/me/preferences", {"ratings": {"enabled": True}}, format="json")
    lines = sync(phone, ["UserMetadataV1"])
    assert of_type(lines, "UserMetadataV1") == [
        {"userId": str(user.id), "key": "preferences", "value": {"ratings": {"enabled": True}}}
    ]
    ack_all(phone, lines)
    assert of_type(sync(phone, ["UserMetadataV1"]), "UserMetadataV1") == []

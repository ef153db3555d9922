"""Partners on the phone (issue 21 item 6, issue 19 item 2): PartnersV1, a partner's assets and EXIF (PartnerAssetsV2,
PartnerAssetExifsV1) as partners see them, the backfill of a partnership made after the phone synced, and what
leaves the phone (the partnership, a deleted asset, one archived, locked or trashed)."""

from __future__ import annotations

import pytest

from tests.assets.helpers import upload_photo
from tests.conftest import _user, client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_phone(other_user):
    return phone_for(other_user)


def _share(api, user) -> None:
    assert api.post("/api/partners", {"sharedWithId": str(user.id)}, format="json").status_code == 201


def _ids(lines: list[dict], entity_type: str) -> list[str]:
    return [data.get("id") or data.get("assetId") for data in of_type(lines, entity_type)]


def _acked_complete(lines: list[dict], backfill_type: str) -> list[str]:
    return [line["ack"] for line in lines if line["type"] == "SyncAckV1" and line["ack"].startswith(backfill_type)]


def test_a_partnership_reaches_both_phones_and_its_end_too(api, user, other_user, bob_phone):
    alice_phone = phone_for(user)
    _share(api, other_user)
    expected = {"sharedById": str(user.id), "sharedWithId": str(other_user.id), "inTimeline": False}
    for phone in (alice_phone, bob_phone):
        lines = sync(phone)
        assert of_type(lines, "PartnerV1") == [expected]
        ack_all(phone, lines)
    client_for(other_user).put(f"/api/partners/{user.id}", {"inTimeline": True}, format="json")
    assert of_type(sync(bob_phone), "PartnerV1") == [{**expected, "inTimeline": True}]
    api.delete(f"/api/partners/{other_user.id}")
    for phone in (alice_phone, bob_phone):
        assert of_type(sync(phone), "PartnerDeleteV1") == [
            {"sharedById": str(user.id), "sharedWithId": str(other_user.id)}
        ]


def test_the_first_sync_sends_the_partners_shared_assets_and_exif_but_never_archived_or_locked(
    api, user, other_user, bob_phone, tmp_path
):
    photo = upload_photo(api, tmp_path, "photo.jpg")
    archived = upload_photo(api, tmp_path, "archived.jpg", color=(1, 2, 3))
    locked = upload_photo(api, tmp_path, "locked.jpg", color=(3, 2, 1))
    api.put("/api/assets", {"ids": [archived], "visibility": "archive"}, format="json")
    api.put("/api/assets", {"ids": [locked], "visibility": "locked"}, format="json")
    _share(api, other_user)
    lines = sync(bob_phone)
    [asset] = of_type(lines, "PartnerAssetV2")
    assert asset["id"] == photo and asset["ownerId"] == str(user.id) and asset["visibility"] == "timeline"
    assert _ids(lines, "PartnerAssetExifV1") == [photo]
    assert of_type(lines, "AssetV2") == []  # the phone's own assets are only Bob's
    # nothing to backfill: the upserts bring everything, and the phone is told so
    assert [ack.endswith("|complete") for ack in _acked_complete(lines, "PartnerAssetBackfillV2|")] == [True]
    assert of_type(lines, "PartnerAssetBackfillV2") == []


def test_after_an_ack_only_the_partners_new_upload_comes(api, other_user, bob_phone, tmp_path):
    upload_photo(api, tmp_path, "old.jpg")
    _share(api, other_user)
    ack_all(bob_phone, sync(bob_phone))
    new = upload_photo(api, tmp_path, "new.jpg", color=(9, 9, 9))
    lines = sync(bob_phone)
    assert _ids(lines, "PartnerAssetV2") == [new]
    assert _ids(lines, "PartnerAssetExifV1") == [new]
    assert _acked_complete(lines, "PartnerAssetBackfillV2|") == []


def test_a_partnership_made_after_a_sync_backfills_the_partners_existing_assets(
    api, user, other_user, bob_phone, tmp_path
):
    """Bob already syncs Alice's library; then Carol, whose photo is older than his last sync, shares hers with him
    (her photos made later come as PartnerAssetV2)."""
    carol = client_for(_user("carol@example.com"))
    carols = upload_photo(carol, tmp_path, "carol.jpg", color=(5, 50, 5))
    upload_photo(api, tmp_path, "alice.jpg")
    _share(api, other_user)
    ack_all(bob_phone, sync(bob_phone))
    _share(carol, other_user)
    later = upload_photo(carol, tmp_path, "later.jpg", color=(50, 5, 5))
    lines = sync(bob_phone)
    assert _ids(lines, "PartnerAssetBackfillV2") == [carols]
    assert _ids(lines, "PartnerAssetV2") == [later]
    assert _ids(lines, "PartnerAssetExifBackfillV1") == [carols]
    assert _ids(lines, "PartnerAssetExifV1") == [later]
    assert len(_acked_complete(lines, "PartnerAssetBackfillV2|")) == 1
    assert len(_acked_complete(lines, "PartnerAssetExifBackfillV1|")) == 1
    ack_all(bob_phone, lines)
    again = sync(bob_phone)
    assert of_type(again, "PartnerAssetBackfillV2") == [] and of_type(again, "PartnerAssetV2") == []
    assert _acked_complete(again, "PartnerAssetBackfillV2|") == []


def test_an_archived_partner_asset_leaves_the_partners_phone_only_and_comes_back_when_unarchived(
    api, user, other_user, bob_phone, tmp_path
):
    photo = upload_photo(api, tmp_path)
    _share(api, other_user)
    alice_phone = phone_for(user)
    ack_all(bob_phone, sync(bob_phone))
    ack_all(alice_phone, sync(alice_phone))
    api.put("/api/assets", {"ids": [photo], "visibility": "archive"}, format="json")
    lines = sync(bob_phone)
    assert of_type(lines, "PartnerAssetDeleteV1") == [{"assetId": photo}]
    assert of_type(lines, "PartnerAssetV2") == []
    ack_all(bob_phone, lines)
    mine = sync(alice_phone)
    assert of_type(mine, "AssetDeleteV1") == [] and of_type(mine, "AssetV2")[0]["visibility"] == "archive"
    api.put("/api/assets", {"ids": [photo], "visibility": "timeline"}, format="json")
    lines = sync(bob_phone)
    assert _ids(lines, "PartnerAssetV2") == [photo]
    assert _ids(lines, "PartnerAssetExifV1") == [photo]  # dropped with the asset, so sent again


def test_a_partners_trashed_or_deleted_asset_reaches_the_phone_as_a_partner_asset_delete(
    api, other_user, bob_phone, tmp_path
):
    trashed = upload_photo(api, tmp_path, "trashed.jpg")
    deleted = upload_photo(api, tmp_path, "deleted.jpg", color=(7, 7, 7))
    _share(api, other_user)
    ack_all(bob_phone, sync(bob_phone))
    api.delete("/api/assets", {"ids": [trashed]}, format="json")
    api.delete("/api/assets", {"ids": [deleted], "force": True}, format="json")
    lines = sync(bob_phone)
    assert sorted(_ids(lines, "PartnerAssetDeleteV1")) == sorted([trashed, deleted])
    assert of_type(lines, "PartnerAssetV2") == []


def test_a_v1_client_gets_partner_assets_in_the_v1_shape_and_stacks_answer_nothing(
    api, other_user, bob_phone, tmp_path
):
    upload_photo(api, tmp_path)
    _share(api, other_user)
    lines = sync(bob_phone, ["PartnerAssetsV1", "PartnerStacksV1"])
    assert of_type(lines, "PartnerAssetV1")[0]["duration"] == "0:00:00.00000"
    assert [line["type"] for line in lines if line["type"].startswith("PartnerStack")] == []


def test_a_backfill_acked_part_way_resumes_after_the_last_row_acked(api, other_user, bob_phone, tmp_path):
    carol = client_for(_user("carol@example.com"))
    older = [upload_photo(carol, tmp_path, f"{index}.jpg", color=(index * 60, 9, 9)) for index in range(2)]
    upload_photo(api, tmp_path, "alice.jpg")
    _share(api, other_user)
    ack_all(bob_phone, sync(bob_phone))
    _share(carol, other_user)
    [first, _] = [line for line in sync(bob_phone) if line["type"] == "PartnerAssetBackfillV2"]
    assert bob_phone.post("/api/sync/ack", {"acks": [first["ack"]]}, format="json").status_code == 204
    lines = sync(bob_phone)
    assert _ids(lines, "PartnerAssetBackfillV2") == [older[1]] and first["data"]["id"] == older[0]
    assert len(_acked_complete(lines, "PartnerAssetBackfillV2|")) == 1

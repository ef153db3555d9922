"""Stacks on the phone (issue 21, issue 20 item 3): StacksV1 and PartnerStacksV1 in Immich 3.1's shapes, the assets'
`stackId`, what leaves the phone (a deleted or dissolved stack), and the backfill of a partnership made later."""

from __future__ import annotations

import pytest

from tests.assets.helpers import upload_photo
from tests.conftest import _user, client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db

TYPES = ["AssetsV2", "StacksV1", "PartnersV1", "PartnerAssetsV2", "PartnerStacksV1"]


def _stack(client, tmp_path, name: str) -> dict:
    ids = [upload_photo(client, tmp_path, f"{name}{i}.jpg", color=(60 * i, 7, len(name))) for i in range(2)]
    response = client.post("/api/stacks", {"assetIds": ids}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _share(client, user) -> None:
    assert client.post("/api/partners", {"sharedWithId": str(user.id)}, format="json").status_code == 201


def test_a_stack_reaches_the_phone_in_immichs_shape_with_its_assets_stack_ids(api, user, tmp_path):
    stack = _stack(api, tmp_path, "burst")
    lines = sync(phone_for(user), TYPES)
    [synced] = of_type(lines, "StackV1")
    assert synced["id"] == stack["id"] and synced["ownerId"] == str(user.id)
    assert synced["primaryAssetId"] == stack["primaryAssetId"]
    assert synced["createdAt"].endswith("Z") and synced["updatedAt"].endswith("Z")
    assert {asset["stackId"] for asset in of_type(lines, "AssetV2")} == {stack["id"]}


def test_an_asset_joining_a_stack_after_a_sync_comes_again_with_its_stack_id(api, user, tmp_path):
    phone = phone_for(user)
    ids = [upload_photo(api, tmp_path, f"p{i}.jpg", color=(9, 90 * i, 9)) for i in range(2)]
    ack_all(phone, sync(phone, TYPES))
    stack = api.post("/api/stacks", {"assetIds": ids}, format="json").json()
    lines = sync(phone, TYPES)
    assert sorted(asset["id"] for asset in of_type(lines, "AssetV2")) == sorted(ids)
    assert {asset["stackId"] for asset in of_type(lines, "AssetV2")} == {stack["id"]}


def test_a_deleted_stack_leaves_the_phone_and_its_assets_stand_alone(api, user, tmp_path):
    phone = phone_for(user)
    stack = _stack(api, tmp_path, "gone")
    ack_all(phone, sync(phone, TYPES))
    assert api.delete(f"/api/stacks/{stack['id']}").status_code == 204
    lines = sync(phone, TYPES)
    assert of_type(lines, "StackDeleteV1") == [{"stackId": stack["id"]}]
    assert of_type(lines, "StackV1") == []
    assert {asset["stackId"] for asset in of_type(lines, "AssetV2")} == {None}


def test_another_users_stacks_stay_away(api, other_user, tmp_path):
    _stack(api, tmp_path, "mine")
    lines = sync(phone_for(other_user), TYPES)
    assert of_type(lines, "StackV1") == [] and of_type(lines, "PartnerStackV1") == []


def test_a_partners_stacks_and_their_removal_reach_the_phone(api, user, other_user, tmp_path):
    bob_phone = phone_for(other_user)
    _share(api, other_user)
    stack = _stack(api, tmp_path, "shared")
    lines = sync(bob_phone, TYPES)
    [synced] = of_type(lines, "PartnerStackV1")
    assert synced["id"] == stack["id"] and synced["ownerId"] == str(user.id)
    assert of_type(lines, "StackV1") == []
    ack_all(bob_phone, lines)
    api.delete(f"/api/stacks/{stack['id']}")
    assert of_type(sync(bob_phone, TYPES), "PartnerStackDeleteV1") == [{"stackId": stack["id"]}]


def test_a_partnership_made_after_a_sync_backfills_the_partners_existing_stacks(api, other_user, tmp_path):
    bob_phone = phone_for(other_user)
    carol = client_for(_user("carol@example.com"))
    old = _stack(carol, tmp_path, "carol")
    _share(api, other_user)
    _stack(api, tmp_path, "alice")
    ack_all(bob_phone, sync(bob_phone, TYPES))
    _share(carol, other_user)
    lines = sync(bob_phone, TYPES)
    assert [data["id"] for data in of_type(lines, "PartnerStackBackfillV1")] == [old["id"]]
    assert of_type(lines, "PartnerStackV1") == []

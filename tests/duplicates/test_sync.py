"""A change of duplicate grouping reaches the phones: the assets that join, leave or change group come again in the
next incremental sync (as Immich's asset rows, which hold `duplicateId`, would). SyncAssetV2 of Immich 3.1 has no
`duplicateId`: the lines keep its shape."""

from __future__ import annotations

import pytest

from tests.duplicates.conftest import SMALL, groups, upload_picture
from tests.duplicates.scenes import recompressed, scene
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


def _synced_ids(phone) -> set[str]:
    lines = sync(phone, types=["AssetsV2"])
    ack_all(phone, lines)
    return {asset["id"] for asset in of_type(lines, "AssetV2")}


def test_an_asset_that_gains_a_copy_is_sent_again_with_it(api, user, tmp_path):
    image = scene(seed=21, size=SMALL)
    first = upload_picture(api, image, tmp_path / "first.jpg")
    phone = phone_for(user)
    assert _synced_ids(phone) == {first}
    copy = upload_picture(api, recompressed(image), tmp_path / "copy.jpg")
    assert _synced_ids(phone) == {first, copy}


def test_an_asset_without_a_copy_is_not_sent_again(api, user, tmp_path):
    upload_picture(api, scene(seed=21, size=SMALL), tmp_path / "first.jpg")
    phone = phone_for(user)
    _synced_ids(phone)
    other = upload_picture(api, scene(seed=22, size=SMALL), tmp_path / "other.jpg")
    assert _synced_ids(phone) == {other}


def test_dismissing_a_group_sends_its_assets_again(api, user, trio):
    phone = phone_for(user)
    _synced_ids(phone)
    assert api.delete(f"/api/duplicates/{groups(api)[0]['duplicateId']}").status_code == 204
    assert _synced_ids(phone) == set(trio)


def test_taking_one_asset_out_sends_it_and_the_others_left_alone(api, user, trio, tmp_path):
    phone = phone_for(user)
    _synced_ids(phone)
    assert api.put("/api/assets", {"ids": [trio[0]], "duplicateId": None}, format="json").status_code == 204
    assert _synced_ids(phone) == {trio[0]}  # the two others stay a group: unchanged


def test_resolving_sends_the_kept_and_the_trashed_assets_again(api, user, trio):
    phone = phone_for(user)
    _synced_ids(phone)
    group_id = groups(api)[0]["duplicateId"]
    body = {"groups": [{"duplicateId": group_id, "keepAssetIds": [trio[0]], "trashAssetIds": trio[1:]}]}
    assert api.post("/api/duplicates/resolve", body, format="json").json()[0]["success"] is True
    assert _synced_ids(phone) == set(trio)


def test_the_synced_asset_has_immichs_shape_without_the_group(api, user, trio):
    [asset, *_] = of_type(sync(phone_for(user), types=["AssetsV2"]), "AssetV2")
    assert "duplicateId" not in asset

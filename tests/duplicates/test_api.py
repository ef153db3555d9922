"""`/api/duplicates` as Immich 3.1 answers it: the groups with their assets and a suggestion, dismissed one or
several at a time, resolved by keeping some assets and trashing the others; `duplicateId` on asset answers."""

from __future__ import annotations

import uuid

import pytest

from assets.models import Asset, AssetStatus
from tests.duplicates.conftest import group_of, groups, members, set_duplicates

pytestmark = pytest.mark.django_db


def test_a_group_lists_its_assets_and_suggests_the_largest(api, trio):
    [group] = groups(api)
    assert {asset["id"] for asset in group["assets"]} == set(trio)
    assert all(asset["duplicateId"] == group["duplicateId"] for asset in group["assets"])
    assert group["suggestedKeepAssetIds"] == [trio[0]]  # the most pixels


def test_an_asset_answer_carries_its_group(api, trio):
    assert group_of(api, trio[1]) == groups(api)[0]["duplicateId"]


def test_dismissing_a_group_leaves_its_assets_alone(api, trio):
    group_id = groups(api)[0]["duplicateId"]
    assert api.delete(f"/api/duplicates/{group_id}").status_code == 204
    assert groups(api) == []
    assert group_of(api, trio[0]) is None
    assert Asset.objects.filter(pk__in=trio, status=AssetStatus.ACTIVE).count() == 3


def test_dismissing_several_groups(api, trio):
    group_id = groups(api)[0]["duplicateId"]
    assert api.delete("/api/duplicates", {"ids": [group_id]}, format="json").status_code == 204
    assert groups(api) == []


def test_dismissing_an_unknown_group_is_not_found(api, trio):
    assert api.delete(f"/api/duplicates/{uuid.uuid4()}").status_code in (400, 404)
    assert len(groups(api)) == 1


def test_resolving_keeps_some_and_trashes_the_others(api, trio):
    group_id = groups(api)[0]["duplicateId"]
    body = {"groups": [{"duplicateId": group_id, "keepAssetIds": [trio[0]], "trashAssetIds": trio[1:]}]}
    response = api.post("/api/duplicates/resolve", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == [{"id": group_id, "success": True}]
    assert set(Asset.objects.filter(status=AssetStatus.TRASHED).values_list("id", flat=True)) == {
        uuid.UUID(asset_id) for asset_id in trio[1:]
    }
    assert groups(api) == []
    assert group_of(api, trio[0]) is None


def test_resolving_deletes_when_the_trash_is_off(api, trio):
    from jobs.system_config import config_get, config_update

    config = config_get()
    config["trash"]["enabled"] = False
    config_update(new_config=config)
    group_id = groups(api)[0]["duplicateId"]
    body = {"groups": [{"duplicateId": group_id, "keepAssetIds": [trio[0]], "trashAssetIds": trio[1:]}]}
    assert api.post("/api/duplicates/resolve", body, format="json").json()[0]["success"] is True
    assert Asset.objects.filter(status=AssetStatus.DELETED).count() == 2


def test_resolving_another_users_group_is_refused(api, other_api, trio):
    group_id = groups(api)[0]["duplicateId"]
    body = {"groups": [{"duplicateId": group_id, "keepAssetIds": [], "trashAssetIds": trio}]}
    response = other_api.post("/api/duplicates/resolve", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no duplicate.delete access"
    assert not Asset.objects.filter(status=AssetStatus.TRASHED).exists()


def test_an_update_with_a_null_duplicate_id_takes_assets_out(api, trio):
    response = api.put("/api/assets", {"ids": [trio[2]], "duplicateId": None}, format="json")
    assert response.status_code == 204, response.content
    assert members(api) == [set(trio[:2])]
    assert group_of(api, trio[2]) is None


def test_a_trashed_asset_leaves_the_listing(api, trio):
    assert api.delete("/api/assets", {"ids": trio[1:]}, format="json").status_code == 204
    assert groups(api) == []  # one shown asset left: no group to review


def test_the_features_say_when_detection_is_on(anonymous):
    assert anonymous.get("/api/server/features").json()["duplicateDetection"] is True
    set_duplicates(enabled=False)
    assert anonymous.get("/api/server/features").json()["duplicateDetection"] is False


def test_the_distance_is_bounded(admin_api):
    from jobs.system_config import config_get

    config = config_get()
    config["machineLearning"]["duplicateDetection"]["maxHammingDistance"] = 40
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert "maxHammingDistance" in response.content.decode()

"""Every change of what a verdict does reaches the phones in their next incremental sync: the administrator's
override, a new threshold or action in the system config, and a user's preference for the partners' and albums'
assets their phone holds. Only the assets whose verdict changed come again."""

from __future__ import annotations

import pytest

from jobs.system_config import config_get, config_update
from tests.conftest import client_for
from tests.nsfw.helpers import nsfw_configure, prefer
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


def _synced(phone, types: list[str], entity_type: str) -> dict[str, str]:
    lines = sync(phone, types=types)
    ack_all(phone, lines)
    return {asset["id"]: asset["visibility"] for asset in of_type(lines, entity_type)}


def _own(phone) -> dict[str, str]:
    return _synced(phone, ["AssetsV2"], "AssetV2")


def test_the_admins_override_reaches_the_phone(admin_api, user, photos):
    nsfw_configure(enabled=True, action="hide")
    phone = phone_for(user)
    _own(phone)
    response = admin_api.put(
        "/api/admin/nsfw/assets", {"assetIds": [photos["safe"]], "verdict": "flagged"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert _own(phone) == {photos["safe"]: "archive"}


def test_a_new_threshold_resends_only_the_assets_it_judges_differently(api, user, photos):
    nsfw_configure(enabled=True, action="hide", threshold=0.5)
    phone = phone_for(user)
    assert _own(phone) == {photos["flagged"]: "archive", photos["safe"]: "timeline"}
    nsfw_configure(threshold=0.95)  # 0.9 is no longer flagged, 0.1 still is not
    assert _own(phone) == {photos["flagged"]: "timeline"}


def test_a_new_system_action_resends_the_flagged_assets(api, user, photos):
    nsfw_configure(enabled=True, action="show")
    phone = phone_for(user)
    _own(phone)
    nsfw_configure(action="hide")
    assert _own(phone) == {photos["flagged"]: "archive"}


def test_switching_detection_on_resends_the_flagged_assets(api, user, photos):
    phone = phone_for(user)
    _own(phone)
    nsfw_configure(enabled=True, action="hide")
    assert _own(phone) == {photos["flagged"]: "archive"}


def test_an_unrelated_config_change_resends_nothing(api, user, photos):
    nsfw_configure(enabled=True, action="hide")
    phone = phone_for(user)
    _own(phone)
    config = config_get()
    config["trash"]["days"] = 7
    config_update(new_config=config)
    assert _own(phone) == {}


def test_a_preference_change_resends_a_partners_flagged_assets(api, user, other_user, photos):
    nsfw_configure(enabled=True, action="show")
    assert api.post("/api/partners", {"sharedWithId": str(other_user.id)}, format="json").status_code == 201
    partner, viewer = client_for(other_user), phone_for(other_user)
    types = ["PartnersV1", "PartnerAssetsV2"]
    assert _synced(viewer, types, "PartnerAssetV2") == {photos["flagged"]: "timeline", photos["safe"]: "timeline"}
    prefer(partner, "hide")
    assert _synced(viewer, types, "PartnerAssetV2") == {photos["flagged"]: "archive"}


def test_a_preference_change_resends_a_shared_albums_flagged_assets(api, user, other_user, photos):
    nsfw_configure(enabled=True, action="show")
    body = {"albumName": "shared", "assetIds": list(photos.values()), "albumUsers": [{"userId": str(other_user.id)}]}
    assert api.post("/api/albums", body, format="json").status_code == 201
    member, viewer = client_for(other_user), phone_for(other_user)
    types = ["AlbumsV2", "AlbumAssetsV2"]
    assert set(_synced(viewer, types, "AlbumAssetCreateV2")) == set(photos.values())
    prefer(member, "hide")
    assert _synced(viewer, types, "AlbumAssetUpdateV2") == {photos["flagged"]: "archive"}

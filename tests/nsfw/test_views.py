"""What a verdict does, set through the configuration with chosen scores: the verdict in asset responses against
the threshold, blurred thumbnails, flagged assets kept out of a hiding user's views, the search filter, and the
administrator's override."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from nsfw.services import verdict_record
from tests.nsfw.helpers import nsfw_configure, prefer
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db


def _timeline(client) -> set[str]:
    bucket = client.get("/api/timeline/buckets").json()[0]["timeBucket"]
    return set(client.get(f"/api/timeline/bucket?timeBucket={bucket}").json()["id"])


def _searched(client, **filters) -> set[str]:
    response = client.post("/api/search/metadata", filters, format="json")
    assert response.status_code == 200, response.content
    return {asset["id"] for asset in response.json()["assets"]["items"]}


def _pixels(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Image.open(io.BytesIO(body)).convert("RGB").tobytes()


def test_the_verdict_follows_the_threshold(api, photos):
    nsfw_configure(enabled=True, threshold=0.95)
    body = api.get(f"/api/assets/{photos['flagged']}").json()
    assert (body["isNsfw"], body["nsfwScore"]) == (False, 0.9)
    nsfw_configure(threshold=0.5)
    assert api.get(f"/api/assets/{photos['flagged']}").json()["isNsfw"] is True


def test_no_verdict_while_detection_is_off(api, photos):
    body = api.get(f"/api/assets/{photos['flagged']}").json()
    assert (body["isNsfw"], body["nsfwScore"]) == (None, 0.9)


def test_a_flagged_thumbnail_is_served_blurred_to_a_blurring_viewer(api, photos):
    plain = _pixels(api.get(f"/api/assets/{photos['flagged']}/thumbnail"))
    nsfw_configure(enabled=True, action="blur")
    veiled = api.get(f"/api/assets/{photos['flagged']}/thumbnail")
    assert veiled.status_code == 200 and veiled["ETag"].endswith('-veiled"')
    assert _pixels(veiled) != plain
    assert _pixels(api.get(f"/api/assets/{photos['safe']}/thumbnail")) == _pixels(
        api.get(f"/api/assets/{photos['safe']}/thumbnail")
    )


def test_a_blurring_viewer_gets_the_preview_for_fullsize_and_the_original_only_when_asked(api, photos):
    nsfw_configure(enabled=True, action="blur")
    fullsize = api.get(f"/api/assets/{photos['flagged']}/thumbnail?size=fullsize")
    assert fullsize.status_code == 200 and fullsize["ETag"].endswith('-veiled"')
    assert api.get(f"/api/assets/{photos['flagged']}/original").status_code == 200


def test_a_viewer_who_shows_them_gets_the_thumbnail_as_made(api, photos):
    nsfw_configure(enabled=True, action="blur")
    prefer(api, "show")
    assert not api.get(f"/api/assets/{photos['flagged']}/thumbnail")["ETag"].endswith('-veiled"')


def test_hidden_assets_leave_the_timeline_and_search(api, photos):
    nsfw_configure(enabled=True, action="show")
    assert _timeline(api) == set(photos.values())
    prefer(api, "hide")
    assert _timeline(api) == {photos["safe"]}
    assert _searched(api) == {photos["safe"]}
    assert api.get("/api/assets/statistics").json()["total"] == 1


def test_hidden_assets_leave_the_map(api, photos):
    nsfw_configure(enabled=True, action="hide")
    for asset_id in photos.values():
        api.put(f"/api/assets/{asset_id}", {"latitude": 48.85, "longitude": 2.35}, format="json")
    assert {marker["id"] for marker in api.get("/api/map/markers").json()} == {photos["safe"]}


def test_hiding_is_one_users_choice(api, other_api, photos):
    nsfw_configure(enabled=True, action="hide")
    prefer(other_api, "default")
    prefer(api, "show")
    assert _timeline(api) == set(photos.values())


def test_the_search_filter_finds_flagged_or_safe_assets(api, photos):
    nsfw_configure(enabled=True, action="show")
    assert _searched(api, isNsfw=True) == {photos["flagged"]}
    assert _searched(api, isNsfw=False) == {photos["safe"]}


def test_hidden_assets_leave_memories(api, photos):
    nsfw_configure(enabled=True, action="hide")
    body = {"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-12-06T00:00:00.000Z",
            "assetIds": list(photos.values())}  # fmt: skip
    memory_id = api.post("/api/memories", body, format="json").json()["id"]
    assert [asset["id"] for asset in api.get(f"/api/memories/{memory_id}").json()["assets"]] == [photos["safe"]]


def test_a_hiding_owners_links_do_not_show_flagged_assets(api, anonymous, photos):
    nsfw_configure(enabled=True, action="hide")
    link = api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": list(photos.values())}, format="json")
    anonymous.credentials(HTTP_X_IMMICH_SHARE_KEY=link.json()["key"])
    assert anonymous.get(f"/api/assets/{photos['flagged']}/thumbnail").status_code in (400, 404)
    assert anonymous.get(f"/api/assets/{photos['safe']}/thumbnail").status_code == 200


def test_the_admin_overrides_a_verdict(admin_api, api, photos):
    nsfw_configure(enabled=True)
    body = {"assetIds": [photos["flagged"]], "verdict": "safe"}
    response = admin_api.put("/api/admin/nsfw/assets", body, format="json")
    assert (response.status_code, response.json()) == (200, {"count": 1})
    assert api.get(f"/api/assets/{photos['flagged']}").json()["isNsfw"] is False
    admin_api.put("/api/admin/nsfw/assets", {"assetIds": [photos["safe"]], "verdict": "flagged"}, format="json")
    assert api.get(f"/api/assets/{photos['safe']}").json()["isNsfw"] is True
    admin_api.put("/api/admin/nsfw/assets", {"assetIds": [photos["flagged"]], "verdict": "model"}, format="json")
    assert api.get(f"/api/assets/{photos['flagged']}").json()["isNsfw"] is True


def test_only_an_admin_overrides(api, photos):
    response = api.put("/api/admin/nsfw/assets", {"assetIds": [photos["flagged"]], "verdict": "safe"}, format="json")
    assert response.status_code == 403


def test_the_config_refuses_a_threshold_out_of_range(admin_api):
    config = admin_api.get("/api/system-config").json()
    config["nsfw"]["threshold"] = 1.5
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400 and "nsfw.threshold: must be between 0 and 1" in response.content.decode()


def _synced_visibility(phone) -> dict[str, str]:
    lines = sync(phone, types=["AssetsV2"])
    ack_all(phone, lines)
    return {asset["id"]: asset["visibility"] for asset in of_type(lines, "AssetV2")}


def test_a_hiding_users_phone_gets_flagged_assets_as_archived(api, user, photos):
    nsfw_configure(enabled=True, action="hide")
    assert _synced_visibility(phone_for(user)) == {photos["flagged"]: "archive", photos["safe"]: "timeline"}


def test_a_change_of_preference_sends_the_flagged_assets_again(api, user, photos):
    nsfw_configure(enabled=True, action="show")
    phone = phone_for(user)
    assert _synced_visibility(phone) == {photos["flagged"]: "timeline", photos["safe"]: "timeline"}
    prefer(api, "hide")
    assert _synced_visibility(phone) == {photos["flagged"]: "archive"}


def test_a_new_verdict_sends_the_asset_again(api, user, photos):
    nsfw_configure(enabled=True, action="hide")
    phone = phone_for(user)
    _synced_visibility(phone)
    verdict_record(asset_id=photos["safe"], score=0.99, model="test")
    assert _synced_visibility(phone) == {photos["safe"]: "archive"}


def test_the_preference_defaults_to_the_systems_choice(api):
    assert api.get("/api/users/me/preferences").json()["nsfw"] == {"action": "default"}
    response = api.put("/api/users/me/preferences", {"nsfw": {"action": "peek"}}, format="json")
    assert response.status_code == 400

"""`/api/stacks` as Immich 3.1 answers it, and as immich-go uses it (clients.md §2, G14: `POST /api/stacks` with
the cover first), with the stack in asset, search and timeline answers."""

from __future__ import annotations

import uuid

import pytest

from stacks.models import Stack, StackAsset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(api, tmp_path) -> list[str]:
    return [upload_photo(api, tmp_path, f"{n}.jpg", color=(n * 40, 10, 10)) for n in range(3)]


def create(client, asset_ids) -> dict:
    response = client.post("/api/stacks", {"assetIds": asset_ids}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_puts_the_first_asset_on_top(api, photos):
    stack = create(api, [photos[1], photos[0]])
    assert stack["primaryAssetId"] == photos[1]
    assert [asset["id"] for asset in stack["assets"]] == [photos[1], photos[0]]
    assert stack["assets"][1]["stack"] == {"id": stack["id"], "primaryAssetId": photos[1], "assetCount": 2}


def test_an_asset_shows_its_stack(api, photos):
    stack = create(api, photos[:2])
    body = api.get(f"/api/assets/{photos[1]}").json()
    assert body["stack"] == {"id": stack["id"], "primaryAssetId": photos[0], "assetCount": 2}
    assert api.get(f"/api/assets/{photos[2]}").json()["stack"] is None


def test_a_new_stack_takes_in_the_stacks_of_its_assets(api, photos):
    first = create(api, photos[:2])
    merged = create(api, [photos[2], photos[1]])
    assert {asset["id"] for asset in merged["assets"]} == set(photos)
    assert not Stack.objects.filter(pk=first["id"]).exists()


@pytest.mark.parametrize("count", [0, 1])
def test_a_stack_needs_two_assets(api, photos, count):
    response = api.post("/api/stacks", {"assetIds": photos[:count]}, format="json")
    assert response.status_code == 400
    assert not Stack.objects.exists()


def test_a_stack_of_another_users_assets_is_refused(api, other_api, photos, tmp_path):
    theirs = upload_photo(other_api, tmp_path, "theirs.jpg", color=(1, 200, 1))
    assert api.post("/api/stacks", {"assetIds": [photos[0], theirs]}, format="json").status_code == 400
    assert not Stack.objects.exists()


def test_stacks_are_their_owners_only(api, other_api, photos):
    stack = create(api, photos[:2])
    assert other_api.get(f"/api/stacks/{stack['id']}").status_code == 400
    assert other_api.delete(f"/api/stacks/{stack['id']}").status_code == 400
    assert other_api.get("/api/stacks").json() == []
    assert api.get(f"/api/stacks/{uuid.uuid4()}").status_code == 400


def test_list_by_primary_asset(api, photos):
    stack = create(api, photos[:2])
    assert [found["id"] for found in api.get(f"/api/stacks?primaryAssetId={photos[0]}").json()] == [stack["id"]]
    assert api.get(f"/api/stacks?primaryAssetId={photos[1]}").json() == []


def test_update_changes_the_primary_within_the_stack(api, photos):
    stack = create(api, photos[:2])
    body = api.put(f"/api/stacks/{stack['id']}", {"primaryAssetId": photos[1]}, format="json").json()
    assert body["primaryAssetId"] == photos[1] and body["assets"][0]["id"] == photos[1]
    outside = api.put(f"/api/stacks/{stack['id']}", {"primaryAssetId": photos[2]}, format="json")
    assert (outside.status_code, outside.json()["message"]) == (400, "Primary asset must be in the stack")


def test_delete_keeps_the_assets(api, photos):
    stack = create(api, photos[:2])
    assert api.delete(f"/api/stacks/{stack['id']}").status_code == 204
    assert not Stack.objects.exists() and api.get(f"/api/assets/{photos[1]}").json()["stack"] is None


def test_bulk_delete(api, photos):
    stack = create(api, photos[:2])
    assert api.delete("/api/stacks", {"ids": [stack["id"]]}, format="json").status_code == 204
    assert not Stack.objects.exists()


def test_remove_an_asset_but_not_the_primary(api, photos):
    stack = create(api, photos)
    primary = api.delete(f"/api/stacks/{stack['id']}/assets/{photos[0]}")
    assert (primary.status_code, primary.json()["message"]) == (400, "Cannot remove stack's primary asset")
    assert api.delete(f"/api/stacks/{stack['id']}/assets/{photos[2]}").status_code == 204
    assert StackAsset.objects.count() == 2
    outside = api.delete(f"/api/stacks/{stack['id']}/assets/{photos[2]}")
    assert (outside.status_code, outside.json()["message"]) == (400, "Asset not in stack")


def test_a_stack_left_with_one_asset_is_dissolved(api, photos):
    stack = create(api, photos[:2])
    api.delete(f"/api/stacks/{stack['id']}/assets/{photos[1]}")
    assert not Stack.objects.exists()


def test_timeline_with_stacked_shows_a_stack_as_its_primary(api, photos):
    stack = create(api, photos[:2])
    bucket = "/api/timeline/bucket?timeBucket=2021-06-01&visibility=timeline"
    assert set(api.get(bucket).json()["id"]) == set(photos)
    stacked = api.get(f"{bucket}&withStacked=true").json()
    assert set(stacked["id"]) == {photos[0], photos[2]}
    pairs = dict(zip(stacked["id"], stacked["stack"], strict=True))
    assert pairs == {photos[0]: [stack["id"], "2"], photos[2]: None}
    buckets = api.get("/api/timeline/buckets?visibility=timeline&withStacked=true").json()
    assert [entry["count"] for entry in buckets] == [2]


def test_search_with_stacked_false_leaves_stacked_assets_out(api, photos):
    stack = create(api, photos[:2])

    def items(**filters):
        return api.post("/api/search/metadata", filters, format="json").json()["assets"]["items"]

    assert [item["id"] for item in items(withStacked=False)] == [photos[2]]
    with_stacks = {item["id"]: item["stack"] for item in items(withStacked=True)}
    assert with_stacks[photos[1]] == {"id": stack["id"], "primaryAssetId": photos[0], "assetCount": 2}
    assert with_stacks[photos[2]] is None

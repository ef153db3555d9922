"""`/api/tags` as Immich 3.1 answers it, and as immich-go uses it (clients.md §2, G13): `PUT /api/tags` with paths,
then `PUT /api/tags/{id}/assets`."""

from __future__ import annotations

import re
import uuid

import pytest

from tags.models import Tag, TagAsset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db

IMMICH_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def upsert(client, *values) -> list[dict]:
    response = client.put("/api/tags", {"tags": list(values)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_upsert_creates_a_path_with_its_parents(api):
    [leaf] = upsert(api, "Travel/Italy/Rome")
    assert (leaf["name"], leaf["value"]) == ("Rome", "Travel/Italy/Rome")
    assert IMMICH_DATE.match(leaf["createdAt"]) and IMMICH_DATE.match(leaf["updatedAt"])
    values = {tag["value"]: tag for tag in api.get("/api/tags").json()}
    assert list(values) == ["Travel", "Travel/Italy", "Travel/Italy/Rome"]
    assert leaf["parentId"] == values["Travel/Italy"]["id"] and "parentId" not in values["Travel"]


def test_upsert_returns_existing_tags_without_duplicating_them(api):
    [first] = upsert(api, "immich-go/session")
    again = upsert(api, "immich-go/session", "immich-go/session")
    assert [tag["id"] for tag in again] == [first["id"]]
    assert Tag.objects.count() == 2


@pytest.mark.parametrize("value", ["a//b", "/a", "a/", " ", "x" * 256])
def test_upsert_refuses_empty_or_overlong_parts_and_creates_nothing(api, value):
    response = api.put("/api/tags", {"tags": ["fine", value]}, format="json")
    assert response.status_code == 400 and "tag value" in response.json()["message"]
    assert not Tag.objects.exists()


def test_create_under_a_parent_and_refuse_a_duplicate(api):
    parent = api.post("/api/tags", {"name": "Family"}, format="json").json()
    child = api.post("/api/tags", {"name": "Kids", "parentId": parent["id"], "color": "ff0000"}, format="json")
    assert child.status_code == 201
    assert (child.json()["value"], child.json()["color"]) == ("Family/Kids", "#ff0000")
    duplicate = api.post("/api/tags", {"name": "Kids", "parentId": parent["id"]}, format="json")
    assert (duplicate.status_code, duplicate.json()["message"]) == (400, "A tag with that name already exists")


def test_update_sets_the_color(api):
    [tag] = upsert(api, "Blue")
    body = api.put(f"/api/tags/{tag['id']}", {"color": "#00f"}, format="json").json()
    assert body["color"] == "#00f"
    assert api.put(f"/api/tags/{tag['id']}", {"color": "blue"}, format="json").status_code == 400


def test_delete_removes_the_children_too(api):
    upsert(api, "a/b/c")
    top = Tag.objects.get(value="a")
    assert api.delete(f"/api/tags/{top.id}").status_code == 204
    assert not Tag.objects.exists()


def test_tags_are_their_owners_only(api, other_api):
    [tag] = upsert(api, "mine")
    assert other_api.get(f"/api/tags/{tag['id']}").status_code == 400
    assert other_api.delete(f"/api/tags/{tag['id']}").status_code == 400
    assert other_api.get("/api/tags").json() == []
    assert api.get(f"/api/tags/{uuid.uuid4()}").status_code == 400


def test_tag_and_untag_assets_reporting_each_id(api, other_api, tmp_path):
    [tag] = upsert(api, "immich-go/2024")
    mine = upload_photo(api, tmp_path, "a.jpg")
    theirs = upload_photo(other_api, tmp_path, "b.jpg", color=(1, 1, 1))
    results = api.put(f"/api/tags/{tag['id']}/assets", {"ids": [mine, theirs]}, format="json").json()
    assert results == [{"id": mine, "success": True}, {"id": theirs, "success": False, "error": "no_permission"}]
    again = api.put(f"/api/tags/{tag['id']}/assets", {"ids": [mine]}, format="json").json()
    assert again == [{"id": mine, "success": False, "error": "duplicate"}]
    removed = api.delete(f"/api/tags/{tag['id']}/assets", {"ids": [mine, theirs]}, format="json").json()
    assert removed == [{"id": mine, "success": True}, {"id": theirs, "success": False, "error": "not_found"}]
    assert not TagAsset.objects.exists()


def test_bulk_tagging_counts_new_links_of_own_tags_and_assets(api, other_api, tmp_path):
    tags = upsert(api, "x", "y")
    assets = [upload_photo(api, tmp_path, f"{n}.jpg", color=(n, n, n)) for n in range(2)]
    theirs = upload_photo(other_api, tmp_path, "t.jpg", color=(9, 9, 9))
    body = {"tagIds": [tag["id"] for tag in tags], "assetIds": [*assets, theirs]}
    assert api.put("/api/tags/assets", body, format="json").json() == {"count": 4}
    assert api.put("/api/tags/assets", body, format="json").json() == {"count": 0}


def test_an_assets_tags_show_in_its_details(api, tmp_path):
    [tag] = upsert(api, "Travel/Rome")
    asset_id = upload_photo(api, tmp_path)
    api.put(f"/api/tags/{tag['id']}/assets", {"ids": [asset_id]}, format="json")
    [shown] = api.get(f"/api/assets/{asset_id}").json()["tags"]
    assert (shown["id"], shown["name"], shown["value"]) == (tag["id"], "Rome", "Travel/Rome")


def test_search_by_tag_finds_assets_tagged_below_it(api, tmp_path):
    parent, child = upsert(api, "Travel", "Travel/Rome")
    tagged = upload_photo(api, tmp_path, "rome.jpg", color=(1, 2, 3))
    untagged = upload_photo(api, tmp_path, "home.jpg", color=(3, 2, 1))
    api.put(f"/api/tags/{child['id']}/assets", {"ids": [tagged]}, format="json")

    def ids(**filters):
        return [
            item["id"] for item in api.post("/api/search/metadata", filters, format="json").json()["assets"]["items"]
        ]

    assert ids(tagIds=[parent["id"]]) == [tagged]
    assert ids(tagIds=[child["id"]]) == [tagged]
    assert ids(tagIds=None) == [untagged]
    assert ids(tagIds=[str(uuid.uuid4())]) == []


def test_search_items_carry_tags_with_exif_only(api, tmp_path):
    [tag] = upsert(api, "t")
    asset_id = upload_photo(api, tmp_path)
    api.put(f"/api/tags/{tag['id']}/assets", {"ids": [asset_id]}, format="json")
    [item] = api.post("/api/search/metadata", {"withExif": True}, format="json").json()["assets"]["items"]
    assert [shown["value"] for shown in item["tags"]] == ["t"]
    [item] = api.post("/api/search/metadata", {}, format="json").json()["assets"]["items"]
    assert "tags" not in item and "exifInfo" not in item


def test_the_timeline_of_a_tag_holds_the_assets_tagged_with_it_or_below(api, other_api, tmp_path):
    parent, child = upsert(api, "Travel", "Travel/Rome")
    rome = upload_photo(api, tmp_path, "rome.jpg", color=(1, 2, 3))
    upload_photo(api, tmp_path, "home.jpg", color=(3, 2, 1))
    api.put(f"/api/tags/{child['id']}/assets", {"ids": [rome]}, format="json")
    bucket = "/api/timeline/bucket?timeBucket=2021-06-01&tagId="
    assert api.get(bucket + parent["id"]).json()["id"] == [rome]
    assert [entry["count"] for entry in api.get(f"/api/timeline/buckets?tagId={parent['id']}").json()] == [1]
    assert other_api.get(bucket + parent["id"]).json()["id"] == []

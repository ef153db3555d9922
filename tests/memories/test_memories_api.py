"""`/api/memories` as Immich 3.1 answers it: the owner's memories, filtered and ordered, with their assets."""

from __future__ import annotations

import pytest

from assets.models import Asset
from memories.models import Memory
from tests.assets.helpers import upload_photo

DAY = "2026-12-06T10:00:00.000Z"


def _create(client, **fields):
    body = {"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-12-06T00:00:00.000Z", **fields}
    return client.post("/api/memories", body, format="json")


@pytest.fixture
def photo(api, tmp_path) -> str:
    return upload_photo(api, tmp_path)


def test_create_answers_the_memory_with_its_assets(api, user, photo):
    response = _create(api, assetIds=[photo], isSaved=True, showAt="2026-12-06T00:00:00.000Z")
    assert response.status_code == 201
    body = response.json()
    assert body["ownerId"] == str(user.id) and body["type"] == "on_this_day" and body["data"] == {"year": 2020}
    assert body["isSaved"] is True and body["memoryAt"] == "2020-12-06T00:00:00.000Z"
    assert body["showAt"] == "2026-12-06T00:00:00.000Z" and "hideAt" not in body and "seenAt" not in body
    assert [asset["id"] for asset in body["assets"]] == [photo]


def test_create_leaves_out_assets_of_others(api, other_api, tmp_path):
    theirs = upload_photo(other_api, tmp_path / "bob")
    assert _create(api, assetIds=[theirs]).json()["assets"] == []


def test_an_invalid_memory_is_refused(api):
    assert _create(api, type="someday").status_code == 400
    assert _create(api, data={}).status_code == 400


def test_search_filters_by_day_saved_and_trashed(api):
    shown = _create(api, showAt="2026-12-06T00:00:00.000Z", hideAt="2026-12-06T23:59:59.999Z").json()["id"]
    _create(api, showAt="2026-12-07T00:00:00.000Z", hideAt="2026-12-07T23:59:59.999Z", isSaved=True)

    assert [memory["id"] for memory in api.get("/api/memories", {"for": DAY}).json()] == [shown]
    assert len(api.get("/api/memories", {"isSaved": "true"}).json()) == 1
    assert len(api.get("/api/memories").json()) == 2
    assert api.get("/api/memories", {"isTrashed": "true"}).json() == []
    assert api.get("/api/memories/statistics", {"for": DAY}).json() == {"total": 1}


def test_search_orders_by_memory_date_and_takes_size(api):
    for year in (2019, 2021, 2020):
        _create(api, data={"year": year}, memoryAt=f"{year}-12-06T00:00:00.000Z")
    newest_first = [memory["data"]["year"] for memory in api.get("/api/memories").json()]
    assert newest_first == [2021, 2020, 2019]
    oldest = api.get("/api/memories", {"order": "asc", "size": 2}).json()
    assert [memory["data"]["year"] for memory in oldest] == [2019, 2020]
    assert len(api.get("/api/memories", {"order": "random"}).json()) == 3


def test_update_changes_saved_seen_and_date(api):
    memory_id = _create(api).json()["id"]
    response = api.put(
        f"/api/memories/{memory_id}",
        {"isSaved": True, "seenAt": DAY, "memoryAt": "2019-01-01T00:00:00.000Z"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["isSaved"], body["seenAt"], body["memoryAt"]) == (True, DAY, "2019-01-01T00:00:00.000Z")


def test_delete_removes_the_memory_not_its_assets(api, photo):
    memory_id = _create(api, assetIds=[photo]).json()["id"]
    assert api.delete(f"/api/memories/{memory_id}").status_code == 204
    assert api.get(f"/api/memories/{memory_id}").status_code == 400
    assert Asset.objects.filter(pk=photo).exists()


def test_adding_and_removing_assets_reports_each_id(api, other_api, photo, tmp_path):
    theirs = upload_photo(other_api, tmp_path / "bob")
    second = upload_photo(api, tmp_path, "second.jpg", color=(1, 2, 3))
    memory_id = _create(api, assetIds=[photo]).json()["id"]

    added = api.put(f"/api/memories/{memory_id}/assets", {"ids": [photo, second, theirs]}, format="json")

    assert added.status_code == 200
    assert added.json() == [
        {"id": photo, "success": False, "error": "duplicate"},
        {"id": second, "success": True},
        {"id": theirs, "success": False, "error": "no_permission"},
    ]
    removed = api.delete(f"/api/memories/{memory_id}/assets", {"ids": [photo, theirs]}, format="json")
    assert removed.json() == [{"id": photo, "success": True}, {"id": theirs, "success": False, "error": "not_found"}]
    assert [asset["id"] for asset in api.get(f"/api/memories/{memory_id}").json()["assets"]] == [second]


def test_a_trashed_asset_is_not_shown_in_its_memory(api, photo):
    memory_id = _create(api, assetIds=[photo]).json()["id"]
    api.delete("/api/assets", {"ids": [photo]}, format="json")
    assert api.get(f"/api/memories/{memory_id}").json()["assets"] == []


def test_another_users_memory_is_not_found(api, other_api):
    memory_id = _create(api).json()["id"]
    assert other_api.get(f"/api/memories/{memory_id}").status_code == 400
    assert other_api.delete(f"/api/memories/{memory_id}").status_code == 400
    assert other_api.get("/api/memories").json() == []
    assert Memory.objects.filter(pk=memory_id).exists()

"""`duplicateId` in every list of asset answers (search, albums, shared links, memories, stacks, explore), read in
the list's own query: the group of a grouped asset, null for one alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.duplicates.conftest import SMALL, groups, upload_picture
from tests.duplicates.scenes import scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def loner(api, tmp_path) -> str:
    """A photo with no copy: no group."""
    return upload_picture(api, scene(seed=12, size=SMALL), tmp_path / "alone.jpg")


def _groups_by_asset(assets: list[dict]) -> dict[str, str | None]:
    return {asset["id"]: asset["duplicateId"] for asset in assets}


def _expected(api, trio: list[str], loner: str) -> dict[str, str | None]:
    [group] = groups(api)
    return {**dict.fromkeys(trio, group["duplicateId"]), loner: None}


def test_search_answers_carry_the_groups(api, trio, loner):
    response = api.post("/api/search/metadata", {}, format="json")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()["assets"]["items"]) == _expected(api, trio, loner)


def test_random_search_answers_carry_the_groups(api, trio, loner):
    response = api.post("/api/search/random", {"size": 10}, format="json")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()) == _expected(api, trio, loner)


def test_an_album_with_its_assets_carries_the_groups(api, trio, loner):
    album = api.post("/api/albums", {"albumName": "trip", "assetIds": [*trio, loner]}, format="json").json()
    response = api.get(f"/api/albums/{album['id']}")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()["assets"]) == _expected(api, trio, loner)


def test_a_shared_link_carries_the_groups(api, trio, loner):
    link = api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": [*trio, loner]}, format="json").json()
    response = api.get(f"/api/shared-links/{link['id']}")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()["assets"]) == _expected(api, trio, loner)


def test_a_memory_carries_the_groups(api, trio, loner):
    body = {"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-12-06T00:00:00.000Z",
            "assetIds": [*trio, loner]}  # fmt: skip
    memory_id = api.post("/api/memories", body, format="json").json()["id"]
    response = api.get(f"/api/memories/{memory_id}")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()["assets"]) == _expected(api, trio, loner)


def test_a_stack_carries_the_groups(api, trio, loner):
    stack = api.post("/api/stacks", {"assetIds": [trio[0], loner]}, format="json").json()
    response = api.get(f"/api/stacks/{stack['id']}")
    assert response.status_code == 200, response.content
    assert _groups_by_asset(response.json()["assets"]) == {trio[0]: groups(api)[0]["duplicateId"], loner: None}


def test_an_album_reads_the_groups_without_a_query_per_asset(api, trio, loner):
    album = api.post("/api/albums", {"albumName": "trip", "assetIds": [loner]}, format="json").json()
    with CaptureQueriesContext(connection) as one:
        api.get(f"/api/albums/{album['id']}")
    api.put(f"/api/albums/{album['id']}/assets", {"ids": trio}, format="json")
    with CaptureQueriesContext(connection) as four:
        response = api.get(f"/api/albums/{album['id']}")
    assert len(response.json()["assets"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)

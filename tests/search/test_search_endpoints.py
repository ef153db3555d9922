"""The other search endpoints of Immich 3.1: random, cities, explore, places, person, and smart search's clear 400
while no machine-learning model runs."""

from __future__ import annotations

import pytest

from assets.models import AssetExif
from people.models import AssetFace, Person
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def place(asset_id: str, city: str, state: str = "", latitude: float | None = None) -> None:
    AssetExif.objects.update_or_create(
        asset_id=asset_id, defaults={"city": city, "state": state or None, "latitude": latitude, "longitude": latitude}
    )


@pytest.fixture
def photos(api, tmp_path) -> list[str]:
    return [upload_photo(api, tmp_path, f"{n}.jpg", color=(n * 40, 80, 10)) for n in range(6)]


def test_smart_search_answers_that_it_is_not_enabled(api):
    response = api.post("/api/search/smart", {"query": "a dog on a beach"}, format="json")
    assert (response.status_code, response.json()["message"]) == (400, "Smart search is not enabled")


def test_random_returns_at_most_size_of_the_matching_assets(api, photos):
    response = api.post("/api/search/random", {"size": 2, "withExif": True}, format="json")
    items = response.json()
    assert response.status_code == 200 and len(items) == 2
    assert {item["id"] for item in items} <= set(photos) and "exifInfo" in items[0]
    assert "exifInfo" not in api.post("/api/search/random", {"size": 1}, format="json").json()[0]


def test_random_refuses_an_unknown_filter(api):
    assert api.post("/api/search/random", {"size": 1, "colour": "red"}, format="json").status_code == 400


def test_cities_one_photo_per_city_in_order(api, photos):
    place(photos[0], "Rome")
    place(photos[1], "Paris")
    place(photos[2], "Rome")
    body = api.get("/api/search/cities").json()
    assert [item["exifInfo"]["city"] for item in body] == ["Paris", "Rome"]


def test_explore_shows_cities_with_five_photos(api, photos):
    for asset_id in photos[:5]:
        place(asset_id, "Lyon")
    place(photos[5], "Nice")
    [field] = api.get("/api/search/explore").json()
    assert field["fieldName"] == "exifInfo.city"
    assert [(item["value"], item["data"]["id"] in photos[:5]) for item in field["items"]] == [("Lyon", True)]


def test_places_come_from_the_gazetteer_exact_names_first(api):
    body = api.get("/api/search/places?name=marseille").json()
    assert body[0] == {
        "name": "Marseille", "latitude": 43.29695, "longitude": 5.38107,
        "admin1name": "Provence-Alpes-Côte d'Azur", "admin2name": "Bouches-du-Rhône",
    }  # fmt: skip
    assert all("marseille" in place["name"].lower() for place in body) and len(body) <= 20


def test_places_are_found_without_accents(api):
    assert api.get("/api/search/places?name=zurich").json()[0]["name"] == "Zürich"


def test_places_need_a_name(api):
    assert api.get("/api/search/places").status_code == 400


def test_person_by_the_start_of_any_name(api, user, photos):
    for name in ("Ann Lee", "Mary Ann", "Joanne"):
        person = Person.objects.create(owner=user, name=name)
        AssetFace.objects.create(asset_id=photos[0], person=person, x1=0, y1=0, x2=0.1, y2=0.1,
                                 image_width=100, image_height=100, source="exif")  # fmt: skip
    names = sorted(person["name"] for person in api.get("/api/search/person?name=ann").json())
    assert names == ["Ann Lee", "Mary Ann"]


def test_searches_see_only_the_callers_assets(api, other_api, photos):
    place(photos[0], "Rome")
    assert other_api.get("/api/search/cities").json() == []
    assert other_api.post("/api/search/random", {}, format="json").json() == []

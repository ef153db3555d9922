"""Reverse geocoding's places (workers.media.geocoding): Immich's names and distances, bad coordinates, the edges of
the map, and the grid lookup agreeing with a search of every place."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workers.media import geocoding
from workers.media.geocoding import NO_PLACE, Gazetteer, Place

KM_PER_DEG = math.pi * geocoding.EARTH_RADIUS_KM / 180


@pytest.fixture(scope="module")
def world() -> Gazetteer:
    return geocoding.gazetteer()


def tiny(*places: tuple[float, float, str]) -> Gazetteer:
    rows = [
        {"city": name, "latitude": lat, "longitude": lon, "country_code": "FR", "state": f"{name} State",
         "county": f"{name} County", "population": 1000 * (i + 1)}
        for i, (lat, lon, name) in enumerate(places)
    ]  # fmt: skip
    return Gazetteer(rows, {"FR": "France"})


def test_a_point_in_paris_is_in_paris_ile_de_france_france(world):
    assert world.place_at(48.8566, 2.3522) == Place("Paris", "Île-de-France", "France")


def test_countries_carry_immichs_english_names(world):
    assert world.place_at(40.7128, -74.0060).country == "United States of America"
    assert world.place_at(37.5665, 126.9780).country == "South Korea"


@pytest.mark.parametrize(
    "latitude, longitude",
    [(0, 0), (0.0, 0.0), (float("nan"), 2.35), (48.85, float("inf")), (90.5, 0), (-91, 10), (10, 180.01),
     (10, -200), (None, 2.0), ("north", 2.0), (1e308, 1e308)],
)  # fmt: skip
def test_coordinates_that_are_not_a_point_have_no_place(world, latitude, longitude):
    assert world.place_at(latitude, longitude) == NO_PLACE
    assert world.places_at([(latitude, longitude)]) == [NO_PLACE]


def test_the_open_sea_has_no_place(world):
    assert world.place_at(30.0, -40.0) == NO_PLACE  # mid-Atlantic


def test_the_nearest_place_within_25_km_names_city_state_and_country():
    places = tiny((45.0, 5.0, "Near"), (47.0, 5.0, "Far"))
    assert places.place_at(45.0 + 20 / KM_PER_DEG, 5.0) == Place("Near", "Near State", "France")


def test_beyond_25_km_only_the_country_is_known():
    places = tiny((45.0, 5.0, "Near"))
    assert places.place_at(45.0 + 50 / KM_PER_DEG, 5.0) == Place(None, None, "France")


def test_beyond_100_km_there_is_no_place():
    places = tiny((45.0, 5.0, "Near"))
    assert places.place_at(45.0 + 120 / KM_PER_DEG, 5.0) == NO_PLACE


def test_the_nearest_place_is_found_across_the_antimeridian():
    places = tiny((-16.5, 179.95, "East"), (-16.5, 178.0, "West"))
    assert places.place_at(-16.5, -179.95).city == "East"


def test_the_nearest_place_is_found_near_a_pole():
    places = tiny((89.9, 100.0, "Polar"))
    assert places.place_at(89.95, -80.0).city == "Polar"  # 11 km away, across the pole


def test_the_grid_finds_the_same_nearest_distance_as_a_search_of_every_place(world):
    rng = np.random.default_rng(7)
    near = rng.integers(0, len(world), 400)
    points = [(float(world.latitude[i] + rng.normal(0, 0.2)), float(world.longitude[i] + rng.normal(0, 0.2)))
              for i in near]  # fmt: skip
    points = [(max(-89.9, min(89.9, lat)), (lon + 180) % 360 - 180) for lat, lon in points]
    points += [(float(lat), float(lon)) for lat, lon in zip(rng.uniform(-89, 89, 400), rng.uniform(-180, 180, 400))]
    for lat, lon in points:
        vector = geocoding._unit_vectors(np.array([lat]), np.array([lon]))[0]
        dot = float((world.xyz @ vector).max())
        km = 2 * geocoding.EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(0.0, 2 - 2 * dot)) / 2))
        found = world.nearest(lat, lon)
        if km > geocoding.COUNTRY_KM:
            assert found is None, (lat, lon)
        else:
            assert found is not None and found[1] == pytest.approx(km, abs=1e-6), (lat, lon)


def test_many_points_at_once_get_the_places_of_one_at_a_time(world):
    rng = np.random.default_rng(11)
    points = [(float(world.latitude[i]) + 0.01, float(world.longitude[i])) for i in rng.integers(0, len(world), 300)]
    points += [(0, 0), (float("nan"), 1.0)]
    singles = [world.place_at(lat, lon) for lat, lon in points]
    batch = world.places_at(points)
    # Two places at the same spot may be told apart differently; their distance is the same.
    assert sum(a != b for a, b in zip(singles, batch, strict=True)) <= 3


def test_names_are_found_without_accents_exact_names_first(world):
    found = world.named("zurich", limit=5)
    assert found[0].name == "Zürich" and found[0].admin1_name == "Zurich"
    assert all("zurich" in geocoding._folded(place.name) for place in found)


def test_a_blank_name_finds_nothing(world):
    assert world.named("   ") == []


def test_the_data_version_names_the_package():
    assert geocoding.data_version().startswith("reverse_geocode ")

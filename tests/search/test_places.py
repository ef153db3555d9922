"""Issue 23, item 3: reverse geocoding as part of metadata extraction (city, state and country from the GPS of the
file, or from coordinates the owner set), its switch in the system config, the refresh of every asset's place when
the data or the switch changes, and the reverse geocoding state; search by place then finds real places."""

from __future__ import annotations

import pytest

from accounts.selectors import REVERSE_GEOCODING_STATE, system_metadata
from assets.models import AssetExif
from jobs.models import JobRun, StepStatus
from search import places
from tests.search.places_helpers import PARIS, ROME, SYDNEY, located_photo, reverse_geocoding_set

pytestmark = pytest.mark.django_db


def place_of(asset_id: str) -> tuple:
    exif = AssetExif.objects.get(asset_id=asset_id)
    return exif.city, exif.state, exif.country


def test_the_metadata_step_names_the_place_of_the_gps_in_the_file(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "paris.jpg", PARIS)
    exif = api.get(f"/api/assets/{asset_id}").json()["exifInfo"]
    assert (exif["city"], exif["state"], exif["country"]) == ("Paris", "Île-de-France", "France")


def test_a_photo_without_gps_has_no_place(api, tmp_path):
    assert place_of(located_photo(api, tmp_path, "nowhere.jpg", None)) == (None, None, None)


def test_gps_of_zero_zero_is_no_place(api, tmp_path):
    assert place_of(located_photo(api, tmp_path, "null-island.jpg", (0.0, 0.0))) == (None, None, None)


def test_with_reverse_geocoding_off_the_metadata_step_names_no_place(api, tmp_path):
    reverse_geocoding_set(False)
    asset_id = located_photo(api, tmp_path, "paris.jpg", PARIS)
    assert place_of(asset_id) == (None, None, None)
    assert AssetExif.objects.get(asset_id=asset_id).latitude == pytest.approx(PARIS[0], abs=1e-4)


def test_coordinates_set_by_the_owner_move_the_place(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "paris.jpg", PARIS)
    response = api.put(f"/api/assets/{asset_id}", {"latitude": SYDNEY[0], "longitude": SYDNEY[1]}, format="json")
    assert response.status_code == 200
    assert place_of(asset_id) == ("Sydney", "New South Wales", "Australia")


def test_switching_reverse_geocoding_off_then_refreshing_clears_every_place(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "rome.jpg", ROME)
    reverse_geocoding_set(False)
    assert places.places_refresh_all()["changed"] == 1
    assert place_of(asset_id) == (None, None, None)


def test_switching_it_back_on_then_refreshing_names_the_places_again(api, tmp_path):
    reverse_geocoding_set(False)
    asset_id = located_photo(api, tmp_path, "rome.jpg", ROME)
    reverse_geocoding_set(True)
    places.places_refresh_all()
    assert place_of(asset_id) == ("Rome", "Lazio", "Italy")


def test_a_second_refresh_changes_nothing(api, tmp_path):
    located_photo(api, tmp_path, "rome.jpg", ROME)
    places.places_refresh_all()
    assert places.places_refresh_all()["changed"] == 0


def test_the_state_is_empty_until_the_places_are_refreshed(admin_api):
    body = admin_api.get("/api/system-metadata/reverse-geocoding-state").json()
    assert body == {"lastUpdate": None, "lastImportFileName": None}


def test_the_state_says_when_the_places_were_refreshed_and_from_which_file(admin_api):
    places.places_refresh_all()
    body = admin_api.get("/api/system-metadata/reverse-geocoding-state").json()
    assert body["lastImportFileName"] == "geocode.gz (GeoNames cities1000)"
    assert body["lastUpdate"].endswith("Z")


def test_stale_places_ask_for_one_refresh_run(db):
    assert places.places_refresh_if_stale() == 1
    assert places.places_refresh_if_stale() == 0  # the first is still pending
    assert JobRun.objects.filter(name=places.REFRESH_TASK).count() == 1


def test_places_computed_with_the_current_data_and_switch_are_not_stale(db):
    places.places_refresh_all()
    assert places.places_refresh_if_stale() == 0


def test_a_change_of_the_switch_makes_the_places_stale(db):
    places.places_refresh_all()
    reverse_geocoding_set(False)
    assert places.places_stale()


def test_a_new_data_version_makes_the_places_stale(db):
    places.places_refresh_all()
    state = system_metadata(REVERSE_GEOCODING_STATE)
    from accounts.onboarding import system_metadata_set

    system_metadata_set(key=REVERSE_GEOCODING_STATE, value={**state, "dataVersion": "reverse_geocode 0.1"})
    assert places.places_stale()


def test_the_refresh_runs_as_a_recorded_job(db):
    run = places.places_refresh_request()
    from search.tasks import places_refresh

    places_refresh(run.pk)
    run.refresh_from_db()
    assert run.status == StepStatus.DONE and run.result["enabled"] is True


def test_the_manual_job_asks_for_a_refresh(admin_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/jobs", {"name": "reverse-geocode-refresh"}, format="json")
    assert response.status_code in (200, 204), response.content
    assert JobRun.objects.filter(name=places.REFRESH_TASK).exists()


def test_search_suggestions_offer_the_real_places(api, tmp_path):
    located_photo(api, tmp_path, "paris.jpg", PARIS)
    located_photo(api, tmp_path, "rome.jpg", ROME)
    assert api.get("/api/search/suggestions?type=country").json() == ["France", "Italy"]
    assert api.get("/api/search/suggestions?type=city&country=Italy").json() == ["Rome"]


def test_metadata_search_by_city_finds_the_photo_taken_there(api, tmp_path):
    paris = located_photo(api, tmp_path, "paris.jpg", PARIS)
    located_photo(api, tmp_path, "rome.jpg", ROME)
    body = api.post("/api/search/metadata", {"city": "Paris"}, format="json").json()
    assert [item["id"] for item in body["assets"]["items"]] == [paris]


def test_search_cities_lists_the_cities_photos_were_taken_in(api, tmp_path):
    located_photo(api, tmp_path, "paris.jpg", PARIS)
    located_photo(api, tmp_path, "rome.jpg", ROME)
    assert [item["exifInfo"]["city"] for item in api.get("/api/search/cities").json()] == ["Paris", "Rome"]


def test_a_configuration_saved_while_the_map_could_not_be_on_gets_both_switched_on(db):
    from importlib import import_module

    from django.apps import apps

    from jobs.models import SystemConfig
    from jobs.system_config import config_get

    SystemConfig.objects.create(pk=1, value={"map": {"enabled": False}, "reverseGeocoding": {"enabled": False}})
    import_module("jobs.migrations.0007_map_and_reverse_geocoding_on").drop_forced_switches(apps, None)
    config = config_get()
    assert (config["map"]["enabled"], config["reverseGeocoding"]["enabled"]) == (True, True)


def test_beat_checks_every_minute_whether_the_places_are_stale():
    from jobs.registry import beat_schedule

    entry = beat_schedule()["reverse-geocode-check"]
    assert (entry["task"], entry["schedule"]) == ("ReverseGeocodeCheck", 60.0)

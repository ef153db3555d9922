"""Issue 23, item 4: the map. `GET /api/map/markers` with Immich 3.1's filters shows only what the caller may see
(their own assets; partners' and shared albums' when asked), and `GET /api/map/reverse-geocode` names the place
of a point, refusing what is not one."""

from __future__ import annotations

import pytest

from tests.conftest import invalid_fields
from tests.search.places_helpers import PARIS, ROME, SYDNEY, located_photo

pytestmark = pytest.mark.django_db


def markers(api, **query) -> list[dict]:
    params = {key: str(value).lower() if isinstance(value, bool) else value for key, value in query.items()}
    response = api.get("/api/map/markers", params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(api, **query) -> set[str]:
    return {marker["id"] for marker in markers(api, **query)}


def test_a_marker_carries_the_position_and_place_of_the_photo(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "paris.jpg", PARIS)
    [marker] = markers(api)
    assert marker == {
        "id": asset_id, "lat": pytest.approx(PARIS[0], abs=1e-5), "lon": pytest.approx(PARIS[1], abs=1e-5),
        "city": "Paris", "state": "Île-de-France", "country": "France",
    }  # fmt: skip


def test_photos_without_coordinates_have_no_marker(api, tmp_path):
    located_photo(api, tmp_path, "nowhere.jpg", None)
    assert markers(api) == []


def test_archived_photos_only_with_is_archived(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "rome.jpg", ROME)
    api.put("/api/assets", {"ids": [asset_id], "visibility": "archive"}, format="json")
    assert ids(api) == set()
    assert ids(api, isArchived=True) == {asset_id}


def test_is_favorite_filters_by_favourite(api, tmp_path):
    favourite = located_photo(api, tmp_path, "rome.jpg", ROME)
    other = located_photo(api, tmp_path, "paris.jpg", PARIS)
    api.put("/api/assets", {"ids": [favourite], "isFavorite": True}, format="json")
    assert ids(api, isFavorite=True) == {favourite}
    assert ids(api, isFavorite=False) == {other}


def test_file_created_after_and_before_bound_the_dates(api, tmp_path):
    old = located_photo(api, tmp_path, "old.jpg", ROME, fileCreatedAt="2001-01-01T00:00:00.000Z")
    new = located_photo(api, tmp_path, "new.jpg", PARIS, fileCreatedAt="2021-01-01T00:00:00.000Z")
    assert ids(api, fileCreatedAfter="2010-01-01T00:00:00.000Z") == {new}
    assert ids(api, fileCreatedBefore="2010-01-01T00:00:00.000Z") == {old}


def test_trashed_photos_have_no_marker(api, tmp_path):
    asset_id = located_photo(api, tmp_path, "rome.jpg", ROME)
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    assert markers(api) == []


def test_another_users_photos_are_never_shown(api, other_api, tmp_path):
    located_photo(other_api, tmp_path, "bob.jpg", SYDNEY)
    assert markers(api, withPartners=True, withSharedAlbums=True) == []


def test_a_partners_photos_only_with_with_partners(api, other_api, user, tmp_path):
    assert other_api.post("/api/partners", {"sharedWithId": str(user.id)}, format="json").status_code == 201
    bobs = located_photo(other_api, tmp_path, "bob.jpg", SYDNEY)
    assert ids(api) == set()
    assert ids(api, withPartners=True) == {bobs}


def test_a_partners_archive_stays_theirs(api, other_api, user, tmp_path):
    other_api.post("/api/partners", {"sharedWithId": str(user.id)}, format="json")
    bobs = located_photo(other_api, tmp_path, "bob.jpg", SYDNEY)
    other_api.put("/api/assets", {"ids": [bobs], "visibility": "archive"}, format="json")
    assert ids(api, withPartners=True, isArchived=True) == set()


def test_a_shared_albums_photos_only_with_with_shared_albums(api, other_api, user, tmp_path):
    bobs = located_photo(other_api, tmp_path, "bob.jpg", SYDNEY)
    album = other_api.post("/api/albums", {"albumName": "Trip", "assetIds": [bobs]}, format="json").json()
    response = other_api.put(
        f"/api/albums/{album['id']}/users", {"albumUsers": [{"userId": str(user.id), "role": "viewer"}]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert ids(api) == set()
    assert ids(api, withSharedAlbums=True) == {bobs}


def test_markers_are_the_newest_first(api, tmp_path):
    old = located_photo(api, tmp_path, "old.jpg", ROME, fileCreatedAt="2001-01-01T00:00:00.000Z")
    new = located_photo(api, tmp_path, "new.jpg", PARIS, fileCreatedAt="2021-01-01T00:00:00.000Z")
    assert [marker["id"] for marker in markers(api)] == [new, old]


def test_reverse_geocode_names_the_place_of_a_point(api):
    response = api.get("/api/map/reverse-geocode", {"lat": "41.9028", "lon": "12.4964"})
    assert response.json() == [{"city": "Rome", "state": "Lazio", "country": "Italy"}]


def test_reverse_geocode_of_zero_zero_or_the_open_sea_is_no_place(api):
    nothing = [{"city": None, "state": None, "country": None}]
    assert api.get("/api/map/reverse-geocode", {"lat": "0", "lon": "0"}).json() == nothing
    assert api.get("/api/map/reverse-geocode", {"lat": "30", "lon": "-40"}).json() == nothing


@pytest.mark.parametrize(
    "query, field",
    [({"lat": "91", "lon": "0"}, "lat"), ({"lat": "0", "lon": "-180.5"}, "lon"), ({"lat": "NaN", "lon": "1"}, "lat"),
     ({"lat": "1", "lon": "Infinity"}, "lon"), ({"lat": "north", "lon": "1"}, "lat"), ({"lon": "1"}, "lat")],
)  # fmt: skip
def test_reverse_geocode_refuses_what_is_not_a_point(api, query, field):
    response = api.get("/api/map/reverse-geocode", query)
    assert response.status_code == 400
    assert invalid_fields(response) == [field]


def test_the_map_needs_a_signed_in_user(anonymous):
    assert anonymous.get("/api/map/markers").status_code == 401
    assert anonymous.get("/api/map/reverse-geocode", {"lat": "1", "lon": "1"}).status_code == 401

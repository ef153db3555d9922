"""`POST /api/search/metadata` as immich-go calls it (clients.md §2, G8): six paged queries, one per visibility
(timeline, archive, hidden) with and without `trashedAfter: "0001-01-01T00:00:00.000Z"`, `size: 1000`,
`withExif: true`, `order: "asc"`; it reads `assets.items[]` and `assets.nextPage` (a string, or null at the end)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from albums.models import Album
from assets.models import Asset, AssetExif
from jobs.models import Step
from jobs.services import step_run
from tests.assets.helpers import upload_photo
from tests.conftest import invalid_fields
from tests.media_factories import make_jpeg

pytestmark = pytest.mark.django_db

EVER = "0001-01-01T00:00:00.000Z"  # immich-go's trashedAfter: "trashed at any time"
IMMICH_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # immich-go's ImmichTime
EXIF_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")  # immich-go's ImmichExifTime


def search(client, **filters):
    return client.post("/api/search/metadata", filters, format="json")


def found(client, **filters) -> list[str]:
    response = search(client, **filters)
    assert response.status_code == 200, response.content
    return [item["originalFileName"] for item in response.json()["assets"]["items"]]


def immich_go_page(client, visibility: str, page: int = 1, trashed: bool = False, size: int = 1000) -> dict:
    body = {"page": page, "size": size, "withExif": True, "visibility": visibility, "order": "asc"}
    if trashed:
        body["trashedAfter"] = EVER
    response = search(client, **body)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def library(api, tmp_path) -> dict[str, str]:
    """Four photos of one user: two in the timeline, one archived, one trashed (from the timeline)."""
    ids = {
        "a.jpg": upload_photo(api, tmp_path, "a.jpg", color=(1, 2, 3), created="2020-01-01T00:00:00.000Z"),
        "b.jpg": upload_photo(api, tmp_path, "b.jpg", color=(4, 5, 6), created="2021-01-01T00:00:00.000Z"),
        "archived.jpg": upload_photo(api, tmp_path, "archived.jpg", color=(7, 8, 9), visibility="archive"),
        "trashed.jpg": upload_photo(api, tmp_path, "trashed.jpg", color=(10, 11, 12)),
    }
    assert api.delete("/api/assets", {"ids": [ids["trashed.jpg"]]}, format="json").status_code == 204
    return ids


def names(body: dict) -> list[str]:
    return [item["originalFileName"] for item in body["assets"]["items"]]


def test_immich_go_s_six_queries_split_the_library_by_visibility_and_trash(api, library):
    answers = {(visibility, trashed): names(immich_go_page(api, visibility, trashed=trashed))
               for visibility in ("timeline", "archive", "hidden") for trashed in (False, True)}  # fmt: skip
    assert answers == {
        ("timeline", False): ["a.jpg", "b.jpg"], ("timeline", True): ["trashed.jpg"],
        ("archive", False): ["archived.jpg"], ("archive", True): [],
        ("hidden", False): [], ("hidden", True): [],
    }  # fmt: skip


def test_the_answer_has_immich_s_shape_with_an_empty_album_part(api, library):
    body = immich_go_page(api, "timeline")
    assert body["albums"] == {"total": 0, "count": 0, "items": [], "facets": []}
    assert {key: body["assets"][key] for key in ("total", "count", "facets", "nextPage")} == {
        "total": 2,
        "count": 2,
        "facets": [],
        "nextPage": None,
    }


def test_items_carry_what_immich_go_indexes_in_its_formats(api, library, tmp_path):
    step_run(asset_id=library["a.jpg"], step=Step.METADATA)
    [item] = [item for item in immich_go_page(api, "timeline")["assets"]["items"] if item["id"] == library["a.jpg"]]
    sha1 = hashlib.sha1(make_jpeg(tmp_path / "same.jpg", color=(1, 2, 3)).read_bytes()).digest()
    assert (item["id"], item["checksum"], item["originalFileName"]) == (
        library["a.jpg"],
        base64.b64encode(sha1).decode(),
        "a.jpg",
    )
    assert (item["libraryId"], item["isTrashed"], item["isArchived"], item["tags"]) == (None, False, False, [])
    assert item["exifInfo"]["fileSizeInByte"] == len((tmp_path / "same.jpg").read_bytes())
    assert EXIF_DATE.match(item["exifInfo"]["dateTimeOriginal"]) and IMMICH_DATE.match(item["fileModifiedAt"])


def test_pages_follow_next_page_until_null(api, library):
    first = immich_go_page(api, "timeline", size=1)
    second = immich_go_page(api, "timeline", page=int(first["assets"]["nextPage"]), size=1)
    assert (names(first), first["assets"]["nextPage"]) == (["a.jpg"], "2")
    assert (names(second), second["assets"]["nextPage"]) == (["b.jpg"], None)


def test_newest_first_unless_asked(api, library):
    assert found(api) == ["b.jpg", "a.jpg"]


def test_only_the_caller_s_assets_are_found(api, other_api, library, tmp_path):
    upload_photo(other_api, tmp_path, "theirs.jpg", color=(90, 90, 90))
    assert found(other_api, visibility="timeline") == ["theirs.jpg"]
    assert found(api, checksum=immich_go_page(other_api, "timeline")["assets"]["items"][0]["checksum"]) == []


def test_exif_is_left_out_unless_asked(api, library):
    items = search(api).json()["assets"]["items"]
    assert all("exifInfo" not in item for item in items)


def test_an_asset_is_found_by_checksum_in_base64_or_hex(api, library, tmp_path):
    sha1 = hashlib.sha1(make_jpeg(tmp_path / "same.jpg", color=(4, 5, 6)).read_bytes()).digest()
    assert found(api, checksum=base64.b64encode(sha1).decode()) == found(api, checksum=sha1.hex()) == ["b.jpg"]


def test_file_name_path_and_description_match_a_part_in_any_case(api, library):
    AssetExif.objects.filter(asset_id=library["a.jpg"]).update(description="Sunset over the Bay")
    assert found(api, originalFileName="A.JP") == ["a.jpg"]
    assert found(api, description="over the bay") == ["a.jpg"]
    stored = Asset.objects.get(pk=library["b.jpg"]).original_path
    assert found(api, originalPath=stored[-12:].upper()) == ["b.jpg"]


def test_taken_dates_bound_inclusively(api, library):
    assert found(api, takenAfter="2020-06-01T00:00:00.000Z") == ["b.jpg"]
    assert found(api, takenBefore="2020-01-01T00:00:00.000Z") == ["a.jpg"]


def test_exif_values_match_exactly_and_null_asks_for_none(api, library):
    AssetExif.objects.filter(asset_id=library["a.jpg"]).update(city="Lyon", make="Canon", rating=4)
    assert found(api, city="Lyon", make="Canon", rating=4) == ["a.jpg"]
    assert found(api, city=None) == ["b.jpg"]
    assert found(api, rating=None) == ["b.jpg"]


def test_albums_narrow_to_assets_in_every_album_named(api, library, other_user):
    album = Album.objects.create(owner=Asset.objects.get(pk=library["a.jpg"]).owner, album_name="Trip")
    album.assets.add(library["a.jpg"])
    theirs = Album.objects.create(owner=other_user, album_name="Not yours")
    theirs.assets.add(library["b.jpg"])
    assert found(api, albumIds=[str(album.id)]) == ["a.jpg"]
    assert found(api, albumIds=[str(theirs.id)]) == []


def test_assets_in_no_album_are_found(api, library):
    Album.objects.create(owner=Asset.objects.get(pk=library["a.jpg"]).owner).assets.add(library["a.jpg"])
    assert found(api, isNotInAlbum=True) == ["b.jpg"]


def test_tag_ids_match_nothing_while_no_tag_exists(api, library):
    assert found(api, tagIds=["6f4b7c1e-6a4e-4c8e-9d7b-0a1b2c3d4e5f"]) == []
    assert found(api, tagIds=None) == ["b.jpg", "a.jpg"]


def test_flags_filter(api, library):
    Asset.objects.filter(pk=library["b.jpg"]).update(is_favorite=True, live_photo_video_id=library["a.jpg"])
    assert found(api, isFavorite=True) == ["b.jpg"]
    assert found(api, isMotion=False) == ["a.jpg"]
    assert found(api, type="VIDEO") == []
    assert found(api, id=library["a.jpg"]) == ["a.jpg"]


def test_device_ids_of_older_clients_filter(api, tmp_path):
    upload_photo(api, tmp_path, "c.jpg", deviceAssetId="c.jpg-1234", deviceId="laptop")
    upload_photo(api, tmp_path, "d.jpg", color=(3, 3, 3), deviceAssetId="d.jpg-99", deviceId="phone")
    assert found(api, deviceId="laptop") == found(api, deviceAssetId="c.jpg-1234") == ["c.jpg"]


def test_statistics_count_what_the_search_finds(api, library):
    response = api.post("/api/search/statistics", {"visibility": "timeline", "trashedAfter": EVER}, format="json")
    assert (response.status_code, response.json()) == (200, {"total": 1})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"albumName": "x"}, None),  # an unknown filter: an issue of the whole body
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"size": 1001}, "size"),
        ({"size": 0}, "size"),
        ({"takenAfter": "yesterday"}, "takenAfter"),
        ({"trashedAfter": "2021-13-01T00:00:00.000Z"}, "trashedAfter"),
        ({"albumIds": ["not-a-uuid"]}, "albumIds"),
        ({"id": "1234"}, "id"),
        ({"rating": 6}, "rating"),
        ({"visibility": "everything"}, "visibility"),
    ],
)
def test_bad_input_is_a_400_in_immich_s_shape(api, body, field):
    response = search(api, **body)
    assert invalid_fields(response) == [field] and response.json()["error"] == "Bad Request"


def test_the_locked_folder_needs_elevated_permission(api, library):
    response = search(api, visibility="locked")
    assert (response.status_code, response.json()["message"]) == (401, "Elevated permission is required")


def test_suggestions_list_the_distinct_values_of_the_caller_s_timeline(api, other_api, library, tmp_path):
    AssetExif.objects.filter(asset_id=library["a.jpg"]).update(make="Canon", model="EOS R5", country="France")
    AssetExif.objects.filter(asset_id=library["b.jpg"]).update(make="Nikon", model="Z6", country="France")
    AssetExif.objects.filter(asset_id=library["archived.jpg"]).update(make="Archived Make")
    AssetExif.objects.filter(asset_id=upload_photo(other_api, tmp_path, "x.jpg", color=(9, 9, 1))).update(make="Leica")
    assert api.get("/api/search/suggestions?type=camera-make").json() == ["Canon", "Nikon"]
    assert api.get("/api/search/suggestions?type=camera-model&make=Nikon").json() == ["Z6"]
    assert api.get("/api/search/suggestions?type=country&includeNull=true").json() == ["France", None]


def test_suggestions_of_an_unknown_type_are_a_400(api):
    assert api.get("/api/search/suggestions?type=colour").status_code == 400

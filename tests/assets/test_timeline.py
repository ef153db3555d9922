import pytest

from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(api, tmp_path):
    """Three photos: two in June 2021 (one archived), one in January 2020 (trashed later by tests)."""
    june = upload_photo(api, tmp_path / "a", created="2021-06-15T10:30:00.000Z")
    june_archived = upload_photo(api, tmp_path / "b", color=(1, 2, 3), created="2021-06-20T10:30:00.000Z")
    january = upload_photo(api, tmp_path / "c", color=(4, 5, 6), created="2020-01-01T00:30:00.000Z")
    api.put("/api/assets", {"ids": [june_archived], "visibility": "archive"}, format="json")
    return {"june": june, "june_archived": june_archived, "january": january}


def test_buckets_by_month_newest_first(api, library):
    assert api.get("/api/timeline/buckets").json() == [
        {"timeBucket": "2021-06-01", "count": 2},
        {"timeBucket": "2020-01-01", "count": 1},
    ]


def test_timeline_visibility_leaves_out_archived(api, library):
    assert api.get("/api/timeline/buckets?visibility=timeline").json()[0] == {"timeBucket": "2021-06-01", "count": 1}


def test_archive_view_shows_only_archived(api, library):
    assert api.get("/api/timeline/buckets?visibility=archive").json() == [{"timeBucket": "2021-06-01", "count": 1}]


def test_trashed_assets_appear_only_in_trash(api, library):
    api.delete("/api/assets", {"ids": [library["january"]]}, format="json")
    assert [b["timeBucket"] for b in api.get("/api/timeline/buckets").json()] == ["2021-06-01"]
    assert api.get("/api/timeline/buckets?isTrashed=true").json() == [{"timeBucket": "2020-01-01", "count": 1}]


def test_bucket_returns_parallel_arrays(api, library):
    body = api.get("/api/timeline/bucket?timeBucket=2021-06-01&visibility=timeline").json()
    assert body["id"] == [library["june"]]
    for key in (
        "ownerId",
        "ratio",
        "isFavorite",
        "visibility",
        "isTrashed",
        "isImage",
        "thumbhash",
        "fileCreatedAt",
        "localOffsetHours",
        "duration",
        "projectionType",
        "livePhotoVideoId",
        "city",
        "country",
    ):
        assert len(body[key]) == 1, key
    assert body["isImage"] == [True]


def test_bucket_orders_newest_first(api, library):
    body = api.get("/api/timeline/bucket?timeBucket=2021-06-01").json()
    assert body["id"] == [library["june_archived"], library["june"]]


def test_favorites_filter(api, library):
    api.put(f"/api/assets/{library['january']}", {"isFavorite": True}, format="json")
    assert api.get("/api/timeline/buckets?isFavorite=true").json() == [{"timeBucket": "2020-01-01", "count": 1}]


def test_album_filter(api, library):
    album = api.post("/api/albums", {"albumName": "A", "assetIds": [library["june"]]}, format="json").json()
    assert api.get(f"/api/timeline/buckets?albumId={album['id']}").json() == [{"timeBucket": "2021-06-01", "count": 1}]


def test_timeline_never_shows_another_users_assets(other_api, library):
    assert other_api.get("/api/timeline/buckets").json() == []


def test_bucket_requires_a_valid_time_bucket(api):
    assert api.get("/api/timeline/bucket?timeBucket=yesterday").status_code == 400

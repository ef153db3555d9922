"""Partners (issue 21, item 2): a user shares their library; the partner sees it, in their timeline when they
choose, and cannot change it; archived, locked and trashed assets are never shared."""

import pytest

from assets.models import Asset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(api, other_user, tmp_path):
    """Alice shares with Bob: a photo on her timeline and an archived one."""
    photo = upload_photo(api, tmp_path / "a")
    archived = upload_photo(api, tmp_path / "b", color=(1, 2, 3))
    api.put("/api/assets", {"ids": [archived], "isArchived": True}, format="json")
    response = api.post("/api/partners", {"sharedWithId": str(other_user.id)}, format="json")
    assert response.status_code == 201, response.content
    return {"photo": photo, "archived": archived, "partner": response.json()}


def test_creating_a_partner_answers_the_user_shared_with(partnership, other_user):
    assert partnership["partner"]["id"] == str(other_user.id)
    assert partnership["partner"]["inTimeline"] is False


def test_partners_are_listed_by_direction(api, other_api, user, other_user, partnership):
    assert [p["id"] for p in api.get("/api/partners?direction=shared-by").json()] == [str(other_user.id)]
    assert api.get("/api/partners?direction=shared-with").json() == []
    assert [p["id"] for p in other_api.get("/api/partners?direction=shared-with").json()] == [str(user.id)]


def test_sharing_with_oneself_or_twice_is_refused(api, user, other_user, partnership):
    itself = api.post("/api/partners", {"sharedWithId": str(user.id)}, format="json")
    twice = api.post("/api/partners", {"sharedWithId": str(other_user.id)}, format="json")
    assert (itself.status_code, twice.status_code) == (400, 400)
    assert twice.json()["message"] == "Partner already exists"


def test_a_partner_sees_the_shared_photo_but_not_the_archived_one(other_api, partnership):
    assert other_api.get(f"/api/assets/{partnership['photo']}").status_code == 200
    assert other_api.get(f"/api/assets/{partnership['photo']}/original").status_code == 200
    assert other_api.get(f"/api/assets/{partnership['archived']}").status_code == 400


def test_a_locked_or_trashed_asset_is_not_shared(api, other_api, partnership):
    Asset.objects.filter(pk=partnership["photo"]).update(visibility="locked")
    assert other_api.get(f"/api/assets/{partnership['photo']}").status_code == 400
    Asset.objects.filter(pk=partnership["photo"]).update(visibility="timeline")
    api.delete("/api/assets", {"ids": [partnership["photo"]]}, format="json")
    assert other_api.get(f"/api/assets/{partnership['photo']}").status_code == 400


def test_a_partner_cannot_change_the_shared_assets(api, other_api, partnership):
    url = f"/api/assets/{partnership['photo']}"
    assert other_api.put(url, {"isFavorite": True}, format="json").status_code == 400
    other_api.delete("/api/assets", {"ids": [partnership["photo"]]}, format="json")
    assert api.get(url).json()["isFavorite"] is False
    assert Asset.objects.get(pk=partnership["photo"]).deleted_at is None


def test_the_partners_timeline_by_user_id_shows_only_the_timeline(other_api, user, partnership):
    buckets = other_api.get(f"/api/timeline/buckets?userId={user.id}").json()
    assert [bucket["count"] for bucket in buckets] == [1]


def test_partner_assets_join_the_timeline_only_when_in_timeline(other_api, user, partnership, tmp_path):
    upload_photo(other_api, tmp_path / "bob", color=(7, 7, 7))
    assert other_api.get("/api/timeline/buckets?withPartners=true").json()[0]["count"] == 1
    response = other_api.put(f"/api/partners/{user.id}", {"inTimeline": True}, format="json")
    assert response.status_code == 200
    assert response.json()["inTimeline"] is True
    assert other_api.get("/api/timeline/buckets?withPartners=true").json()[0]["count"] == 2
    assert other_api.get("/api/timeline/buckets").json()[0]["count"] == 1


def test_with_partners_refuses_archived_or_trashed(other_api):
    assert other_api.get("/api/timeline/buckets?withPartners=true&isTrashed=true").status_code == 400


def test_only_the_user_shared_with_sets_in_timeline(api, other_user, partnership):
    assert api.put(f"/api/partners/{other_user.id}", {"inTimeline": True}, format="json").status_code == 400


def test_removing_the_partner_stops_the_sharing(api, other_api, other_user, partnership):
    assert api.delete(f"/api/partners/{other_user.id}").status_code == 200
    assert other_api.get(f"/api/assets/{partnership['photo']}").status_code == 400
    assert api.delete(f"/api/partners/{other_user.id}").status_code == 400


def test_a_partner_adds_a_shared_asset_to_their_album(other_api, partnership):
    album = other_api.post(
        "/api/albums", {"albumName": "From Alice", "assetIds": [partnership["photo"]]}, format="json"
    )
    assert album.json()["assetCount"] == 1


def test_search_finds_a_partners_photos_once_in_timeline(other_api, user, partnership):
    def found():
        return [
            item["id"] for item in other_api.post("/api/search/metadata", {}, format="json").json()["assets"]["items"]
        ]

    assert partnership["photo"] not in found()
    other_api.put(f"/api/partners/{user.id}", {"inTimeline": True}, format="json")
    assert found() == [partnership["photo"]]

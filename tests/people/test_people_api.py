"""`/api/people` in the reference's shapes, owner-scoped, with API key permissions; people and faces in the asset
response; the timeline filtered by person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from people.models import Person
from people.services import person_thumbnail_generate
from tests.conftest import client_for
from tests.people.conftest import import_faces, upload_tagged
from tests.people.face_factories import face_picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(api, folder):
    """Two photos: Alice on both, Bob on the second, plus an unnamed face there."""
    first = upload_tagged(api, folder, name="one.jpg")
    second = upload_tagged(
        api,
        folder,
        name="two.jpg",
        picture=face_picture(background=(90, 20, 20)),
        regions=[("Alice", None), ("Bob", (0.1, 0.1, 0.3, 0.5)), (None, (0.05, 0.6, 0.15, 0.8))],
    )
    import_faces(first)
    import_faces(second)
    return {
        "first": first,
        "second": second,
        "alice": Person.objects.get(name="Alice"),
        "bob": Person.objects.get(name="Bob"),
    }


def test_list_people(api, tagged):
    Person.objects.filter(name="Bob").update(is_hidden=True)
    body = api.get("/api/people").json()
    assert body["total"] == 2 and body["hidden"] == 1 and body["hasNextPage"] is False
    assert [person["name"] for person in body["people"]] == ["Alice"]
    alice = body["people"][0]
    assert set(alice) >= {"id", "name", "birthDate", "thumbnailPath", "isHidden", "updatedAt"}
    assert [p["name"] for p in api.get("/api/people?withHidden=true").json()["people"]] == ["Alice", "Bob"]


def test_a_person_without_a_color_leaves_it_out(api, tagged):
    """Immich's `color` is a string or absent, never null."""
    body = api.get(f"/api/people/{tagged['alice'].id}").json()
    assert "color" not in body and body["isFavorite"] is False


def test_list_people_pages(api, tagged):
    first = api.get("/api/people?size=1&page=1").json()
    second = api.get("/api/people?size=1&page=2").json()
    assert first["hasNextPage"] is True and second["hasNextPage"] is False
    assert [p["name"] for p in first["people"] + second["people"]] == ["Alice", "Bob"]  # most photographed first


def test_people_only_on_trashed_assets_are_not_listed(api, tagged):
    api.delete("/api/assets", {"ids": [tagged["second"]]}, format="json")
    assert [p["name"] for p in api.get("/api/people").json()["people"]] == ["Alice"]
    assert api.get(f"/api/people/{tagged['alice'].id}/statistics").json() == {"assets": 1}


def test_get_and_update_a_person(api, tagged):
    alice = tagged["alice"]
    assert api.get(f"/api/people/{alice.id}").json()["name"] == "Alice"
    response = api.put(
        f"/api/people/{alice.id}",
        {"name": "  Alice   Smith ", "birthDate": "1990-04-01", "isHidden": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["birthDate"], response.json()["isHidden"]) == (
        "Alice Smith",
        "1990-04-01",
        True,
    )
    alice.refresh_from_db()
    assert (alice.name, alice.birth_date, alice.is_hidden) == ("Alice Smith", date(1990, 4, 1), True)


def test_bad_updates_are_refused(api, tagged):
    alice = tagged["alice"]
    taken = api.put(f"/api/people/{alice.id}", {"name": "Bob"}, format="json")
    assert taken.status_code == 400 and "already exists" in taken.json()["message"]
    future = (date.today() + timedelta(days=2)).isoformat()
    assert api.put(f"/api/people/{alice.id}", {"birthDate": future}, format="json").status_code == 400
    unrelated = api.put(f"/api/people/{tagged['bob'].id}", {"featureFaceAssetId": tagged["first"]}, format="json")
    assert unrelated.status_code == 400


def test_choosing_the_feature_face_remakes_the_thumbnail(api, tagged, queued, django_capture_on_commit_callbacks):
    alice = tagged["alice"]
    person_thumbnail_generate(person_id=alice.id)
    alice.refresh_from_db()
    other = tagged["second"] if str(alice.feature_face.asset_id) == tagged["first"] else tagged["first"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(f"/api/people/{alice.id}", {"featureFaceAssetId": other}, format="json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert str(alice.feature_face.asset_id) == other and alice.thumbnail_path == "" and queued == [str(alice.id)]
    assert person_thumbnail_generate(person_id=alice.id) == "done"
    assert str(Person.objects.get(pk=alice.id).feature_face.asset_id) == other


def test_another_users_person_is_not_found(other_api, tagged):
    person_id = tagged["alice"].id
    assert other_api.get(f"/api/people/{person_id}").status_code == 400
    assert other_api.put(f"/api/people/{person_id}", {"name": "Mine"}, format="json").status_code == 400
    assert other_api.get(f"/api/people/{person_id}/thumbnail").status_code == 400
    assert other_api.get(f"/api/people/{person_id}/statistics").status_code == 400
    assert other_api.get("/api/people").json() == {"people": [], "total": 0, "hidden": 0, "hasNextPage": False}


def test_permissions(user, tagged):
    reader = client_for(user, ["person.read"])
    person_id = tagged["alice"].id
    assert reader.get(f"/api/people/{person_id}").status_code == 200
    refused = reader.put(f"/api/people/{person_id}", {"name": "X"}, format="json")
    assert refused.status_code == 403 and "person.update" in refused.json()["message"]
    assert client_for(user, ["asset.read"]).get("/api/people").status_code == 403


def test_thumbnail_and_statistics(api, tagged):
    alice = tagged["alice"]
    assert api.get(f"/api/people/{alice.id}/thumbnail").status_code == 404
    person_thumbnail_generate(person_id=alice.id)
    response = api.get(f"/api/people/{alice.id}/thumbnail")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:3] == b"\xff\xd8\xff"
    assert api.get(f"/api/people/{alice.id}/thumbnail", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert api.get(f"/api/people/{alice.id}/statistics").json() == {"assets": 2}


def test_the_asset_response_has_its_people_and_faces(api, tagged):
    body = api.get(f"/api/assets/{tagged['second']}").json()
    assert [person["name"] for person in body["people"]] == ["Alice", "Bob"]
    alice = body["people"][0]
    assert alice["id"] == str(tagged["alice"].id)
    [face] = alice["faces"]
    assert face == {
        "id": face["id"],
        "imageWidth": 300,
        "imageHeight": 200,
        "boundingBoxX1": 180,
        "boundingBoxY1": 40,
        "boundingBoxX2": 240,
        "boundingBoxY2": 100,
        "sourceType": "exif",
    }
    [unnamed] = body["unassignedFaces"]
    assert (unnamed["boundingBoxX1"], unnamed["boundingBoxY1"], unnamed["boundingBoxX2"], unnamed["boundingBoxY2"]) == (
        15,
        120,
        45,
        160,
    )


def test_the_asset_response_of_an_untagged_asset(api, folder):
    from tests.assets.helpers import upload_photo

    asset_id = upload_photo(api, folder)
    body = api.get(f"/api/assets/{asset_id}").json()
    assert body["people"] == [] and body["unassignedFaces"] == []


def test_the_timeline_filters_by_person(api, tagged):
    everyone = api.get("/api/timeline/buckets").json()
    bob = api.get(f"/api/timeline/buckets?personId={tagged['bob'].id}").json()
    alice = api.get(f"/api/timeline/buckets?personId={tagged['alice'].id}").json()
    assert sum(bucket["count"] for bucket in everyone) == 2
    assert sum(bucket["count"] for bucket in alice) == 2 and sum(bucket["count"] for bucket in bob) == 1
    bucket = api.get(f"/api/timeline/bucket?timeBucket={bob[0]['timeBucket']}&personId={tagged['bob'].id}").json()
    assert bucket["id"] == [tagged["second"]]
    assert api.get("/api/timeline/buckets?personId=not-a-uuid").status_code == 400


def test_the_timeline_of_another_users_person_is_empty(other_api, tagged):
    assert other_api.get(f"/api/timeline/buckets?personId={tagged['alice'].id}").json() == []

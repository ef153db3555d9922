"""Comments and likes on shared albums (issue 21, item 4), as Immich's activity service answers them."""

import pytest

from tests.albums.test_album_members import share
from tests.albums.test_albums import create_album
from tests.assets.helpers import upload_photo
from tests.conftest import _user, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def album(api, other_user, tmp_path):
    photo = upload_photo(api, tmp_path)
    album = create_album(api, "Trip", assetIds=[photo])
    share(api, album["id"], other_user, "viewer")
    return {"id": album["id"], "photo": photo}


def comment(client, album, text="Lovely", **extra):
    return client.post("/api/activities", {"albumId": album["id"], "type": "comment", "comment": text, **extra},
                       format="json")  # fmt: skip


def test_a_member_comments_and_everyone_reads_it(api, other_api, other_user, album):
    response = comment(other_api, album)
    assert response.status_code == 201
    body = api.get(f"/api/activities?albumId={album['id']}").json()
    assert [(item["type"], item["comment"], item["user"]["id"], item["assetId"]) for item in body] == [
        ("comment", "Lovely", str(other_user.id), None)
    ]


def test_a_like_given_twice_answers_the_first(other_api, album):
    body = {"albumId": album["id"], "assetId": album["photo"], "type": "like"}
    first = other_api.post("/api/activities", body, format="json")
    second = other_api.post("/api/activities", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert "comment" not in first.json()


def test_statistics_count_comments_and_likes(api, other_api, album):
    comment(other_api, album)
    comment(api, album, "Thanks")
    other_api.post("/api/activities", {"albumId": album["id"], "type": "like"}, format="json")
    stats = api.get(f"/api/activities/statistics?albumId={album['id']}").json()
    assert stats == {"comments": 2, "likes": 1}


def test_a_comment_needs_its_text(other_api, album):
    response = other_api.post("/api/activities", {"albumId": album["id"], "type": "comment"}, format="json")
    assert response.status_code == 400


def test_no_activity_when_the_album_disables_it(api, other_api, album):
    api.patch(f"/api/albums/{album['id']}", {"isActivityEnabled": False}, format="json")
    assert comment(other_api, album).status_code == 400


def test_a_stranger_neither_reads_nor_writes(album, db):
    stranger = client_for(_user("carol@example.com"))
    assert comment(stranger, album).status_code == 400
    assert stranger.get(f"/api/activities?albumId={album['id']}").status_code == 400


def test_the_author_or_the_owner_deletes_an_activity_and_no_one_else(api, other_api, album, db):
    carol = _user("carol@example.com")
    share(api, album["id"], carol, "viewer")
    mine = comment(other_api, album).json()["id"]
    assert client_for(carol).delete(f"/api/activities/{mine}").status_code == 400
    assert api.delete(f"/api/activities/{mine}").status_code == 204
    theirs = comment(api, album).json()["id"]
    assert other_api.delete(f"/api/activities/{theirs}").status_code == 400

"""Shared links (issue 21, item 3): album and individual links, key or slug, password, expiry, download and upload
permissions, as Immich 3.1's shared link service behaves."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from albums.models import AlbumAsset
from assets.models import Asset
from sharing.models import SharedLink
from tests.albums.test_albums import create_album
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def make_link(api, **fields):
    response = api.post("/api/shared-links", fields, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def holder_of(link) -> APIClient:
    """A client holding the link's key in the header the web sends."""
    client = APIClient()
    client.credentials(HTTP_X_IMMICH_SHARE_KEY=link["key"])
    return client


@pytest.fixture
def photos(api, tmp_path):
    shared = upload_photo(api, tmp_path / "a")
    private = upload_photo(api, tmp_path / "b", color=(1, 2, 3))
    return {"shared": shared, "private": private}


@pytest.fixture
def album_link(api, photos):
    album = create_album(api, "Wedding", assetIds=[photos["shared"]])
    return make_link(api, type="ALBUM", albumId=album["id"], allowDownload=False)


def test_an_individual_link_lists_its_assets(api, photos):
    link = make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], description="Look")
    assert [asset["id"] for asset in link["assets"]] == [photos["shared"]]
    assert (link["type"], link["description"], link["password"], link["allowDownload"]) == (
        "INDIVIDUAL",
        "Look",
        None,
        True,
    )


def test_the_holder_reads_the_link_with_its_key(album_link):
    holder = APIClient()
    body = holder.get(f"/api/shared-links/me?key={album_link['key']}").json()
    assert body["id"] == album_link["id"]
    assert body["album"]["albumName"] == "Wedding"


def test_the_holder_reaches_exactly_the_links_assets(album_link, photos):
    key = album_link["key"]
    holder = APIClient()
    assert holder.get(f"/api/assets/{photos['shared']}?key={key}").status_code == 200
    assert holder.get(f"/api/assets/{photos['private']}?key={key}").status_code == 400
    assert holder.get(f"/api/albums/{album_link['album']['id']}?key={key}").status_code == 200


def test_originals_only_when_downloads_are_allowed(api, album_link, photos):
    holder = APIClient()
    url = f"/api/assets/{photos['shared']}/original?key={album_link['key']}"
    assert holder.get(url).status_code == 400
    api.patch(f"/api/shared-links/{album_link['id']}", {"allowDownload": True}, format="json")
    assert holder.get(url).status_code == 200


def test_a_link_holder_cannot_use_the_owners_other_endpoints(album_link):
    holder = APIClient()
    key = album_link["key"]
    assert holder.get(f"/api/albums?key={key}").status_code == 403
    assert holder.get(f"/api/users/me?key={key}").status_code == 403
    assert holder.delete(f"/api/albums/{album_link['album']['id']}?key={key}").status_code == 403
    assert holder.get(f"/api/timeline/buckets?key={key}").json() == []


def test_a_slug_names_the_link(api, photos):
    make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], slug="summer-2021")
    assert APIClient().get("/api/shared-links/me?slug=summer-2021").status_code == 200


@pytest.mark.parametrize("slug", ["a/b", "..", "x/../y"])
def test_a_slug_with_a_slash_or_dots_is_refused(api, photos, slug):
    response = api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": [photos["shared"]], "slug": slug},
                        format="json")  # fmt: skip
    assert response.status_code == 400
    assert not SharedLink.objects.exists()


def test_a_taken_slug_is_refused(api, photos):
    make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], slug="taken")
    response = api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": [photos["shared"]], "slug": "taken"},
                        format="json")  # fmt: skip
    assert response.status_code == 400
    assert SharedLink.objects.count() == 1


def test_a_link_to_another_users_album_or_asset_is_refused(other_api, album_link, photos):
    album = other_api.post("/api/shared-links", {"type": "ALBUM", "albumId": album_link["album"]["id"]}, format="json")
    asset = other_api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": [photos["private"]]}, format="json")
    assert (album.status_code, asset.status_code) == (400, 400)


def test_an_expiry_in_the_past_is_refused(api, photos):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api.post("/api/shared-links", {"type": "INDIVIDUAL", "assetIds": [photos["shared"]], "expiresAt": past},
                        format="json")  # fmt: skip
    assert response.status_code == 400


def test_an_expired_link_answers_401(album_link, photos):
    SharedLink.objects.filter(pk=album_link["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = APIClient().get(f"/api/assets/{photos['shared']}?key={album_link['key']}")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid share key"


def test_a_removed_link_answers_401(api, album_link):
    assert api.delete(f"/api/shared-links/{album_link['id']}").status_code == 200
    assert APIClient().get(f"/api/shared-links/me?key={album_link['key']}").status_code == 401


def test_a_password_locks_the_link_until_the_login(api, photos):
    link = make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], password="s3cret")
    holder = APIClient()
    key = link["key"]
    assert holder.get(f"/api/shared-links/me?key={key}").status_code == 401
    assert holder.get(f"/api/assets/{photos['shared']}?key={key}").status_code == 401
    assert holder.post(f"/api/shared-links/login?key={key}", {"password": "wrong"}, format="json").status_code == 401
    assert holder.post(f"/api/shared-links/login?key={key}", {"password": "s3cret"}, format="json").status_code == 201
    assert holder.get(f"/api/shared-links/me?key={key}").status_code == 200  # the cookie
    assert holder.get(f"/api/assets/{photos['shared']}?key={key}").status_code == 200


def test_wrong_link_passwords_are_throttled(api, photos):
    link = make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], password="s3cret")
    holder = APIClient()
    for _ in range(10):
        holder.post(f"/api/shared-links/login?key={link['key']}", {"password": "wrong"}, format="json")
    response = holder.post(f"/api/shared-links/login?key={link['key']}", {"password": "s3cret"}, format="json")
    assert response.status_code == 429


def test_the_owner_adds_and_removes_assets_of_an_individual_link(api, other_api, photos, tmp_path):
    link = make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]])
    theirs = upload_photo(other_api, tmp_path / "bob", color=(9, 9, 9))
    body = {"assetIds": [photos["private"], photos["shared"], theirs]}
    added = api.put(f"/api/shared-links/{link['id']}/assets", body, format="json").json()
    assert [(item["success"], item.get("error")) for item in added] == [
        (True, None),
        (False, "duplicate"),
        (False, "no_permission"),
    ]
    removed = api.delete(f"/api/shared-links/{link['id']}/assets", {"assetIds": [photos["shared"]]}, format="json")
    assert removed.json() == [{"assetId": photos["shared"], "success": True}]


def test_another_user_cannot_see_or_change_the_link(other_api, album_link):
    assert other_api.get(f"/api/shared-links/{album_link['id']}").status_code == 400
    assert other_api.delete(f"/api/shared-links/{album_link['id']}").status_code == 400
    assert other_api.get("/api/shared-links").json() == []


def test_an_album_with_a_link_is_shared(api, album_link):
    album = api.get(f"/api/albums/{album_link['album']['id']}").json()
    assert (album["shared"], album["hasSharedLink"]) == (True, True)


def test_an_upload_through_a_link_joins_its_album_owned_by_the_owner(api, user, photos, tmp_path):
    album = create_album(api, "Party", assetIds=[photos["shared"]])
    link = make_link(api, type="ALBUM", albumId=album["id"], allowUpload=True)
    guest_photo = upload_photo(holder_of(link), tmp_path / "guest", color=(4, 4, 4))
    assert Asset.objects.get(pk=guest_photo).owner_id == user.id
    assert AlbumAsset.objects.filter(album_id=album["id"], asset_id=guest_photo).exists()


def test_an_upload_through_a_link_without_upload_is_refused(album_link, tmp_path):
    with pytest.raises(AssertionError):
        upload_photo(holder_of(album_link), tmp_path / "guest", color=(4, 4, 4))
    assert Asset.objects.count() == 2


def test_a_link_without_metadata_answers_no_exif(api, photos):
    from jobs.models import Step, StepStatus
    from jobs.services import step_run, steps_enqueue

    steps_enqueue(asset_ids=[photos["shared"]], step=Step.METADATA)
    assert step_run(asset_id=photos["shared"], step=Step.METADATA) == StepStatus.DONE
    link = make_link(api, type="INDIVIDUAL", assetIds=[photos["shared"]], showMetadata=False)
    assert link["allowDownload"] is False  # no metadata, no originals (as Immich)
    holder = holder_of(link)
    assert holder.get(f"/api/assets/{photos['shared']}").json()["exifInfo"] is None
    assert holder.get("/api/shared-links/me").json()["assets"][0]["exifInfo"] is None
    assert api.get(f"/api/assets/{photos['shared']}").json()["exifInfo"] is not None

"""Downloads (issue 21, item 5): archive information split by the download archive size, and a zip of originals
streamed to the owner, album members and link holders allowed to download."""

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from assets.models import Asset
from tests.albums.test_album_members import share
from tests.albums.test_albums import create_album
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(api, tmp_path):
    return [upload_photo(api, tmp_path / str(index), color=(index * 40, 10, 10)) for index in range(3)]


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content if not response.streaming else ""
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_info_splits_the_assets_by_archive_size(api, photos):
    size = Asset.objects.get(pk=photos[0]).file_size
    info = api.post("/api/download/info", {"assetIds": photos, "archiveSize": size}, format="json").json()
    assert [len(archive["assetIds"]) for archive in info["archives"]] == [2, 1]
    assert info["totalSize"] == sum(Asset.objects.get(pk=p).file_size for p in photos)


def test_the_archive_holds_the_originals_under_their_names(api, photos):
    archive = _zip(api.post("/api/download/archive", {"assetIds": photos}, format="json"))
    assert archive.namelist() == ["photo.jpg", "photo+1.jpg", "photo+2.jpg"]
    original = Asset.objects.get(pk=photos[0]).original_path
    with open(original, "rb") as handle:
        assert archive.read("photo.jpg") == handle.read()


def test_an_archive_naming_an_unreachable_asset_is_refused(api, other_api, photos, tmp_path):
    theirs = upload_photo(other_api, tmp_path / "bob", color=(1, 1, 1))
    response = api.post("/api/download/archive", {"assetIds": [photos[0], theirs]}, format="json")
    assert response.status_code == 400


def test_an_archive_over_the_archive_size_is_refused(api, photos):
    api.put("/api/users/me/preferences", {"download": {"archiveSize": 1}}, format="json")
    response = api.post("/api/download/archive", {"assetIds": photos}, format="json")
    assert response.status_code == 400


def test_a_member_downloads_the_albums_assets(api, other_api, other_user, photos):
    album = create_album(api, assetIds=photos[:1])
    share(api, album["id"], other_user, "viewer")
    info = other_api.post("/api/download/info", {"albumId": album["id"]}, format="json").json()
    assert info["archives"][0]["assetIds"] == photos[:1]
    assert _zip(other_api.post("/api/download/archive", {"assetIds": photos[:1]}, format="json")).namelist()


def test_a_link_holder_downloads_only_when_the_link_allows(api, photos):
    album = create_album(api, assetIds=photos[:1])
    link = api.post("/api/shared-links", {"type": "ALBUM", "albumId": album["id"], "allowDownload": False},
                    format="json").json()  # fmt: skip
    holder = APIClient()
    url = f"/api/download/archive?key={link['key']}"
    assert holder.post(url, {"assetIds": photos[:1]}, format="json").status_code == 400
    api.patch(f"/api/shared-links/{link['id']}", {"allowDownload": True}, format="json")
    assert _zip(holder.post(url, {"assetIds": photos[:1]}, format="json")).namelist() == ["photo.jpg"]
    assert holder.post(url, {"assetIds": photos[1:2]}, format="json").status_code == 400

"""`PUT /api/assets/copy` as immich-go calls it when it replaces a smaller server copy (clients.md §2, G15): upload
the better file, copy albums, favourite, shared links, sidecar and stack onto it, delete the old one."""

from __future__ import annotations

from pathlib import Path

import pytest

from albums.models import AlbumAsset
from assets.models import Asset
from jobs.models import AssetStep, Step, StepStatus
from stacks.models import Stack
from tests.assets.helpers import upload_file, upload_photo
from tests.media_factories import make_jpeg

pytestmark = pytest.mark.django_db

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'


def copy(client, source, target, **options):
    return client.put("/api/assets/copy", {"sourceId": source, "targetId": target, **options}, format="json")


@pytest.fixture
def pair(api, tmp_path) -> tuple[str, str]:
    return upload_photo(api, tmp_path, "old.jpg", color=(1, 2, 3)), upload_photo(api, tmp_path, "new.jpg")


def test_copy_gives_the_target_the_albums_and_favorite(api, pair):
    old, new = pair
    album = api.post("/api/albums", {"albumName": "Trip", "assetIds": [old]}, format="json").json()
    api.put(f"/api/assets/{old}", {"isFavorite": True}, format="json")
    assert copy(api, old, new).status_code == 204
    assert AlbumAsset.objects.filter(album_id=album["id"], asset_id=new).exists()
    assert api.get(f"/api/assets/{new}").json()["isFavorite"] is True


def test_copy_of_the_stack_puts_the_target_on_top(api, pair, tmp_path):
    old, new = pair
    burst = upload_photo(api, tmp_path, "burst.jpg", color=(90, 200, 30))
    stack = api.post("/api/stacks", {"assetIds": [old, burst]}, format="json").json()
    assert copy(api, old, new).status_code == 204
    body = api.get(f"/api/assets/{new}").json()["stack"]
    assert body == {"id": stack["id"], "primaryAssetId": new, "assetCount": 3}


def test_copy_with_options_off_copies_nothing(api, pair):
    old, new = pair
    api.post("/api/albums", {"albumName": "Trip", "assetIds": [old]}, format="json")
    api.put(f"/api/assets/{old}", {"isFavorite": True}, format="json")
    assert copy(api, old, new, albums=False, favorite=False, stack=False, sidecar=False).status_code == 204
    assert not AlbumAsset.objects.filter(asset_id=new).exists()
    assert api.get(f"/api/assets/{new}").json()["isFavorite"] is False


def test_copy_of_the_sidecar_is_a_file_of_the_target_read_again(api, tmp_path):
    sidecar = tmp_path / "old.xmp"
    sidecar.write_bytes(XMP)
    with sidecar.open("rb") as handle:
        old = upload_file(api, make_jpeg(tmp_path / "old.jpg", color=(1, 2, 3)), sidecarData=handle)["id"]
    new = upload_photo(api, tmp_path, "new.jpg")
    AssetStep.objects.filter(asset_id=new).update(status=StepStatus.DONE)
    assert copy(api, old, new).status_code == 204
    source, target = Asset.objects.get(pk=old), Asset.objects.get(pk=new)
    assert target.sidecar_path != source.sidecar_path
    assert Path(target.sidecar_path).read_bytes() == XMP and Path(source.sidecar_path).exists()
    assert AssetStep.objects.get(asset_id=new, step=Step.METADATA).status == StepStatus.PENDING


def test_copy_between_two_users_assets_is_refused(api, other_api, tmp_path):
    mine = upload_photo(api, tmp_path, "mine.jpg")
    theirs = upload_photo(other_api, tmp_path, "theirs.jpg", color=(1, 2, 3))
    api.put(f"/api/assets/{mine}", {"isFavorite": True}, format="json")
    response = copy(api, mine, theirs)
    assert response.status_code == 400
    assert Asset.objects.get(pk=theirs).is_favorite is False


def test_copy_onto_itself_is_refused(api, pair):
    response = copy(api, pair[0], pair[0])
    assert (response.status_code, response.json()["message"]) == (400, "Source and target id must be distinct")
    assert not Stack.objects.exists()

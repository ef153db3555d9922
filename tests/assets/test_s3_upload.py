"""Uploads with the S3 backend, against moto's S3 server over HTTP: the streamed file is put to its key (multipart
when large) before the row commits, the database keeps the same path as on the filesystem, the media root and the
scratch folder end empty, and a refused upload leaves no object."""

import os

import pytest
from boto3.s3.transfer import TransferConfig
from django.db import OperationalError, connections

from accounts.models import User
from assets.models import Asset
from immich import storage
from immich.storage_s3 import S3Backend
from tests.assets.helpers import upload_file
from tests.assets.test_tus import new_upload, send_all
from tests.media_factories import make_jpeg, make_xmp
from tests.s3 import stored_files

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


def key_of(path: str) -> str:
    return storage.key_of(path)


def test_an_upload_is_stored_as_an_object_at_its_path_key(api, tmp_path, media_root, s3):
    photo = make_jpeg(tmp_path / "photo.jpg")
    asset = Asset.objects.get(pk=upload_file(api, photo)["id"])
    assert asset.original_path.startswith(f"{media_root}/upload/{asset.owner_id}/")
    assert s3.keys() == {key_of(asset.original_path)}
    assert s3.read(key_of(asset.original_path)) == photo.read_bytes()
    assert stored_files(media_root) == [] and stored_files(tmp_path / "scratch") == []


def test_the_stored_object_keeps_the_client_modification_time(api, tmp_path, s3):
    asset = Asset.objects.get(pk=upload_file(api, make_jpeg(tmp_path / "photo.jpg"))["id"])
    assert storage.stat(asset.original_path).mtime_ns // 1_000_000_000 == int(asset.file_modified_at.timestamp())


def test_a_sidecar_is_stored_beside_its_original(api, tmp_path, s3):
    xmp = make_xmp(tmp_path / "photo.jpg.xmp")
    with open(xmp, "rb") as handle:
        asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), sidecarData=handle)["id"]
    asset = Asset.objects.get(pk=asset_id)
    assert s3.keys() == {key_of(asset.original_path), key_of(asset.sidecar_path)}
    assert s3.read(key_of(asset.sidecar_path)) == xmp.read_bytes()


def test_a_large_upload_goes_up_in_parts(api, tmp_path, settings, s3):
    settings.STORAGES = {
        **settings.STORAGES,
        "media": s3.settings(transfer_config=TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)),
    }
    big = tmp_path / "big.jpg"
    big.write_bytes(os.urandom(11 * MIB))
    asset = Asset.objects.get(pk=upload_file(api, big)["id"])
    assert s3.head(key_of(asset.original_path))["ETag"].endswith('-3"')  # a multipart upload of three parts
    assert s3.read(key_of(asset.original_path)) == big.read_bytes()


def test_an_upload_over_quota_leaves_no_object(api, user, tmp_path, media_root, s3):
    User.objects.filter(pk=user.pk).update(quota_size_in_bytes=10)
    with open(make_jpeg(tmp_path / "photo.jpg"), "rb") as handle:
        response = api.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": "2021-01-01T00:00:00Z", "fileModifiedAt": "2021-01-01T00:00:00Z"},
            format="multipart",
        )
    assert response.status_code == 400
    assert s3.keys() == set() and not Asset.objects.exists()
    assert stored_files(media_root) == [] and stored_files(tmp_path / "scratch") == []


def test_a_duplicate_upload_stores_nothing_more(api, tmp_path, s3):
    photo = make_jpeg(tmp_path / "photo.jpg")
    first = upload_file(api, photo)
    assert upload_file(api, photo) == {"id": first["id"], "status": "duplicate"}
    assert len(s3.keys()) == 1


def test_a_resumable_upload_is_staged_in_scratch_and_stored_when_complete(api, tmp_path, media_root, s3):
    data = make_jpeg(tmp_path / "photo.jpg", size=(300, 200)).read_bytes()
    url = new_upload(api, len(data), filename="photo.jpg")
    assert stored_files(tmp_path / "scratch") != [] and s3.keys() == set()
    send_all(api, url, data, chunk=len(data) // 3 + 1)
    asset = Asset.objects.get()
    assert s3.keys() == {key_of(asset.original_path)}
    assert s3.read(key_of(asset.original_path)) == data
    assert stored_files(media_root) == [] and stored_files(tmp_path / "scratch") == []


def _row_free(model, pk) -> bool:
    """Whether another connection could lock the row now, without waiting."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE NOWAIT', [pk])
        return True
    except OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_finishing_a_resumable_upload_leaves_the_owner_row_free_while_the_file_is_stored(
    api, user, tmp_path, s3, monkeypatch
):
    data = make_jpeg(tmp_path / "photo.jpg", size=(300, 200)).read_bytes()
    url = new_upload(api, len(data), filename="photo.jpg")
    owner_free_while_storing = []
    store = S3Backend.put

    def store_watching_the_owner_row(backend, local, key):
        owner_free_while_storing.append(_row_free(User, user.pk))
        store(backend, local, key)

    monkeypatch.setattr(S3Backend, "put", store_watching_the_owner_row)
    send_all(api, url, data, chunk=len(data))
    assert owner_free_while_storing == [True]
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == len(data)  # the reservation became the asset's charge

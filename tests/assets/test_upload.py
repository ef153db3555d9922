import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assets.models import Asset
from tests.conftest import invalid_fields
from tests.media_factories import make_jpeg, make_xmp

CREATED = "2021-06-15T10:30:00.000Z"
MODIFIED = "2021-06-16T08:00:00.000Z"


def upload(client, path: Path, **extra):
    with open(path, "rb") as handle:
        data = {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, **extra}
        return client.post("/api/assets", data, format="multipart")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_upload_creates_asset_and_stores_original_untouched(api, user, tmp_path, media_root):
    photo = make_jpeg(tmp_path / "photo.jpg")
    response = upload(api, photo)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "created"
    asset = Asset.objects.get(pk=response.json()["id"])
    stored = Path(asset.original_path)
    assert stored.read_bytes() == photo.read_bytes()
    assert stored.parent.parent.parent == media_root / "upload" / str(user.id)
    assert stored.name == f"{stored.stem}.jpg" and stored.parent.name == stored.stem[2:4]
    assert bytes(asset.checksum) == hashlib.sha1(photo.read_bytes()).digest()
    assert asset.original_file_name == "photo.jpg"


@pytest.mark.django_db
def test_stored_file_mtime_is_file_modified_at(api, tmp_path):
    response = upload(api, make_jpeg(tmp_path / "photo.jpg"))
    stored = Path(Asset.objects.get(pk=response.json()["id"]).original_path)
    expected = datetime(2021, 6, 16, 8, 0, tzinfo=timezone.utc).timestamp()
    assert os.stat(stored).st_mtime == expected


@pytest.mark.django_db
def test_same_file_twice_is_a_duplicate_and_leaves_nothing(api, tmp_path, media_root):
    photo = make_jpeg(tmp_path / "photo.jpg")
    first = upload(api, photo).json()
    before = files_under(media_root)
    second = upload(api, photo)
    assert second.status_code == 200
    assert second.json() == {"id": first["id"], "status": "duplicate"}
    assert files_under(media_root) == before
    assert Asset.objects.count() == 1


@pytest.mark.django_db
def test_trashed_asset_still_counts_as_duplicate(api, tmp_path):
    photo = make_jpeg(tmp_path / "photo.jpg")
    first = upload(api, photo).json()
    api.delete("/api/assets", {"ids": [first["id"]]}, format="json")
    assert upload(api, photo).json() == {"id": first["id"], "status": "duplicate"}


@pytest.mark.django_db
def test_checksum_header_answers_before_the_body(api, tmp_path, media_root):
    photo = make_jpeg(tmp_path / "photo.jpg")
    first = upload(api, photo).json()
    before = files_under(media_root)
    checksum = hashlib.sha1(photo.read_bytes()).hexdigest()
    response = api.post(
        "/api/assets",
        b"not a multipart body",
        content_type="multipart/form-data; boundary=x",
        HTTP_X_IMMICH_CHECKSUM=checksum,
    )
    assert response.status_code == 200
    assert response.json() == {"id": first["id"], "status": "duplicate"}
    assert files_under(media_root) == before


@pytest.mark.django_db
def test_another_user_uploading_the_same_file_gets_a_new_asset(api, other_api, tmp_path):
    photo = make_jpeg(tmp_path / "photo.jpg")
    mine = upload(api, photo).json()
    theirs = upload(other_api, photo)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine["id"]


@pytest.mark.django_db
def test_unsupported_type_is_refused_and_nothing_is_left(api, tmp_path, media_root):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    response = upload(api, text)
    assert response.status_code == 400
    assert "Unsupported file type notes.txt" in response.json()["message"]
    assert files_under(media_root) == []
    assert Asset.objects.count() == 0


@pytest.mark.django_db
def test_zero_byte_file_is_refused_and_nothing_is_left(api, tmp_path, media_root):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    response = upload(api, empty)
    assert response.status_code == 400
    assert "empty" in response.json()["message"]
    assert files_under(media_root) == []


@pytest.mark.django_db
def test_missing_field_is_refused_and_nothing_is_left(api, tmp_path, media_root):
    with open(make_jpeg(tmp_path / "photo.jpg"), "rb") as handle:
        response = api.post("/api/assets", {"assetData": handle, "fileCreatedAt": CREATED}, format="multipart")
    assert invalid_fields(response) == ["fileModifiedAt"]
    assert files_under(media_root) == []


@pytest.mark.django_db
def test_filename_field_overrides_the_multipart_name(api, tmp_path):
    photo = make_jpeg(tmp_path / "upload.bin.jpg")
    response = upload(api, photo, filename="Ünïcödé holiday.jpg")
    asset = Asset.objects.get(pk=response.json()["id"])
    assert asset.original_file_name == "Ünïcödé holiday.jpg"


@pytest.mark.django_db
def test_sidecar_is_stored_beside_the_original(api, tmp_path):
    photo = make_jpeg(tmp_path / "photo.jpg")
    sidecar = make_xmp(tmp_path / "photo.xmp")
    with open(photo, "rb") as data, open(sidecar, "rb") as side:
        response = api.post(
            "/api/assets",
            {"assetData": data, "sidecarData": side, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED},
            format="multipart",
        )
    asset = Asset.objects.get(pk=response.json()["id"])
    assert Path(asset.sidecar_path).read_bytes() == sidecar.read_bytes()
    assert Path(asset.sidecar_path).suffix == ".xmp"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "duration, expected",
    [
        ("5000", 5000),
        ("2500.4", 2500),
        ("0:00:05.000000", 5000),
        ("1:02:03.5", 3723500),
        ("0", None),
    ],
)
def test_duration_accepts_milliseconds_and_legacy_text(api, tmp_path, duration, expected):
    response = upload(api, make_jpeg(tmp_path / "photo.jpg"), duration=duration, deviceAssetId="a", deviceId="cli")
    assert Asset.objects.get(pk=response.json()["id"]).duration_ms == expected


@pytest.mark.django_db
def test_quota_exceeded_is_refused_and_nothing_is_left(api, user, tmp_path, media_root):
    user.quota_size_in_bytes = 10
    user.save()
    response = upload(api, make_jpeg(tmp_path / "photo.jpg"))
    assert response.status_code == 400
    assert response.json()["message"] == "Quota has been exceeded!"
    assert files_under(media_root) == []


def test_upload_requires_credentials(anonymous, tmp_path, db):
    response = upload(anonymous, make_jpeg(tmp_path / "photo.jpg"))
    assert response.status_code == 401


@pytest.mark.django_db
def test_api_key_without_upload_permission_is_refused(user, tmp_path):
    from tests.conftest import client_for

    response = upload(client_for(user, ["asset.read"]), make_jpeg(tmp_path / "photo.jpg"))
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: asset.upload"

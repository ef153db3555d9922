"""Resumable uploads (tus 1.0) through the Django test client: the protocol's edge cases, the staging file on
disk, the quota, duplicates and expiry. The real tus client against live processes is in test_tus_live.py."""

import base64
import fcntl
import hashlib
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone as django_timezone

from accounts.models import User
from assets.models import Asset, AssetStatus, TusUpload
from assets.uploads import tus
from assets.uploads.resumable_sha1 import ResumableSha1
from jobs.registry import beat_schedule
from tests.assets.helpers import CREATED, MODIFIED, upload_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def metadata_header(filename="clip.mp4", **fields) -> str:
    values = {"filename": filename, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, **fields}
    return ",".join(f"{key} {b64(value)}" for key, value in values.items())


def create(client, length: int, *, body: bytes = b"", headers: dict | None = None, **fields):
    all_headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata_header(**fields), **(headers or {})}
    return client.generic("POST", "/api/upload/", body, content_type=OCTETS if body else "", headers=all_headers)


def new_upload(client, length: int, **fields) -> str:
    response = create(client, length, **fields)
    assert response.status_code == 201, response.content
    return "/api/upload/" + response["Location"]


def patch(client, url: str, data: bytes, offset: int, *, checksum: str | None = None, content_type=OCTETS, **headers):
    all_headers = {**TUS, "Upload-Offset": str(offset), **headers}
    if checksum:
        all_headers["Upload-Checksum"] = checksum
    return client.generic("PATCH", url, data, content_type=content_type, headers=all_headers)


def head(client, url: str):
    return client.generic("HEAD", url, headers=TUS)


def sha1_header(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def staging_of(url: str) -> Path:
    return Path(TusUpload.objects.get(pk=url.rsplit("/", 1)[1]).staging_path)


def send_all(client, url: str, data: bytes, chunk: int):
    response = None
    for offset in range(0, len(data), chunk):
        response = patch(client, url, data[offset : offset + chunk], offset)
        assert response.status_code == 204, response.content
        assert response["Upload-Offset"] == str(min(offset + chunk, len(data)))
    return response


# ---------------------------------------------------------------------------------------------- SHA-1 state


def test_resumable_sha1_restored_between_pieces_equals_hashlib():
    data = os.urandom(3 * MIB + 12345)
    cuts = [0, 1, 63, 64, 65, 1000, MIB, 2 * MIB + 7, len(data)]
    state = ResumableSha1().state()
    for start, end in zip(cuts, cuts[1:]):
        hasher = ResumableSha1(state)  # a new object per piece, as a new request would make it
        hasher.update(data[start:end])
        state = hasher.state()
        assert hasher.digest() == hashlib.sha1(data[:end]).digest()
    assert ResumableSha1(state).hexdigest() == hashlib.sha1(data).hexdigest()
    assert ResumableSha1().digest() == hashlib.sha1(b"").digest()


# ---------------------------------------------------------------------------------------------- discovery, creation


def test_options_advertises_the_protocol_without_credentials(anonymous, settings):
    settings.TUS_MAX_SIZE = 5 * 1024**3
    response = anonymous.options("/api/upload/")
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "termination", "checksum", "expiration",
    }  # fmt: skip
    assert "sha1" in response["Tus-Checksum-Algorithm"].split(",")
    assert response["Tus-Max-Size"] == str(5 * 1024**3)


def test_create_reserves_quota_and_an_empty_staging_file_in_the_upload_folder(api, user, media_root):
    response = create(api, 3000)
    assert response.status_code == 201, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Upload-Offset"] == "0"
    assert response["Upload-Expires"].endswith("GMT")
    url = "/api/upload/" + response["Location"]
    staging = staging_of(url)
    assert staging.is_file() and staging.stat().st_size == 0
    assert staging.suffix == ".part" and staging.parent.parent.parent == media_root / "upload" / str(user.id)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == 3000


def test_head_reports_offset_length_metadata_and_no_caching(api):
    url = new_upload(api, 100, deviceAssetId="phone-1")
    patch(api, url, b"x" * 40, 0)
    response = head(api, url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "40"
    assert response["Upload-Length"] == "100"
    assert response["Cache-Control"] == "no-store"
    assert "Upload-Expires" in response
    sent = dict(pair.split(" ") for pair in response["Upload-Metadata"].split(","))
    assert base64.b64decode(sent["filename"]).decode() == "clip.mp4"
    assert base64.b64decode(sent["deviceAssetId"]).decode() == "phone-1"


@pytest.mark.parametrize(
    ("length", "fields", "message"),
    [
        ("0", {}, "empty"),
        ("12", {"filename": "notes.txt"}, "Unsupported file type"),
        ("12", {"fileCreatedAt": "yesterday"}, "fileCreatedAt"),
        ("-5", {}, "Upload-Length"),
    ],
)
def test_create_refuses_bad_input_and_leaves_nothing(api, media_root, length, fields, message):
    response = api.generic(
        "POST", "/api/upload/",
        headers={**TUS, "Upload-Length": length, "Upload-Metadata": metadata_header(**fields)},
    )  # fmt: skip
    assert response.status_code == 400
    assert message in str(response.json().get("errors", response.json()["message"]))
    assert TusUpload.objects.count() == 0
    assert not (media_root / "upload").exists() or not any((media_root / "upload").rglob("*.part"))


def test_create_requires_a_filename(api):
    header = f"fileCreatedAt {b64(CREATED)},fileModifiedAt {b64(MODIFIED)}"
    response = api.generic("POST", "/api/upload/", headers={**TUS, "Upload-Length": "5", "Upload-Metadata": header})
    assert response.status_code == 400
    assert "filename" in response.json()["message"]


def test_create_over_the_max_size_is_413(api, settings):
    settings.TUS_MAX_SIZE = 1000
    assert create(api, 1001).status_code == 413


def test_create_past_the_remaining_quota_is_refused(api, user):
    User.objects.filter(pk=user.pk).update(quota_size_in_bytes=10_000, quota_usage_in_bytes=4_000)
    user.refresh_from_db()
    refused = create(api, 6_001)
    assert refused.status_code == 413 and refused.json()["message"] == "Quota has been exceeded!"
    assert create(api, 6_000).status_code == 201
    # The staged upload holds its space: nothing more fits.
    assert create(api, 1).status_code == 413
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == 10_000


def test_missing_or_other_tus_version_is_412(api):
    response = api.generic("POST", "/api/upload/", headers={"Upload-Length": "5", "Upload-Metadata": metadata_header()})
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    response = create(api, 5, headers={"Tus-Resumable": "0.2.2"})
    assert response.status_code == 412


def test_needs_credentials_and_the_upload_permission(anonymous, user):
    assert create(anonymous, 5).status_code == 401
    assert create(client_for(user, ["asset.read"]), 5).status_code == 403
    assert create(client_for(user, ["asset.upload"]), 5).status_code == 201


def test_creation_with_upload_takes_the_first_bytes(api):
    data = os.urandom(5000)
    response = create(api, len(data), body=data[:2000])
    assert response.status_code == 201
    assert response["Upload-Offset"] == "2000"
    url = "/api/upload/" + response["Location"]
    assert patch(api, url, data[2000:], 2000).status_code == 204


def test_creation_with_the_whole_file_answers_the_asset(api):
    data = os.urandom(5000)
    response = create(api, len(data), body=data)
    assert response.status_code == 201
    assert response["X-Immich-Asset-Status"] == "created"
    asset = Asset.objects.get(pk=response["X-Immich-Asset-Id"])
    assert Path(asset.original_path).read_bytes() == data


def test_location_resolves_against_the_request_url(api):
    response = create(api, 10)
    assert response["Location"] == str(TusUpload.objects.get().id)  # relative: "/api/upload/" + id


# ---------------------------------------------------------------------------------------------- append, finish


def test_chunks_become_an_asset_renamed_in_place_like_a_plain_upload(api, user, media_root):
    data = os.urandom(3 * MIB + 17)
    url = new_upload(api, len(data), filename="holiday.mp4", isFavorite="true", duration="0:00:12.500000")
    staging = staging_of(url)
    response = send_all(api, url, data, MIB)
    assert response["X-Immich-Asset-Status"] == "created"
    asset = Asset.objects.get(pk=response["X-Immich-Asset-Id"])
    original = Path(asset.original_path)
    assert original.read_bytes() == data
    assert original.parent == staging.parent and original.name == f"{staging.stem}.mp4"  # same folder: no copy
    assert not staging.exists()
    assert bytes(asset.checksum) == hashlib.sha1(data).digest()
    assert asset.original_file_name == "holiday.mp4" and asset.type == "VIDEO"
    assert asset.is_favorite and asset.duration_ms == 12500 and asset.file_size == len(data)
    assert os.stat(original).st_mtime == datetime(2021, 6, 16, 8, 0, tzinfo=timezone.utc).timestamp()
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == len(data)  # the reservation became the asset's charge
    assert [p for p in media_root.rglob("*.part")] == []


def test_finished_upload_keeps_answering_its_outcome(api):
    data = os.urandom(100)
    url = new_upload(api, len(data))
    asset_id = patch(api, url, data, 0)["X-Immich-Asset-Id"]
    response = head(api, url)
    assert response["Upload-Offset"] == "100" and response["X-Immich-Asset-Id"] == asset_id
    again = patch(api, url, b"", 100)  # a client that lost the last answer
    assert again.status_code == 204 and again["X-Immich-Asset-Id"] == asset_id
    assert Asset.objects.count() == 1


def test_wrong_offset_is_409_and_writes_nothing(api):
    url = new_upload(api, 100)
    assert patch(api, url, b"a" * 10, 0).status_code == 204
    response = patch(api, url, b"b" * 10, 5)
    assert response.status_code == 409
    assert "does not match" in response.json()["message"]
    assert staging_of(url).read_bytes() == b"a" * 10
    assert head(api, url)["Upload-Offset"] == "10"


def test_out_of_order_chunk_is_409(api):
    data = os.urandom(300)
    url = new_upload(api, len(data))
    assert patch(api, url, data[100:200], 100).status_code == 409  # the second chunk before the first
    assert patch(api, url, data[:100], 0).status_code == 204
    assert patch(api, url, data[200:], 200).status_code == 409
    assert patch(api, url, data[100:200], 100).status_code == 204
    response = patch(api, url, data[200:], 200)
    assert bytes(Asset.objects.get(pk=response["X-Immich-Asset-Id"]).checksum) == hashlib.sha1(data).digest()


def test_chunk_checksum_mismatch_is_460_and_the_chunk_is_discarded(api):
    data = os.urandom(2000)
    url = new_upload(api, len(data))
    assert patch(api, url, data[:1000], 0, checksum=sha1_header(data[:1000])).status_code == 204
    response = patch(api, url, data[1000:], 1000, checksum=sha1_header(b"something else"))
    assert response.status_code == 460
    assert response.json()["error"] == "Checksum Mismatch"
    assert staging_of(url).stat().st_size == 1000
    assert head(api, url)["Upload-Offset"] == "1000"
    response = patch(api, url, data[1000:], 1000, checksum=sha1_header(data[1000:]))
    assert response.status_code == 204
    assert bytes(Asset.objects.get(pk=response["X-Immich-Asset-Id"]).checksum) == hashlib.sha1(data).digest()


def test_sha256_chunk_checksum_is_accepted_and_unknown_algorithms_refused(api):
    url = new_upload(api, 20)
    digest = base64.b64encode(hashlib.sha256(b"x" * 10).digest()).decode()
    assert patch(api, url, b"x" * 10, 0, checksum=f"sha256 {digest}").status_code == 204
    assert patch(api, url, b"x" * 10, 10, checksum="crc32 AAAA").status_code == 400


def test_patch_needs_the_offset_content_type(api):
    url = new_upload(api, 10)
    assert patch(api, url, b"x" * 10, 0, content_type="application/octet-stream").status_code == 415


def test_chunk_past_upload_length_is_413(api):
    url = new_upload(api, 10)
    assert patch(api, url, b"x" * 11, 0).status_code == 413
    assert staging_of(url).stat().st_size == 0


def test_bytes_past_the_offset_left_by_a_crashed_writer_are_cut(api):
    data = os.urandom(200)
    url = new_upload(api, len(data))
    patch(api, url, data[:100], 0)
    with open(staging_of(url), "ab") as staging:
        staging.write(b"garbage from a writer that died before committing")
    response = patch(api, url, data[100:], 100)
    assert Path(Asset.objects.get(pk=response["X-Immich-Asset-Id"]).original_path).read_bytes() == data


def test_lost_staging_file_ends_the_upload_with_410(api, user):
    url = new_upload(api, 10)
    staging_of(url).unlink()
    assert patch(api, url, b"x" * 10, 0).status_code == 410
    assert TusUpload.objects.count() == 0
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == 0


def test_acknowledged_bytes_missing_after_a_crash_end_the_upload(api):
    url = new_upload(api, 100)
    patch(api, url, b"x" * 60, 0)
    with open(staging_of(url), "r+b") as staging:
        staging.truncate(30)  # what a power loss before writeback leaves
    assert patch(api, url, b"x" * 40, 60).status_code == 410
    assert TusUpload.objects.count() == 0


def test_a_second_writer_is_refused_while_one_writes(api):
    url = new_upload(api, 10)
    with open(staging_of(url), "r+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        assert patch(api, url, b"x" * 10, 0).status_code == 423
    assert patch(api, url, b"x" * 10, 0).status_code == 204


def test_method_override_for_clients_without_patch(api):
    url = new_upload(api, 4)
    response = api.generic(
        "POST", url, b"abcd", content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )  # fmt: skip
    assert response.status_code == 204 and response["X-Immich-Asset-Status"] == "created"


# ---------------------------------------------------------------------------------------------- duplicates


def test_duplicate_detected_at_the_end_leaves_no_staging_file(api, user, tmp_path, media_root):
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(5000))
    plain = upload_file(api, source)
    usage = User.objects.get(pk=user.pk).quota_usage_in_bytes
    url = new_upload(api, 5000)
    staging = staging_of(url)
    response = send_all(api, url, source.read_bytes(), 2000)
    assert response["X-Immich-Asset-Status"] == "duplicate"
    assert response["X-Immich-Asset-Id"] == plain["id"]
    assert not staging.exists()
    assert Asset.objects.count() == 1
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == usage  # reservation given back, nothing charged
    assert [p for p in media_root.rglob("*.part")] == []


def test_a_trashed_asset_is_a_duplicate_too(api, tmp_path):
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(300))
    plain = upload_file(api, source)
    Asset.objects.filter(pk=plain["id"]).update(status=AssetStatus.TRASHED, deleted_at=django_timezone.now())
    url = new_upload(api, 300)
    response = patch(api, url, source.read_bytes(), 0)
    assert response["X-Immich-Asset-Status"] == "duplicate" and response["X-Immich-Asset-Id"] == plain["id"]


def test_same_file_for_another_user_is_not_a_duplicate(api, other_api, tmp_path):
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(300))
    upload_file(api, source)
    url = new_upload(other_api, 300)
    assert patch(other_api, url, source.read_bytes(), 0)["X-Immich-Asset-Status"] == "created"


# ---------------------------------------------------------------------------------------------- ownership, termination


def test_another_users_upload_is_not_found(api, other_api):
    url = new_upload(api, 10)
    assert head(other_api, url).status_code == 404
    assert patch(other_api, url, b"x" * 10, 0).status_code == 404
    assert other_api.generic("DELETE", url, headers=TUS).status_code == 404
    assert head(api, url).status_code == 200


def test_delete_removes_the_staging_file_and_gives_the_quota_back(api, user):
    url = new_upload(api, 1000)
    patch(api, url, b"x" * 400, 0)
    staging = staging_of(url)
    response = api.generic("DELETE", url, headers=TUS)
    assert response.status_code == 204
    assert not staging.exists()
    assert TusUpload.objects.count() == 0
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == 0
    assert head(api, url).status_code == 404


def test_refused_at_the_end_leaves_nothing(api, user, media_root):
    url = new_upload(api, 10)
    # The quota was lowered while the bytes were on their way (the reservation alone would have fit).
    User.objects.filter(pk=user.pk).update(quota_size_in_bytes=5)
    response = patch(api, url, b"x" * 10, 0)
    assert response.status_code == 400
    assert response.json()["message"] == "Quota has been exceeded!"
    assert TusUpload.objects.count() == 0 and Asset.objects.count() == 0
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == 0


# ---------------------------------------------------------------------------------------------- expiry


def test_expires_header_follows_the_setting(api, settings):
    settings.TUS_EXPIRY_HOURS = 2
    url = new_upload(api, 10)
    upload = TusUpload.objects.get()
    assert timedelta(hours=1, minutes=59) < upload.expires_at - django_timezone.now() <= timedelta(hours=2)
    assert head(api, url)["Upload-Expires"]


def test_expired_upload_is_gone_then_cleaned_up_with_its_file_and_reservation(api, user):
    expired_url = new_upload(api, 1000)
    patch(api, expired_url, b"x" * 300, 0)
    kept_url = new_upload(api, 500)
    expired_staging, kept_staging = staging_of(expired_url), staging_of(kept_url)
    TusUpload.objects.filter(pk=expired_url.rsplit("/", 1)[1]).update(
        expires_at=django_timezone.now() - timedelta(minutes=1)
    )
    assert head(api, expired_url).status_code == 410
    assert patch(api, expired_url, b"x", 300).status_code == 410

    assert tus.tus_uploads_expire() == 1
    assert not expired_staging.exists() and kept_staging.exists()
    assert head(api, expired_url).status_code == 404
    assert User.objects.get(pk=user.pk).quota_usage_in_bytes == 500
    assert tus.tus_uploads_expire() == 0  # a second run does nothing


def test_expiry_skips_an_upload_being_written(api):
    url = new_upload(api, 10)
    TusUpload.objects.update(expires_at=django_timezone.now() - timedelta(minutes=1))
    with open(staging_of(url), "r+b") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        assert tus.tus_uploads_expire() == 0
    assert tus.tus_uploads_expire() == 1


def test_expired_finished_upload_row_goes_and_its_asset_stays(api):
    url = new_upload(api, 10)
    asset_id = patch(api, url, b"y" * 10, 0)["X-Immich-Asset-Id"]
    TusUpload.objects.update(expires_at=django_timezone.now() - timedelta(minutes=1))
    assert tus.tus_uploads_expire() == 1
    assert Path(Asset.objects.get(pk=asset_id).original_path).read_bytes() == b"y" * 10


def test_expiry_runs_periodically():
    entry = next(e for e in beat_schedule().values() if e["task"] == "TusUploadsExpire")
    assert entry["schedule"] <= 3600
    from assets.uploads.tasks import expire_tus_uploads

    assert expire_tus_uploads.name == "TusUploadsExpire"


@pytest.fixture
def exif_insert_fails_like_a_lost_database(db):
    """A trigger makes the asset's EXIF row fail with a connection error (SQLSTATE 08006), inside the transaction
    that finishes an upload, after its file was stored."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION test_lost_database() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'the database went away' USING ERRCODE = '08006'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_lost_database BEFORE INSERT ON assets_assetexif
                FOR EACH ROW EXECUTE FUNCTION test_lost_database();
        """)
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_lost_database ON assets_assetexif; DROP FUNCTION test_lost_database();")


def test_a_database_error_at_the_end_keeps_the_bytes_for_a_retry(
    api, media_root, exif_insert_fails_like_a_lost_database
):
    data = os.urandom(1000)
    url = new_upload(api, len(data))
    assert patch(api, url, data, 0).status_code == 503
    assert staging_of(url).read_bytes() == data  # back in staging, nowhere else
    assert Asset.objects.count() == 0 and not [path for path in media_root.rglob("*") if path.suffix == ".mp4"]

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE assets_assetexif DISABLE TRIGGER test_lost_database")
    retried = patch(api, url, b"", len(data))  # the client repeats the last request: the upload ends now
    assert retried.status_code == 204
    asset = Asset.objects.get(pk=retried["X-Immich-Asset-Id"])
    assert Path(asset.original_path).read_bytes() == data

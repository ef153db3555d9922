"""Plain regression tests for the server errors (500) that schema fuzzing found (test_schema_fuzzing.py), and that
hand-written hostile requests found where the schema leaves a value free-form (JSON metadata, the system config, tus
headers): numbers past 64 bits, NUL characters that PostgreSQL refuses, a date past year 9999."""

from __future__ import annotations

import base64
import json

import pytest

from accounts.models import User
from assets.models import Asset, TusUpload
from jobs.system_config import config_get
from tests.assets.helpers import CREATED, MODIFIED, upload_file
from tests.conftest import invalid_fields
from tests.media_factories import make_jpeg, make_mp4

pytestmark = pytest.mark.django_db


def test_a_people_page_past_the_databases_offsets_is_a_400(api):
    """`page` times `size` overflowed PostgreSQL's 64-bit OFFSET."""
    response = api.get("/api/people?page=638169614227080448")
    assert invalid_fields(response) == ["page"]


@pytest.mark.parametrize("duration", ["99999999999999999999", "9999999999999:00:00.000"])
def test_an_upload_duration_past_64_bits_is_a_400_and_stores_nothing(api, tmp_path, media_root, duration):
    with open(make_mp4(tmp_path / "clip.mp4"), "rb") as handle:
        response = api.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, "duration": duration},
            format="multipart",
        )  # fmt: skip
    assert invalid_fields(response) == ["duration"]
    assert not Asset.objects.exists() and not [path for path in media_root.rglob("*") if path.is_file()]


def test_a_quota_past_64_bits_is_a_400(admin_api, user):
    response = admin_api.put(f"/api/admin/users/{user.id}", {"quotaSizeInBytes": 2**63}, format="json")
    assert invalid_fields(response) == ["quotaSizeInBytes"]
    assert User.objects.get(pk=user.pk).quota_size_in_bytes is None


def test_an_album_filter_that_is_not_an_id_is_a_400(api):
    response = api.get("/api/albums?assetId=not-a-uuid")
    assert invalid_fields(response) == ["assetId"]


def test_a_normal_upload_duration_is_still_accepted(api, tmp_path):
    asset_id = upload_file(api, make_mp4(tmp_path / "clip.mp4"), duration="0:00:01.500000")["id"]
    assert Asset.objects.get(pk=asset_id).duration_ms == 1500


def test_upload_metadata_with_a_nul_character_is_a_400_and_stores_nothing(api, tmp_path, media_root):
    with open(make_jpeg(tmp_path / "photo.jpg"), "rb") as handle:
        response = api.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED,
             "metadata": json.dumps([{"key": "mobile-app", "value": "a\u0000b"}])},
            format="multipart",
        )  # fmt: skip
    assert invalid_fields(response) == ["metadata"] and "NUL" in response.json()["errors"][0]["message"]
    assert not Asset.objects.exists() and not [path for path in media_root.rglob("*") if path.is_file()]


def test_resumable_upload_metadata_with_a_nul_character_is_a_400(api):
    fields = {"filename": "photo.jpg", "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, "note": "a\x00b"}
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items())
    response = api.generic(
        "POST", "/api/upload/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": metadata}
    )
    assert response.status_code == 400 and "NUL" in response.json()["message"]
    assert not TusUpload.objects.exists()


def test_a_system_config_string_with_a_nul_character_is_a_400(admin_api):
    config = admin_api.get("/api/system-config").json()
    config["storageTemplate"]["template"] = "{{y}}/a\u0000b/{{filename}}"
    response = admin_api.put("/api/system-config", config, format="json")
    assert (
        response.status_code == 400 and "storageTemplate.template: must not contain NUL" in response.json()["message"]
    )
    assert "\x00" not in config_get()["storageTemplate"]["template"]


def test_the_timeline_bucket_of_the_last_month_a_date_can_name_is_a_400(api):
    response = api.get("/api/timeline/bucket?timeBucket=9999-12-01")
    assert response.status_code == 400 and "timeBucket" in response.json()["message"]

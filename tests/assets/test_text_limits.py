"""Bounded text (issue 26, item 5). A 60 MB description or upload `metadata` field was stored and served back, and
an expanded XMP description of 160 M characters made each asset GET cost 600 MB and slowed everyone's timeline.
Now a client's longer text is refused (400 in Immich's error shape, naming the field), a file's is cut at
extraction, and listings that do not show a description never read it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, AssetExif
from immich.limits import DESCRIPTION_MAX_LENGTH, JSON_MAX_BYTES, NAME_MAX_LENGTH
from jobs.models import Step
from jobs.services import step_run
from tests.assets.helpers import CREATED, MODIFIED, upload_file, upload_photo
from tests.conftest import invalid_fields
from tests.media_factories import make_exif_jpeg, make_jpeg, make_xmp_packet

pytestmark = pytest.mark.django_db
TOO_LONG = "d" * (DESCRIPTION_MAX_LENGTH + 1)


def _refused(response, field: str) -> None:
    assert field in invalid_fields(response), response.json()


def test_an_asset_description_past_the_bound_is_refused(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    _refused(api.put(f"/api/assets/{asset_id}", {"description": TOO_LONG}, format="json"), "description")
    _refused(api.put("/api/assets", {"ids": [asset_id], "description": TOO_LONG}, format="json"), "description")
    assert not AssetExif.objects.filter(asset_id=asset_id, description=TOO_LONG).exists()


def test_a_description_at_the_bound_is_kept(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    longest = "d" * DESCRIPTION_MAX_LENGTH
    response = api.put(f"/api/assets/{asset_id}", {"description": longest}, format="json")
    assert response.status_code == 200 and response.json()["exifInfo"]["description"] == longest


def test_album_names_and_descriptions_are_bounded(api):
    _refused(api.post("/api/albums", {"albumName": "trip", "description": TOO_LONG}, format="json"), "description")
    too_long_name = "n" * (NAME_MAX_LENGTH + 1)
    _refused(api.post("/api/albums", {"albumName": too_long_name}, format="json"), "albumName")
    album = api.post("/api/albums", {"albumName": "trip"}, format="json").json()["id"]
    _refused(api.patch(f"/api/albums/{album}", {"description": TOO_LONG}, format="json"), "description")


def test_an_upload_metadata_field_past_the_bound_is_refused_and_nothing_is_kept(api, tmp_path, media_root):
    metadata = json.dumps([{"key": "mobile-app", "value": {"iCloudId": "x" * JSON_MAX_BYTES}}])
    with open(make_jpeg(tmp_path / "photo.jpg"), "rb") as handle:
        body = {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, "metadata": metadata}
        response = api.post("/api/assets", body, format="multipart")
    _refused(response, "metadata")
    assert not Asset.objects.exists()
    assert not [path for path in (media_root / "upload").rglob("*") if path.is_file()]


def test_an_upload_metadata_field_as_the_mobile_app_sends_it_is_kept(api, tmp_path):
    metadata = json.dumps([{"key": "mobile-app", "value": {"iCloudId": "ABCD-1234"}}])
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), metadata=metadata)["id"]
    kept = Asset.objects.filter(pk=asset_id).values_list("client_metadata", flat=True).get()
    assert kept == [{"key": "mobile-app", "value": {"iCloudId": "ABCD-1234"}}]


def test_a_description_read_from_the_file_is_cut_at_extraction(api, tmp_path):
    packet = make_xmp_packet(**{"dc:description": "x" * (DESCRIPTION_MAX_LENGTH + 5000)})
    asset_id = upload_file(api, make_exif_jpeg(tmp_path / "long.jpg", xmp=packet))["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    exif = AssetExif.objects.get(asset_id=asset_id)
    assert exif.description == "x" * DESCRIPTION_MAX_LENGTH
    assert f"description: {DESCRIPTION_MAX_LENGTH + 5000} characters, cut to {DESCRIPTION_MAX_LENGTH}" in exif.warnings


def _sql_of(call) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content
    return " ".join(query["sql"] for query in queries.captured_queries)


def test_the_timeline_bucket_never_reads_descriptions_or_client_metadata(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    AssetExif.objects.update_or_create(asset_id=asset_id, defaults={"description": "big"})
    sql = _sql_of(lambda: api.get("/api/timeline/bucket", {"timeBucket": "2021-06-01"}))
    assert '"assets_assetexif"."description"' not in sql
    assert '"assets_asset"."client_metadata"' not in sql


def test_search_without_exif_never_reads_descriptions(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    AssetExif.objects.update_or_create(asset_id=asset_id, defaults={"description": "big"})
    sql = _sql_of(lambda: api.post("/api/search/metadata", {"withExif": False}, format="json"))
    assert '"assets_assetexif"."description"' not in sql
    with_exif = _sql_of(lambda: api.post("/api/search/metadata", {"withExif": True}, format="json"))
    assert '"assets_assetexif"."description"' in with_exif

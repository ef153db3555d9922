"""The asset and timeline bodies are built in one pass for speed (assets/responses.py): they must still hold exactly
the fields their serializers declare to the schema, with Immich's date formats."""

import re

import pytest

from assets.models import Asset, AssetExif
from assets.responses import AssetResponseDto, ExifResponseDto, TimeBucketAssetResponseDto
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db

IMMICH_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
EXIF_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$")


def test_asset_body_holds_the_declared_fields(api, tmp_path):
    body = api.get(f"/api/assets/{upload_photo(api, tmp_path)}").json()
    assert set(body) == set(AssetResponseDto().fields)
    assert set(body["exifInfo"]) == set(ExifResponseDto().fields)


def test_asset_list_leaves_out_unassigned_faces_and_tags(api, tmp_path):
    asset = Asset.objects.get(pk=upload_photo(api, tmp_path))
    listed = set(AssetResponseDto([asset], many=True).data[0])
    assert listed == set(AssetResponseDto().fields) - {"unassignedFaces", "tags"}


def test_asset_dates_have_milliseconds_and_z(api, tmp_path):
    body = api.get(f"/api/assets/{upload_photo(api, tmp_path, created='2021-06-15T10:30:00.5+02:00')}").json()
    assert body["fileCreatedAt"] == "2021-06-15T08:30:00.500Z"
    for key in ("fileModifiedAt", "localDateTime", "createdAt", "updatedAt"):
        assert IMMICH_DATE.match(body[key]), key


def test_exif_dates_have_a_utc_offset(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    AssetExif.objects.filter(asset_id=asset_id).update(date_time_original="2021-06-15T10:30:00Z",
                                                       modify_date="2021-06-16T08:00:00.123456Z")  # fmt: skip
    exif = api.get(f"/api/assets/{asset_id}").json()["exifInfo"]
    assert (exif["dateTimeOriginal"], exif["modifyDate"]) == ("2021-06-15T10:30:00.000+00:00",
                                                              "2021-06-16T08:00:00.123+00:00")  # fmt: skip
    assert EXIF_DATE.match(exif["dateTimeOriginal"])


def test_bucket_body_holds_the_declared_fields(api, tmp_path):
    upload_photo(api, tmp_path, created="2021-06-15T10:30:00.000Z")
    body = api.get("/api/timeline/bucket?timeBucket=2021-06-01&withStacked=true").json()
    assert set(body) == set(TimeBucketAssetResponseDto().fields)
    assert body["fileCreatedAt"] == ["2021-06-15T10:30:00.000Z"]

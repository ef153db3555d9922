"""Input validation of the asset, upload and timeline endpoints (their responses are in assets/responses.py)."""

from __future__ import annotations

import re
from datetime import timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rest_framework import serializers

from assets.models import Visibility
from assets.uploads.services import UploadFields
from immich.limits import (
    BIGINT_MAX,
    DESCRIPTION_MAX_LENGTH,
    JSON_MAX_BYTES,
    NAME_MAX_LENGTH,
    PATH_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    contains_nul,
    json_size,
)

_LEGACY_DURATION = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$")
_MILLISECONDS = re.compile(r"^\d+(?:\.\d+)?$")


def parse_duration(value: str | int | float | None) -> int | None:
    """v3 clients send milliseconds, older ones "H:MM:SS.ffffff". Zero is no duration (a still), as Immich keeps it."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if _MILLISECONDS.match(text):
        milliseconds = round(float(text)) if "." in text else int(text)
    else:
        match = _LEGACY_DURATION.match(text)
        if not match:
            raise serializers.ValidationError("duration must be milliseconds or H:MM:SS.ffffff")
        hours, minutes, seconds, fraction = match.groups()
        millis = int((fraction or "0")[:3].ljust(3, "0"))
        milliseconds = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis
    if milliseconds > BIGINT_MAX:
        raise serializers.ValidationError("duration is too long")
    return milliseconds or None


class UploadSerializer(serializers.Serializer):
    fileCreatedAt = serializers.DateTimeField()
    fileModifiedAt = serializers.DateTimeField()
    filename = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    isFavorite = serializers.BooleanField(required=False, default=False)
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False, default=Visibility.TIMELINE)
    duration = serializers.CharField(required=False, allow_blank=True, max_length=64)
    livePhotoVideoId = serializers.UUIDField(required=False, allow_null=True)
    deviceAssetId = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    deviceId = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    metadata = serializers.JSONField(required=False)
    fileSize = serializers.IntegerField(required=False)

    def validate_duration(self, value):
        return parse_duration(value)

    def validate_metadata(self, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) and "key" in item for item in value):
            raise serializers.ValidationError("metadata must be a list of {key, value}")
        if contains_nul(value):
            raise serializers.ValidationError("metadata must not contain NUL characters")
        if json_size(value) > JSON_MAX_BYTES:
            raise serializers.ValidationError(f"metadata must be at most {JSON_MAX_BYTES} bytes of JSON")
        return value


def upload_fields(fields: dict) -> UploadFields:
    """What `UploadSerializer` validated, as the upload service takes it (the multipart and the tus endpoint)."""
    return UploadFields(
        file_created_at=fields["fileCreatedAt"],
        file_modified_at=fields["fileModifiedAt"],
        filename=fields.get("filename") or None,
        is_favorite=fields["isFavorite"],
        visibility=fields["visibility"],
        duration_ms=fields.get("duration"),
        live_photo_video_id=fields.get("livePhotoVideoId"),
        device_asset_id=fields.get("deviceAssetId"),
        device_id=fields.get("deviceId"),
        metadata=fields.get("metadata"),
    )


class BulkUploadCheckItem(serializers.Serializer):
    id = serializers.CharField(max_length=PATH_MAX_LENGTH)  # immich-go sends a file's path
    checksum = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class BulkUploadCheckSerializer(serializers.Serializer):
    assets = BulkUploadCheckItem(many=True)


class OffsetKeepingDateTimeField(serializers.DateTimeField):
    """A date whose offset is kept as written (a date without one is UTC): the offset is the photo's time zone."""

    def enforce_timezone(self, value):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class AssetUpdateSerializer(serializers.Serializer):
    isFavorite = serializers.BooleanField(required=False, source="is_favorite")
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
    isArchived = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    rating = serializers.IntegerField(required=False, min_value=-1, max_value=5, allow_null=True)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    dateTimeOriginal = OffsetKeepingDateTimeField(required=False)


class AssetBulkUpdateSerializer(AssetUpdateSerializer):
    ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    dateTimeRelative = serializers.IntegerField(required=False, help_text="Minutes to move each asset's date by")
    timeZone = serializers.CharField(required=False, max_length=64, help_text="IANA time zone")
    duplicateId = serializers.UUIDField(
        required=False, allow_null=True, help_text="Only null: the assets leave their duplicate groups"
    )

    def validate_timeZone(self, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(f"{value} is not an IANA time zone") from None
        return value

    def validate(self, attrs):
        if "dateTimeOriginal" in attrs and attrs.get("dateTimeRelative"):
            raise serializers.ValidationError("dateTimeOriginal and dateTimeRelative cannot be used together")
        if attrs.get("duplicateId") is not None:
            raise serializers.ValidationError("duplicateId: only null (leave the duplicate group) is accepted")
        return attrs


class AssetCopySerializer(serializers.Serializer):
    sourceId = serializers.UUIDField()
    targetId = serializers.UUIDField()
    albums = serializers.BooleanField(required=False, default=True)
    favorite = serializers.BooleanField(required=False, default=True)
    sharedLinks = serializers.BooleanField(required=False, default=True)
    sidecar = serializers.BooleanField(required=False, default=True)
    stack = serializers.BooleanField(required=False, default=True)


class AssetIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)


class AssetDeleteSerializer(AssetIdsSerializer):
    force = serializers.BooleanField(required=False, default=False)


class TimelineQuerySerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
    isFavorite = serializers.BooleanField(required=False, allow_null=True, default=None)
    isTrashed = serializers.BooleanField(required=False, allow_null=True, default=None)
    albumId = serializers.UUIDField(required=False)
    userId = serializers.UUIDField(required=False)
    personId = serializers.UUIDField(required=False)
    tagId = serializers.UUIDField(required=False)
    order = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="desc")
    timeBucket = serializers.CharField(required=False, max_length=64)
    withPartners = serializers.BooleanField(required=False, default=False)
    withStacked = serializers.BooleanField(
        required=False, default=False, help_text="A stack shows as its primary asset, with the stack's size"
    )

    def validate(self, data: dict) -> dict:
        partners_refused = data.get("visibility") not in (None, Visibility.TIMELINE) or data.get("isTrashed")
        if data["withPartners"] and (partners_refused or data.get("isFavorite") is not None):
            raise serializers.ValidationError(
                "withPartners is only supported for non-archived, non-trashed, non-favorited assets"
            )
        return data


class AssetJobSerializer(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    name = serializers.ChoiceField(choices=["refresh-metadata", "regenerate-thumbnail", "transcode-video"])

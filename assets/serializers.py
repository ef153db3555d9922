"""Input validation and the response shapes of Immich's asset and timeline DTOs."""

from __future__ import annotations

import base64
import re

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from accounts.serializers import iso
from assets import media_types
from assets.models import Asset, AssetExif, Visibility
from immich.limits import BIGINT_MAX, contains_nul

_LEGACY_DURATION = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$")


def duration_text(milliseconds: int | None) -> str:
    """Immich's "H:MM:SS.ffffff" duration string ("0:00:00.00000" for stills)."""
    if not milliseconds:
        return "0:00:00.00000"
    seconds, millis = divmod(int(milliseconds), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis * 1000:06d}"


def parse_duration(value: str | int | None) -> int | None:
    """v3 clients send integer milliseconds, older ones "H:MM:SS.ffffff"."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        milliseconds = int(text)
    else:
        match = _LEGACY_DURATION.match(text)
        if not match:
            raise serializers.ValidationError("duration must be milliseconds or H:MM:SS.ffffff")
        hours, minutes, seconds, fraction = match.groups()
        millis = int((fraction or "0")[:3].ljust(3, "0"))
        milliseconds = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis
    if milliseconds > BIGINT_MAX:
        raise serializers.ValidationError("duration is too long")
    return milliseconds


def _b64(value) -> str | None:
    return base64.b64encode(bytes(value)).decode() if value else None


def exif_dto(exif: AssetExif | None) -> dict | None:
    if exif is None:
        return None
    return {
        "make": exif.make,
        "model": exif.model,
        "exifImageWidth": exif.exif_image_width,
        "exifImageHeight": exif.exif_image_height,
        "fileSizeInByte": exif.file_size_in_byte,
        "orientation": exif.orientation,
        "dateTimeOriginal": iso(exif.date_time_original),
        "modifyDate": iso(exif.modify_date),
        "timeZone": exif.time_zone,
        "lensModel": exif.lens_model,
        "fNumber": exif.f_number,
        "focalLength": exif.focal_length,
        "iso": exif.iso,
        "exposureTime": exif.exposure_time,
        "latitude": exif.latitude,
        "longitude": exif.longitude,
        "city": exif.city,
        "state": exif.state,
        "country": exif.country,
        "description": exif.description,
        "projectionType": exif.projection_type,
        "rating": exif.rating,
    }


def asset_dto(asset: Asset, *, with_people: bool = False) -> dict:
    """`with_people`: the asset's people and unassigned faces (one query), as GET /assets/{id} sends them."""
    exif = getattr(asset, "exif", None)
    return {
        "id": str(asset.id),
        "deviceAssetId": asset.device_asset_id or "",
        "deviceId": asset.device_id or "",
        "ownerId": str(asset.owner_id),
        "libraryId": str(asset.library_id) if asset.library_id else None,
        "type": asset.type,
        "originalPath": asset.original_path,
        "originalFileName": asset.original_file_name,
        "originalMimeType": media_types.mime_type_for(asset.original_file_name),
        "thumbhash": _b64(asset.thumbhash),
        "fileCreatedAt": iso(asset.file_created_at),
        "fileModifiedAt": iso(asset.file_modified_at),
        "localDateTime": iso(asset.local_date_time),
        "createdAt": iso(asset.created_at),
        "updatedAt": iso(asset.updated_at),
        "isFavorite": asset.is_favorite,
        "isArchived": asset.visibility == Visibility.ARCHIVE,
        "isTrashed": asset.deleted_at is not None,
        "isOffline": asset.is_offline,
        "visibility": asset.visibility,
        "duration": duration_text(asset.duration_ms),
        "exifInfo": exif_dto(exif),
        "livePhotoVideoId": str(asset.live_photo_video_id) if asset.live_photo_video_id else None,
        "people": [],
        **(_people_keys(asset) if with_people else {}),
        "tags": [],
        "checksum": _b64(asset.checksum),
        "stack": None,
        "duplicateId": None,
        "hasMetadata": exif is not None and exif.exif_image_width is not None,
        "width": asset.width,
        "height": asset.height,
        "isEdited": False,
        **_transcode_keys(asset),
    }


def _people_keys(asset: Asset) -> dict:
    from people.selectors import asset_faces
    from people.serializers import asset_people_dto

    return asset_people_dto(asset_faces(asset_id=asset.id))


def _transcode_keys(asset: Asset) -> dict:
    """Beyond the reference: why this video was or was not transcoded (issue 5). None for stills and for videos
    the encode step has not looked at yet."""
    video = None
    if asset.type == "VIDEO":
        try:
            video = asset.video
        except ObjectDoesNotExist:
            video = None
    return {
        "transcodeDecision": video.decision if video else None,
        "transcodeReason": video.reason if video else None,
    }


class UploadSerializer(serializers.Serializer):
    fileCreatedAt = serializers.DateTimeField()
    fileModifiedAt = serializers.DateTimeField()
    filename = serializers.CharField(required=False, allow_blank=True, max_length=1024)
    isFavorite = serializers.BooleanField(required=False, default=False)
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False, default=Visibility.TIMELINE)
    duration = serializers.CharField(required=False, allow_blank=True)
    livePhotoVideoId = serializers.UUIDField(required=False, allow_null=True)
    deviceAssetId = serializers.CharField(required=False, allow_blank=True, max_length=255)
    deviceId = serializers.CharField(required=False, allow_blank=True, max_length=255)
    metadata = serializers.JSONField(required=False)
    fileSize = serializers.IntegerField(required=False)

    def validate_duration(self, value):
        return parse_duration(value)

    def validate_metadata(self, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) and "key" in item for item in value):
            raise serializers.ValidationError("metadata must be a list of {key, value}")
        if contains_nul(value):
            raise serializers.ValidationError("metadata must not contain NUL characters")
        return value


class BulkUploadCheckItem(serializers.Serializer):
    id = serializers.CharField()
    checksum = serializers.CharField()


class BulkUploadCheckSerializer(serializers.Serializer):
    assets = BulkUploadCheckItem(many=True)


class AssetUpdateSerializer(serializers.Serializer):
    isFavorite = serializers.BooleanField(required=False, source="is_favorite")
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
    isArchived = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    rating = serializers.IntegerField(required=False, min_value=-1, max_value=5, allow_null=True)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    dateTimeOriginal = serializers.DateTimeField(required=False)


class AssetBulkUpdateSerializer(AssetUpdateSerializer):
    ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)


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
    order = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="desc")
    timeBucket = serializers.CharField(required=False)


def _offset_hours(asset: Asset) -> float:
    """Hours between the local wall clock and UTC at capture, as the timeline bucket reports them."""
    if asset.file_created_at is None or asset.local_date_time is None:
        return 0
    return round((asset.local_date_time - asset.file_created_at).total_seconds() / 3600, 2)


def bucket_dto(assets: list[Asset]) -> dict:
    """One object of parallel arrays, one element per asset (Immich's TimeBucketAssetResponseDto)."""
    exifs = [getattr(asset, "exif", None) for asset in assets]
    return {
        "id": [str(asset.id) for asset in assets],
        "ownerId": [str(asset.owner_id) for asset in assets],
        "ratio": [(asset.width / asset.height) if asset.width and asset.height else 1.0 for asset in assets],
        "isFavorite": [asset.is_favorite for asset in assets],
        "visibility": [asset.visibility for asset in assets],
        "isTrashed": [asset.deleted_at is not None for asset in assets],
        "isImage": [asset.type == "IMAGE" for asset in assets],
        "thumbhash": [_b64(asset.thumbhash) for asset in assets],
        "fileCreatedAt": [iso(asset.file_created_at) for asset in assets],
        "localOffsetHours": [_offset_hours(asset) for asset in assets],
        "duration": [asset.duration_ms for asset in assets],
        "projectionType": [exif.projection_type if exif else None for exif in exifs],
        "livePhotoVideoId": [str(a.live_photo_video_id) if a.live_photo_video_id else None for a in assets],
        "city": [exif.city if exif else None for exif in exifs],
        "country": [exif.country if exif else None for exif in exifs],
    }


class AssetJobSerializer(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    name = serializers.ChoiceField(choices=["refresh-metadata", "regenerate-thumbnail", "transcode-video"])

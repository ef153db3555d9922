"""Asset response bodies made from rows (assets.rows), without model instances: exactly the bodies
`AssetResponseDto` makes of the same assets in a list (no people, no unassigned faces; tags and stack when read),
which tests/assets/test_row_bodies.py holds equal. Each key is a column or a plain function of a few: a field read
from a column is one name in assets.rows and one line here."""

from __future__ import annotations

from typing import Any

from assets import media_types
from assets.hooks import asset_row_fields
from assets.models import AssetType, Visibility
from assets.responses import b64
from assets.rows import AssetRows


def asset_bodies(assets: AssetRows) -> list[dict[str, Any]]:
    """The body of each row, in order, keys in AssetResponseDto's order; `exifInfo` only when the rows have the
    EXIF columns, `tags` only when the tags were read, `stack` null unless the stacks were."""
    extra_fields = asset_row_fields()
    bodies = []
    for row in assets.rows:
        body = _asset_body(row)
        if not assets.with_exif:
            del body["exifInfo"]  # left out unless asked (`exifInfo?` in the SDK)
        elif row["exif__asset_id"] is not None:
            body["exifInfo"] = _exif_body(row)
        if assets.stack_counts is not None:
            body["stack"] = _stack_body(row, assets.stack_counts)
        for fields in extra_fields:
            body.update(fields(row))
        if assets.tags is not None:
            body["tags"] = [_tag_body(tag) for tag in assets.tags.get(row["id"], ())]
        bodies.append(body)
    return bodies


def _asset_body(row: dict[str, Any]) -> dict[str, Any]:
    is_video = row["type"] == AssetType.VIDEO
    return {
        "id": str(row["id"]),
        "deviceAssetId": row["device_asset_id"] or "",
        "deviceId": row["device_id"] or "",
        "ownerId": str(row["owner_id"]),
        "libraryId": str(row["library_id"]) if row["library_id"] else None,
        "type": row["type"],
        "originalPath": row["original_path"],
        "originalFileName": row["original_file_name"],
        "originalMimeType": media_types.mime_type_for(row["original_file_name"]),
        "thumbhash": b64(row["thumbhash"]),
        "fileCreatedAt": row["fileCreatedAt"],
        "fileModifiedAt": row["fileModifiedAt"],
        "localDateTime": row["localDateTime"],
        "createdAt": row["createdAt"],
        "updatedAt": row["updatedAt"],
        "isFavorite": row["is_favorite"],
        "isArchived": row["visibility"] == Visibility.ARCHIVE,
        "isTrashed": row["deleted_at"] is not None,
        "isOffline": row["is_offline"],
        "visibility": row["visibility"],
        "duration": row["duration_ms"],
        "exifInfo": None,
        "livePhotoVideoId": str(row["live_photo_video_id"]) if row["live_photo_video_id"] else None,
        "people": [],
        "checksum": b64(row["checksum"]),
        "stack": None,
        "duplicateId": str(row["duplicate_link__duplicate_id"]) if row["duplicate_link__duplicate_id"] else None,
        "hasMetadata": row["exif__asset_id"] is not None and row["exif__exif_image_width"] is not None,
        "width": row["width"],
        "height": row["height"],
        "isEdited": False,
        "transcodeDecision": row["video__decision"] if is_video else None,
        "transcodeReason": row["video__reason"] if is_video else None,
    }


def _exif_body(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "make": row["exif__make"], "model": row["exif__model"], "exifImageWidth": row["exif__exif_image_width"],
        "exifImageHeight": row["exif__exif_image_height"], "fileSizeInByte": row["exif__file_size_in_byte"],
        "orientation": row["exif__orientation"], "dateTimeOriginal": row["dateTimeOriginal"],
        "modifyDate": row["modifyDate"], "timeZone": row["exif__time_zone"],
        "lensModel": row["exif__lens_model"], "fNumber": row["exif__f_number"],
        "focalLength": row["exif__focal_length"], "iso": row["exif__iso"],
        "exposureTime": row["exif__exposure_time"], "latitude": row["exif__latitude"],
        "longitude": row["exif__longitude"], "city": row["exif__city"], "state": row["exif__state"],
        "country": row["exif__country"], "description": row["exif__description"],
        "projectionType": row["exif__projection_type"], "rating": row["exif__rating"],
    }  # fmt: skip


def _stack_body(row: dict[str, Any], counts: dict[Any, int]) -> dict[str, Any] | None:
    stack_id = row["stack_link__stack_id"]
    if stack_id is None:
        return None
    return {
        "id": str(stack_id),
        "primaryAssetId": str(row["stack_link__stack__primary_asset_id"]),
        "assetCount": counts[stack_id],
    }


def _tag_body(tag: dict[str, Any]) -> dict[str, Any]:
    """TagResponseDto's body, from a tag's columns."""
    value = tag["tag__value"]
    body = {
        "id": str(tag["tag__id"]),
        "name": value.rsplit("/", 1)[-1],  # the last part of its path (tags.models.SEPARATOR, Tag.name)
        "value": value,
        "createdAt": tag["tagCreatedAt"],
        "updatedAt": tag["tagUpdatedAt"],
    }
    if tag["tag__color"]:
        body["color"] = tag["tag__color"]
    if tag["tag__parent_id"]:
        body["parentId"] = str(tag["tag__parent_id"])
    return body

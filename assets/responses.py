"""The response bodies of the asset, upload, trash and timeline endpoints, named and shaped as Immich 3.1's DTOs
(`@immich/sdk` 3.1.0), so that /api/openapi.json describes them. Fields the SDK marks optional are `required=False`
here even where this server always sends them. Beyond the SDK, kept because clients of this server read them:
`deviceAssetId`/`deviceId` (removed in Immich 3.0), `unassignedFaces` and the transcode decision (issue 5).
`isNsfw`/`nsfwScore` (issue 25). `duration` is in milliseconds, null for stills, as Immich 3.x sends it (uploads still accept the older string)."""

from __future__ import annotations

import base64

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from assets import media_types
from assets.hooks import asset_fields, asset_people
from assets.models import Asset, AssetType, Visibility
from immich.fields import ExifDateTimeField, ImmichDateTimeField, exif_date, immich_date


def b64(value) -> str | None:
    return base64.b64encode(bytes(value)).decode() if value else None


class ExifResponseDto(serializers.Serializer):
    make = serializers.CharField(required=False, allow_null=True)
    model = serializers.CharField(required=False, allow_null=True)
    exifImageWidth = serializers.IntegerField(source="exif_image_width", required=False, allow_null=True)
    exifImageHeight = serializers.IntegerField(source="exif_image_height", required=False, allow_null=True)
    fileSizeInByte = serializers.IntegerField(source="file_size_in_byte", required=False, allow_null=True)
    orientation = serializers.CharField(required=False, allow_null=True)
    dateTimeOriginal = ExifDateTimeField(source="date_time_original", required=False, allow_null=True)
    modifyDate = ExifDateTimeField(source="modify_date", required=False, allow_null=True)
    timeZone = serializers.CharField(source="time_zone", required=False, allow_null=True)
    lensModel = serializers.CharField(source="lens_model", required=False, allow_null=True)
    fNumber = serializers.FloatField(source="f_number", required=False, allow_null=True)
    focalLength = serializers.FloatField(source="focal_length", required=False, allow_null=True)
    iso = serializers.IntegerField(required=False, allow_null=True)
    exposureTime = serializers.CharField(source="exposure_time", required=False, allow_null=True)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    city = serializers.CharField(required=False, allow_null=True)
    state = serializers.CharField(required=False, allow_null=True)
    country = serializers.CharField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True)
    projectionType = serializers.CharField(source="projection_type", required=False, allow_null=True)
    rating = serializers.IntegerField(required=False, allow_null=True)

    def to_representation(self, exif) -> dict:
        """In one pass, the columns as they are (a search page serialises a thousand of these: DRF's generic walk
        copied the two dozen fields for each, most of the page's time). tests/assets/test_responses.py keeps the keys
        equal to the declared fields."""
        return {
            "make": exif.make, "model": exif.model, "exifImageWidth": exif.exif_image_width,
            "exifImageHeight": exif.exif_image_height, "fileSizeInByte": exif.file_size_in_byte,
            "orientation": exif.orientation, "dateTimeOriginal": exif_date(exif.date_time_original),
            "modifyDate": exif_date(exif.modify_date), "timeZone": exif.time_zone, "lensModel": exif.lens_model,
            "fNumber": exif.f_number, "focalLength": exif.focal_length, "iso": exif.iso,
            "exposureTime": exif.exposure_time, "latitude": exif.latitude, "longitude": exif.longitude,
            "city": exif.city, "state": exif.state, "country": exif.country, "description": exif.description,
            "projectionType": exif.projection_type, "rating": exif.rating,
        }  # fmt: skip


class AssetStackResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    primaryAssetId = serializers.UUIDField()
    assetCount = serializers.IntegerField()


class TagResponseDto(serializers.Serializer):
    """A tag (the tags app's model, read through its attributes: assets do not import tags)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    value = serializers.CharField()
    color = serializers.CharField(required=False)
    parentId = serializers.UUIDField(required=False)
    createdAt = ImmichDateTimeField()
    updatedAt = ImmichDateTimeField()

    def to_representation(self, tag) -> dict:
        body = {
            "id": str(tag.id),
            "name": tag.name,
            "value": tag.value,
            "createdAt": immich_date(tag.created_at),
            "updatedAt": immich_date(tag.updated_at),
        }
        if tag.color:
            body["color"] = tag.color
        if tag.parent_id:
            body["parentId"] = str(tag.parent_id)
        return body


BULK_ID_ERRORS = ["duplicate", "no_permission", "not_found", "unknown", "validation"]


class BulkIdResponseDto(serializers.Serializer):
    """One id's outcome when assets are added to or removed from an album, a tag or a stack, or a duplicate group is
    resolved (which may say why in `errorMessage`)."""

    id = serializers.UUIDField()
    success = serializers.BooleanField()
    error = serializers.ChoiceField(choices=BULK_ID_ERRORS, required=False)
    errorMessage = serializers.CharField(required=False)


def bulk_add_results(ids: list, *, present: set, allowed: set, key: str = "id") -> tuple[list[dict], list]:
    """Adding assets to an album, a tag or a shared link: each id's outcome as Immich reports it (already there:
    duplicate; one the caller may not add, or unknown: no_permission), and the ids to add, each once, in the order
    given. `key`: the name of the id in each outcome (links answer `assetId`)."""
    results, new = [], []
    for asset_id in dict.fromkeys(ids):
        if asset_id in present:
            results.append({key: str(asset_id), "success": False, "error": "duplicate"})
        elif asset_id not in allowed:
            results.append({key: str(asset_id), "success": False, "error": "no_permission"})
        else:
            new.append(asset_id)
            results.append({key: str(asset_id), "success": True})
    return results, new


def bulk_remove_results(ids: list, *, present: set, removable: set | None = None) -> list[dict]:
    """Taking assets out of an album or a tag: each id's outcome (not there: not_found; there but not the caller's
    to take out, when `removable` says which are: no_permission)."""
    removable = present if removable is None else removable
    results = []
    for asset_id in dict.fromkeys(ids):
        if asset_id in removable:
            results.append({"id": str(asset_id), "success": True})
        else:
            error = "no_permission" if asset_id in present else "not_found"
            results.append({"id": str(asset_id), "success": False, "error": error})
    return results


class AssetResponseDto(serializers.Serializer):
    """One asset. With `context={"with_people": True}` (GET and PUT /assets/{id}) it carries the asset's people and
    unassigned faces, read in one query, its tags and its stack; without, `people` is empty, `unassignedFaces` and
    `tags` are left out and `stack` is null. `with_tags` and `with_stack` ask for those two on their own (a search
    prefetches them: `tags`, and `stack_link__stack` annotated with `asset_count`). With `without_metadata` (a shared
    link that does not show metadata) `exifInfo` is null.

    `to_representation` builds the body in one pass (albums list thousands of assets, and most keys are not columns);
    the declared fields are its schema, and tests/assets/test_responses.py holds the two together."""

    id = serializers.UUIDField()
    deviceAssetId = serializers.CharField()
    deviceId = serializers.CharField()
    ownerId = serializers.UUIDField()
    libraryId = serializers.UUIDField(required=False, allow_null=True)
    type = serializers.ChoiceField(choices=AssetType.values)
    originalPath = serializers.CharField()
    originalFileName = serializers.CharField()
    originalMimeType = serializers.CharField(required=False)
    thumbhash = serializers.CharField(allow_null=True, help_text="base64")
    fileCreatedAt = ImmichDateTimeField()
    fileModifiedAt = ImmichDateTimeField()
    localDateTime = ImmichDateTimeField()
    createdAt = ImmichDateTimeField()
    updatedAt = ImmichDateTimeField()
    isFavorite = serializers.BooleanField()
    isArchived = serializers.BooleanField()
    isTrashed = serializers.BooleanField()
    isOffline = serializers.BooleanField()
    visibility = serializers.ChoiceField(choices=Visibility.values)
    duration = serializers.IntegerField(allow_null=True, help_text="milliseconds; null for stills")
    exifInfo = ExifResponseDto(required=False, allow_null=True)
    livePhotoVideoId = serializers.UUIDField(required=False, allow_null=True)
    # Typed as the people app's PersonWithFacesResponseDto and AssetFaceWithoutPersonResponseDto once it has them.
    people = serializers.ListField(child=serializers.DictField(), required=False)
    unassignedFaces = serializers.ListField(child=serializers.DictField(), required=False)
    tags = TagResponseDto(many=True, required=False)
    checksum = serializers.CharField(help_text="base64 SHA-1")
    stack = AssetStackResponseDto(required=False, allow_null=True)
    duplicateId = serializers.UUIDField(required=False, allow_null=True)
    hasMetadata = serializers.BooleanField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    isEdited = serializers.BooleanField()
    transcodeDecision = serializers.CharField(
        allow_null=True, help_text="Why this video was or was not transcoded; null for stills and unexamined videos"
    )
    transcodeReason = serializers.CharField(allow_null=True)
    # Beyond the SDK (issue 25), filled by the nsfw app: its verdict (null: not examined) and the model's score.
    isNsfw = serializers.BooleanField(required=False, allow_null=True)
    nsfwScore = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)

    def to_representation(self, asset: Asset) -> dict:
        detail = bool(self.context.get("with_people"))
        exif = getattr(asset, "exif", None)
        video = _video_of(asset)
        body = {
            "id": str(asset.id),
            "deviceAssetId": asset.device_asset_id or "",
            "deviceId": asset.device_id or "",
            "ownerId": str(asset.owner_id),
            "libraryId": str(asset.library_id) if asset.library_id else None,
            "type": asset.type,
            "originalPath": asset.original_path,
            "originalFileName": asset.original_file_name,
            "originalMimeType": media_types.mime_type_for(asset.original_file_name),
            "thumbhash": b64(asset.thumbhash),
            "fileCreatedAt": immich_date(asset.file_created_at),
            "fileModifiedAt": immich_date(asset.file_modified_at),
            "localDateTime": immich_date(asset.local_date_time),
            "createdAt": immich_date(asset.created_at),
            "updatedAt": immich_date(asset.updated_at),
            "isFavorite": asset.is_favorite,
            "isArchived": asset.visibility == Visibility.ARCHIVE,
            "isTrashed": asset.deleted_at is not None,
            "isOffline": asset.is_offline,
            "visibility": asset.visibility,
            "duration": asset.duration_ms,
            # not made when the caller leaves it out (search without withExif: the description is not even read), nor
            # for a link that hides metadata
            "exifInfo": None
            if exif is None or self.context.get("without_metadata") or not self.context.get("with_exif", True)
            else ExifResponseDto(exif).data,
            "livePhotoVideoId": str(asset.live_photo_video_id) if asset.live_photo_video_id else None,
            "people": [],
            "checksum": b64(asset.checksum),
            "stack": _stack_of(asset) if self.context.get("with_stack", detail) else None,
            "duplicateId": _duplicate_of(asset, read=detail),
            "hasMetadata": exif is not None and exif.exif_image_width is not None,
            "width": asset.width,
            "height": asset.height,
            "isEdited": False,
            "transcodeDecision": video.decision if video else None,
            "transcodeReason": video.reason if video else None,
            **asset_fields(asset),
        }
        if self.context.get("with_tags", detail):
            tags = getattr(asset, "tag_list", None)  # a list's prefetch (Prefetch to_attr): no query clone per asset
            tags = asset.tags.all() if tags is None else tags
            body["tags"] = [TagResponseDto(tag).data for tag in sorted(tags, key=lambda tag: tag.value)]
        if detail:
            body.update(asset_people(asset))
        return body


def _stack_of(asset: Asset) -> dict | None:
    """The asset's stack through the stacks app's reverse relation (`stack_link`); its count read from the
    `asset_count` a list's prefetch annotates, else counted."""
    try:
        stack = asset.stack_link.stack
    except ObjectDoesNotExist:
        return None
    count = getattr(stack, "asset_count", None)
    return {
        "id": str(stack.id),
        "primaryAssetId": str(stack.primary_asset_id),
        "assetCount": stack.members.count() if count is None else count,
    }


def _duplicate_of(asset: Asset, *, read: bool) -> str | None:
    """The asset's duplicate group: the `duplicate_group` column a list annotates (assets.selectors.
    with_duplicate_group), else, for one asset's answer, read through the duplicates app's reverse relation
    (`duplicate_link`); else null (a list does not pay a query per asset)."""
    if hasattr(asset, "duplicate_group"):
        group = asset.duplicate_group
    elif read:
        try:
            group = asset.duplicate_link.duplicate_id
        except ObjectDoesNotExist:
            return None
    else:
        return None
    return str(group) if group else None


def _video_of(asset: Asset):
    if asset.type != AssetType.VIDEO:
        return None
    try:
        return asset.video
    except ObjectDoesNotExist:
        return None


class AssetMediaResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["created", "replaced", "duplicate"])


class AssetBulkUploadCheckResult(serializers.Serializer):
    id = serializers.CharField(help_text="The client's identifier from the request")
    action = serializers.ChoiceField(choices=["accept", "reject"])
    reason = serializers.ChoiceField(choices=["duplicate", "unsupported-format"], required=False)
    assetId = serializers.UUIDField(required=False)
    isTrashed = serializers.BooleanField(required=False)


class AssetBulkUploadCheckResponseDto(serializers.Serializer):
    results = AssetBulkUploadCheckResult(many=True)

    def to_representation(self, instance: dict) -> dict:
        return {"results": instance["results"]}  # built by the view; five thousand rows per call from the CLI


class AssetStatsResponseDto(serializers.Serializer):
    images = serializers.IntegerField()
    videos = serializers.IntegerField()
    total = serializers.IntegerField()


class TrashResponseDto(serializers.Serializer):
    count = serializers.IntegerField()


class TimeBucketsResponseDto(serializers.Serializer):
    timeBucket = serializers.CharField(help_text="The month's first day, YYYY-MM-DD")
    count = serializers.IntegerField()


def _offset_hours(asset: Asset) -> float:
    """Hours between the local wall clock and UTC at capture, as the timeline bucket reports them."""
    if asset.file_created_at is None or asset.local_date_time is None:
        return 0
    return round((asset.local_date_time - asset.file_created_at).total_seconds() / 3600, 2)


class TimeBucketAssetResponseDto(serializers.Serializer):
    """The assets of one bucket as one object of parallel arrays, one element per asset (a list of assets)."""

    id = serializers.ListField(child=serializers.UUIDField())
    ownerId = serializers.ListField(child=serializers.UUIDField())
    ratio = serializers.ListField(child=serializers.FloatField())
    isFavorite = serializers.ListField(child=serializers.BooleanField())
    visibility = serializers.ListField(child=serializers.ChoiceField(choices=Visibility.values))
    isTrashed = serializers.ListField(child=serializers.BooleanField())
    isImage = serializers.ListField(child=serializers.BooleanField())
    thumbhash = serializers.ListField(child=serializers.CharField(allow_null=True))
    fileCreatedAt = serializers.ListField(child=ImmichDateTimeField())
    createdAt = serializers.ListField(child=ImmichDateTimeField())
    localOffsetHours = serializers.ListField(child=serializers.FloatField())
    duration = serializers.ListField(child=serializers.IntegerField(allow_null=True), help_text="milliseconds")
    projectionType = serializers.ListField(child=serializers.CharField(allow_null=True))
    livePhotoVideoId = serializers.ListField(child=serializers.UUIDField(allow_null=True))
    city = serializers.ListField(child=serializers.CharField(allow_null=True), required=False)
    country = serializers.ListField(child=serializers.CharField(allow_null=True), required=False)
    stack = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), allow_null=True),
        required=False,
        help_text="With withStacked: [stack id, asset count] of a stack's primary, else null",
    )

    def to_representation(self, assets: list[Asset]) -> dict:
        exifs = [getattr(asset, "exif", None) for asset in assets]
        stacks = self.context.get("stacks")
        body = {
            "id": [str(asset.id) for asset in assets],
            "ownerId": [str(asset.owner_id) for asset in assets],
            "ratio": [(asset.width / asset.height) if asset.width and asset.height else 1.0 for asset in assets],
            "isFavorite": [asset.is_favorite for asset in assets],
            "visibility": [asset.visibility for asset in assets],
            "isTrashed": [asset.deleted_at is not None for asset in assets],
            "isImage": [asset.type == AssetType.IMAGE for asset in assets],
            "thumbhash": [b64(asset.thumbhash) for asset in assets],
            "fileCreatedAt": [immich_date(asset.file_created_at) for asset in assets],
            "createdAt": [immich_date(asset.created_at) for asset in assets],
            "localOffsetHours": [_offset_hours(asset) for asset in assets],
            "duration": [asset.duration_ms for asset in assets],
            "projectionType": [exif.projection_type if exif else None for exif in exifs],
            "livePhotoVideoId": [str(a.live_photo_video_id) if a.live_photo_video_id else None for a in assets],
            "city": [exif.city if exif else None for exif in exifs],
            "country": [exif.country if exif else None for exif in exifs],
        }
        if stacks is not None:
            body["stack"] = [_stack_pair(stacks.get(asset.id)) for asset in assets]
        return body


def _stack_pair(entry) -> list[str] | None:
    return None if entry is None else [str(entry[0]), str(entry[1])]

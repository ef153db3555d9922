"""Reads on assets, always scoped to the user who asks."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import User
from assets.models import Asset, AssetFile, AssetType, Visibility


def assets_of(*, user: User, elevated: bool = True) -> QuerySet[Asset]:
    """The user's assets; without `elevated` (a session unlocked by the PIN), not those in the locked folder."""
    queryset = Asset.objects.filter(owner=user).exclude(status="deleted")
    return queryset if elevated else queryset.exclude(visibility=Visibility.LOCKED)


def asset_for(*, user: User, asset_id, elevated: bool) -> Asset | None:
    """One of the user's assets by id; a locked one only with `elevated`, else it is not found, like an unknown id."""
    return assets_of(user=user, elevated=elevated).select_related("exif").filter(pk=asset_id).first()


def decode_checksum(value: str) -> bytes | None:
    """A 28-character string is base64, anything else hex (as Immich decides)."""
    try:
        raw = base64.b64decode(value, validate=True) if len(value) == 28 else bytes.fromhex(value)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 20 else None


def duplicates_by_checksum(*, user: User, checksums: list[bytes]) -> dict[bytes, Asset]:
    """One query for a whole batch: the user's uploaded assets (trashed included) with these checksums."""
    found = Asset.objects.filter(owner=user, library__isnull=True, checksum__in=checksums).only(
        "id", "checksum", "deleted_at"
    )
    return {bytes(asset.checksum): asset for asset in found}


def filtered_assets(
    *,
    user: User,
    visibility: str | None = None,
    is_favorite: bool | None = None,
    is_trashed: bool | None = None,
    album_id=None,
    person_id=None,
    user_id=None,
) -> QuerySet[Asset]:
    """The user's own assets narrowed by the filters. A filter can only narrow: another user's album, person or
    user id matches nothing, exactly like an unknown id, so an answer never tells whether it exists."""
    queryset = assets_of(user=user)
    if user_id is not None and user_id != user.id:
        return queryset.none()
    if visibility:
        queryset = queryset.filter(visibility=visibility)
    else:
        queryset = queryset.filter(visibility__in=["timeline", "archive"])
    queryset = queryset.filter(deleted_at__isnull=not is_trashed)
    if is_favorite is not None:
        queryset = queryset.filter(is_favorite=is_favorite)
    if album_id is not None:
        queryset = queryset.filter(albums__id=album_id, albums__owner=user)
    if person_id is not None:
        from people.models import AssetFace

        faces = AssetFace.objects.filter(person_id=person_id, person__owner=user)
        queryset = queryset.filter(id__in=faces.values("asset_id"))
    return queryset


def asset_statistics(*, user: User, **filters) -> dict:
    counts = filtered_assets(user=user, **filters).aggregate(
        images=Count("id", filter=Q(type=AssetType.IMAGE)),
        videos=Count("id", filter=Q(type=AssetType.VIDEO)),
        total=Count("id"),
    )
    return counts


def time_buckets(*, user: User, order: str = "desc", **filters) -> list[dict]:
    rows = (
        filtered_assets(user=user, **filters)
        .annotate(bucket=TruncMonth("local_date_time"))
        .values("bucket")
        .annotate(count=Count("id"))
        .order_by("-bucket" if order == "desc" else "bucket")
    )
    return [{"timeBucket": row["bucket"].date().isoformat(), "count": row["count"]} for row in rows]


# EXIF columns that can be long (a description, warnings) and that listings which do not show them leave unread.
LARGE_EXIF_COLUMNS = ("exif__description", "exif__warnings", "exif__locked_properties")


def bucket_assets(*, user: User, bucket_start, bucket_end, order: str = "desc", **filters) -> QuerySet[Asset]:
    """One month of the timeline: only what its answer shows (TimeBucketAssetResponseDto) is read."""
    ordering = "-local_date_time" if order == "desc" else "local_date_time"
    return (
        filtered_assets(user=user, **filters)
        .filter(local_date_time__gte=bucket_start, local_date_time__lt=bucket_end)
        .select_related("exif")
        .defer(*LARGE_EXIF_COLUMNS, "original_path", "sidecar_path")
        .order_by(ordering, "id")
    )


def generated_file(*, asset: Asset, kind: str) -> Path | None:
    path = AssetFile.objects.filter(asset=asset, type=kind).values_list("path", flat=True).first()
    return Path(path) if path else None

"""Reads on assets, always scoped to the user who asks."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import User
from assets.models import Asset, AssetFile, AssetType


def assets_of(*, user: User) -> QuerySet[Asset]:
    return Asset.objects.filter(owner=user).exclude(status="deleted")


def asset_for(*, user: User, asset_id) -> Asset | None:
    return assets_of(user=user).select_related("exif").filter(pk=asset_id).first()


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
    tag_id=None,
    with_stacked: bool = False,
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
    if tag_id is not None:
        queryset = queryset.filter(id__in=_tagged(user=user, tag_id=tag_id).values("id"))
    if with_stacked:  # a stack shows as its primary asset (`stack_link`: the stacks app's reverse relation)
        queryset = queryset.filter(Q(stack_link__isnull=True) | Q(stack_link__stack__primary_asset_id=F("id")))
    return queryset


def _tagged(*, user: User, tag_id) -> QuerySet[Asset]:
    """The user's assets tagged with the tag or one below it, through the tags app's reverse relations (`User.tags`,
    `Asset.tags`): assets import no tags."""
    value = user.tags.filter(pk=tag_id).values_list("value", flat=True).first()
    if value is None:
        return Asset.objects.none()
    below = Q(tags__value=value) | Q(tags__value__startswith=f"{value}/")
    return Asset.objects.filter(below, owner=user, tags__owner=user)


def stack_counts(*, asset_ids: list) -> dict:
    """Per asset in a stack, its stack's id and asset count, for the timeline's `stack` column."""
    links = dict(
        Asset.objects.filter(pk__in=asset_ids, stack_link__isnull=False).values_list("id", "stack_link__stack_id")
    )
    counts = dict(
        Asset.objects.filter(stack_link__stack_id__in=set(links.values()))
        .values("stack_link__stack_id")
        .annotate(count=Count("id"))
        .values_list("stack_link__stack_id", "count")
    )
    return {asset_id: (stack_id, counts[stack_id]) for asset_id, stack_id in links.items()}


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


def bucket_assets(*, user: User, bucket_start, bucket_end, order: str = "desc", **filters) -> QuerySet[Asset]:
    ordering = "-local_date_time" if order == "desc" else "local_date_time"
    return (
        filtered_assets(user=user, **filters)
        .filter(local_date_time__gte=bucket_start, local_date_time__lt=bucket_end)
        .select_related("exif")
        .order_by(ordering, "id")
    )


def generated_file(*, asset: Asset, kind: str) -> Path | None:
    path = AssetFile.objects.filter(asset=asset, type=kind).values_list("path", flat=True).first()
    return Path(path) if path else None

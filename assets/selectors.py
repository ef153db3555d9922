"""Reads on assets, always scoped to the user who asks."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import User
from assets.hooks import shown_filters
from assets.models import Asset, AssetFile, AssetType, Visibility
from immich import access
from jobs.models import AssetStep, Step, StepStatus


def assets_of(*, user: User, elevated: bool = True) -> QuerySet[Asset]:
    """The user's assets; without `elevated` (a session unlocked by the PIN), not those in the locked folder."""
    queryset = Asset.objects.filter(owner=user).exclude(status="deleted")
    return queryset if elevated else queryset.exclude(visibility=Visibility.LOCKED)


def shown_to(queryset: QuerySet[Asset], *, viewer: User) -> QuerySet[Asset]:
    """`queryset` without what the apps keep from `viewer`'s views (nsfw: the flagged assets of a user who hides
    them): the timeline, search, memories and shared links all pass through here."""
    for condition in shown_filters(viewer):
        queryset = queryset.filter(condition)
    return queryset


def with_duplicate_group(queryset: QuerySet[Asset]) -> QuerySet[Asset]:
    """`queryset` with each asset's duplicate group as the column `duplicate_group` (the duplicates app's reverse
    relation, joined in the list's one query): AssetResponseDto's `duplicateId`, from a model or a `values()` row."""
    return queryset.annotate(duplicate_group=F("duplicate_link__duplicate_id"))


def asset_by_id(*, asset_id) -> Asset | None:
    """An asset whatever its owner, for a caller `immich.access` already let in."""
    return Asset.objects.exclude(status="deleted").select_related("exif").filter(pk=asset_id).first()


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
    actor: access.Actor | None = None,
    visibility: str | None = None,
    is_favorite: bool | None = None,
    is_trashed: bool | None = None,
    album_id=None,
    person_id=None,
    user_id=None,
    with_partners: bool = False,
    tag_id=None,
    with_stacked: bool = False,
) -> QuerySet[Asset]:
    """The assets a timeline shows, narrowed by the filters: the user's own; with `albumId`, the album's (whoever
    added them) when the caller may read it; with `userId`, that user's when the caller may read their timeline (a
    partner's); with `with_partners`, the partners' too. A partner's assets are only ever those on their timeline
    (never archived, locked or hidden). A filter naming what the caller may not read matches nothing, exactly like
    an unknown id, so an answer never tells whether it exists."""
    actor = actor or access.Actor(user)
    if album_id is not None:
        if not access.can(actor, "album.read", album_id):
            return Asset.objects.none()
        queryset = Asset.objects.exclude(status="deleted").filter(albums__id=album_id)
    elif actor.is_link:
        return Asset.objects.none()  # a link reaches its album or its assets, never its owner's library
    else:
        owner_id = user.id if user_id is None else user_id
        if not access.can(actor, "timeline.read", owner_id):
            return Asset.objects.none()
        partners = access.scope("timeline.partners", user) if with_partners and user_id is None else []
        queryset = Asset.objects.exclude(status="deleted").filter(
            Q(owner_id=owner_id) | Q(owner_id__in=partners, visibility=Visibility.TIMELINE, deleted_at__isnull=True)
        )
        if owner_id != user.id:
            queryset = queryset.filter(visibility=Visibility.TIMELINE, deleted_at__isnull=True)
    if visibility:
        queryset = queryset.filter(visibility=visibility)
    else:
        queryset = queryset.filter(visibility__in=["timeline", "archive"])
    queryset = queryset.filter(deleted_at__isnull=not is_trashed)
    if is_favorite is not None:
        queryset = queryset.filter(is_favorite=is_favorite)
    if person_id is not None:
        # Through the faces' relation (people's AssetFace.asset), as a subquery: one row per asset.
        with_person = Asset.objects.filter(faces__person_id=person_id, faces__person__owner=user)
        queryset = queryset.filter(id__in=with_person.values("id"))
    if tag_id is not None:
        queryset = queryset.filter(id__in=_tagged(user=user, tag_id=tag_id).values("id"))
    if with_stacked:  # a stack shows as its primary asset (`stack_link`: the stacks app's reverse relation)
        queryset = queryset.filter(Q(stack_link__isnull=True) | Q(stack_link__stack__primary_asset_id=F("id")))
    return shown_to(queryset, viewer=user)


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


def missing_thumbnail_reason(*, asset: Asset) -> str:
    """Why an asset has no thumbnail: its thumbnail step failed, or the metadata step it waits for did (with the
    recorded reason), or it is not made yet."""
    failed = dict(AssetStep.objects.filter(asset=asset, status=StepStatus.FAILED).values_list("step", "last_error"))
    if Step.THUMBNAILS in failed:
        return f"No thumbnail: making it failed: {failed[Step.THUMBNAILS]}"
    if Step.METADATA in failed:
        return f"No thumbnail: metadata extraction failed: {failed[Step.METADATA]}"
    return "Thumbnail not generated yet"

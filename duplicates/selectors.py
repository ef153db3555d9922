"""Reads of duplicate detection, always scoped to one owner: the near hashes of one asset (the multi-index search)
and the groups the API lists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from assets.models import Asset, AssetStatus, Visibility
from assets.selectors import with_duplicate_group
from duplicates.models import AssetHash
from workers.media import perceptual

# Assets that take part: not trashed, not hidden (a live photo's video), not in the locked folder.
SHOWN = Q(asset__status=AssetStatus.ACTIVE, asset__visibility__in=[Visibility.TIMELINE, Visibility.ARCHIVE])


@dataclass(frozen=True)
class Neighbour:
    asset_id: uuid.UUID
    duplicate_id: uuid.UUID | None


def hash_neighbours(*, owner_id, value: int, max_distance: int, exclude) -> list[Neighbour]:
    """The owner's shown assets hashed within `max_distance` bits of `value`, found through the chunk indexes: a
    hash within d bits has a chunk within its radius (`perceptual.band_radii`) of the same chunk of `value`
    (pigeonhole), so only those chunk values are looked up. The candidates (a few hundred among 100,000) are
    measured exactly, and only the near ones are then checked against their assets (a join for every candidate
    would cost more than the search)."""
    radii = perceptual.band_radii(max_distance)
    keys = [perceptual.band_neighbours(band, radius) for band, radius in zip(perceptual.bands(value), radii)]
    near = {
        asset_id: duplicate_id
        for asset_id, phash, duplicate_id in _candidates(owner_id, keys, value, max_distance)
        if asset_id != exclude and perceptual.distance(perceptual.to_unsigned(phash), value) <= max_distance
    }
    if not near:
        return []
    shown = AssetHash.objects.filter(SHOWN, asset_id__in=list(near)).values_list("asset_id", flat=True)
    return [Neighbour(asset_id, near[asset_id]) for asset_id in shown]


def _candidates(owner_id, keys: list[list[int]], value: int, max_distance: int) -> list[tuple]:
    """(asset id, hash, group) of the owner's rows with a chunk among `keys` (a chunk without keys is not looked
    up). PostgreSQL gets each chunk's keys as one array literal and measures the distance itself (hundreds of
    placeholders, or a list adapted element by element, cost more to send than the search takes); SQLite, the
    ORM's IN lists, measured by the caller."""
    searched = [(index, band_keys) for index, band_keys in enumerate(keys) if band_keys]
    if connection.vendor != "postgresql":
        near = Q()
        for index, band_keys in searched:
            near |= Q(**{f"band{index}__in": band_keys})
        return list(AssetHash.objects.filter(near, owner_id=owner_id).values_list("asset_id", "phash", "duplicate_id"))
    any_band = " OR ".join(f"band{index} = ANY(%s::integer[])" for index, _ in searched)
    sql = (
        f"SELECT asset_id, phash, duplicate_id FROM {AssetHash._meta.db_table} WHERE owner_id = %s AND ({any_band}) "
        "AND bit_count((phash # %s)::bit(64)) <= %s"
    )
    arrays = ["{" + ",".join(map(str, band_keys)) + "}" for _, band_keys in searched]
    # At the widest distances the planner's estimate of the candidates (a few thousand of 100,000) comes close to
    # a scan's, and it picked a scan of every hash, parallel or not, about twice the CPU time of the chunk indexes
    # (bench/duplicates.py). The settings hold only in a savepoint that is rolled back once the rows are read, so
    # they end with this query, in or out of the caller's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, [owner_id, *arrays, perceptual.to_signed(value), max_distance])
        rows = cursor.fetchall()
        transaction.set_rollback(True)
    return rows


def checksum_twins(*, owner_id, checksum: bytes, exclude) -> list[Neighbour]:
    """The owner's hashed assets with the same bytes (another library's copy of the file). Asked of uploads and of
    library files apart, so that each half uses its own partial unique index (a query without the library would
    read every asset of the owner)."""
    same = Q(asset__owner_id=owner_id, asset__checksum=checksum)
    twins = (
        AssetHash.objects.filter((same & Q(asset__library__isnull=True)) | (same & Q(asset__library__isnull=False)))
        .filter(SHOWN)
        .exclude(asset_id=exclude)
    )
    return [Neighbour(asset_id, group) for asset_id, group in twins.values_list("asset_id", "duplicate_id")]


def duplicate_groups(*, owner) -> list[tuple[uuid.UUID, list[Asset]]]:
    """The owner's groups of two or more shown assets, newest group member first within, groups by their oldest
    asset's date."""
    assets = (
        Asset.objects.filter(owner=owner, duplicate_link__duplicate_id__isnull=False)
        .filter(status=AssetStatus.ACTIVE, visibility__in=[Visibility.TIMELINE, Visibility.ARCHIVE])
        .select_related("exif", "video", "nsfw")
    )
    groups: dict[uuid.UUID | None, list[Asset]] = {}
    for asset in with_duplicate_group(assets).order_by("file_created_at", "id"):
        groups.setdefault(asset.duplicate_group, []).append(asset)  # type: ignore[attr-defined]  # an annotation
    return [(group_id, members) for group_id, members in groups.items() if group_id and len(members) > 1]


def group_assets(*, owner, duplicate_id) -> list[Asset]:
    """The owner's shown assets of one group, with their EXIF: what a resolution must account for, and merges."""
    members = Asset.objects.filter(owner=owner, duplicate_link__duplicate_id=duplicate_id)
    shown = members.filter(status=AssetStatus.ACTIVE, visibility__in=[Visibility.TIMELINE, Visibility.ARCHIVE])
    return list(shown.select_related("exif").order_by("local_date_time", "id"))


def owned_groups(*, owner, ids: set) -> list[uuid.UUID]:
    """The ids among `ids` that name one of the owner's groups."""
    found = AssetHash.objects.filter(owner=owner, duplicate_id__in=ids).values_list("duplicate_id", flat=True)
    return list({group for group in found if group is not None})


def suggested_keep(members: list[Asset]) -> list[str]:
    """The one to keep, as a suggestion: the most pixels, then the largest file (the original rather than a copy
    made smaller)."""
    best = max(
        members, key=lambda asset: ((asset.width or 0) * (asset.height or 0), asset.file_size, -members.index(asset))
    )
    return [str(best.id)]

"""Reads of duplicate detection, always scoped to one owner: the near hashes of one asset (the multi-index search)
and the groups the API lists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Q

from assets.models import Asset, AssetStatus, Visibility
from assets.selectors import with_duplicate_group
from duplicates.models import AssetHash
from workers.media import perceptual

# Assets that take part: not trashed, not hidden (a live photo's video), not in the locked folder.
SHOWN_STATUS, SHOWN_VISIBILITIES = AssetStatus.ACTIVE, (Visibility.TIMELINE, Visibility.ARCHIVE)
SHOWN = Q(asset__status=SHOWN_STATUS, asset__visibility__in=SHOWN_VISIBILITIES)


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
    search = _near_shown if connection.vendor == "postgresql" else _near_shown_measured_here
    return [Neighbour(asset_id, group) for asset_id, group in search(owner_id, value, max_distance, radii)
            if asset_id != exclude]  # fmt: skip


def _near_shown(owner_id, value: int, max_distance: int, radii: tuple[int, ...]) -> list[tuple]:
    """PostgreSQL, in one statement (each round trip counted: this is most of a search at the smaller distances):
    each searched chunk's keys are made by the server from the chunk and the masks of its radius (sent as one cached
    array literal: 1,108 keys formatted here cost more than the lookup of the widest chunk), the near rows kept in a
    materialized CTE, and only those joined to their assets. The keys reach the planner as the result of a subquery,
    whose size it cannot know: it estimates a few rows per chunk at every distance and keeps to the chunk indexes,
    where, given the literal keys, it came within a few percent of a scan's cost at the widest distance and picked a
    scan of every hash, about twice the CPU time (bench/duplicates.py)."""
    searched = [(index, band, radius) for index, (band, radius) in enumerate(zip(perceptual.bands(value), radii))
                if radius >= 0]  # fmt: skip
    any_band = " OR ".join(
        f"hash.band{index} = ANY(ARRAY(SELECT %s # mask FROM unnest(%s::integer[]) AS mask))"
        for index, _, _ in searched
    )
    sql = (
        f"WITH near AS MATERIALIZED (SELECT hash.asset_id, hash.duplicate_id FROM {AssetHash._meta.db_table} AS hash "
        f"WHERE hash.owner_id = %s AND ({any_band}) AND bit_count((hash.phash # %s)::bit(64)) <= %s) "
        f"SELECT near.asset_id, near.duplicate_id FROM near JOIN {Asset._meta.db_table} AS asset "
        "ON asset.id = near.asset_id WHERE asset.status = %s AND asset.visibility = ANY(%s)"
    )
    keys = [param for _, band, radius in searched for param in (band, _mask_array(radius))]
    shown_visibilities = [visibility.value for visibility in SHOWN_VISIBILITIES]
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [owner_id, *keys, perceptual.to_signed(value), max_distance, SHOWN_STATUS.value, shown_visibilities]
        )
        return cursor.fetchall()


@cache
def _mask_array(radius: int) -> str:
    return "{" + ",".join(map(str, perceptual.band_masks(radius))) + "}"


def _near_shown_measured_here(owner_id, value: int, max_distance: int, radii: tuple[int, ...]) -> list[tuple]:
    """SQLite (no `bit_count`): the candidates through the ORM's IN lists, measured here, then the near ones checked
    against their assets."""
    candidates = Q()
    for index, (band, radius) in enumerate(zip(perceptual.bands(value), radii)):
        if radius >= 0:
            candidates |= Q(**{f"band{index}__in": perceptual.band_neighbours(band, radius)})
    rows = AssetHash.objects.filter(candidates, owner_id=owner_id).values_list("asset_id", "phash", "duplicate_id")
    near = {
        asset_id: duplicate_id
        for asset_id, phash, duplicate_id in rows
        if perceptual.distance(perceptual.to_unsigned(phash), value) <= max_distance
    }
    if not near:
        return []
    shown = AssetHash.objects.filter(SHOWN, asset_id__in=list(near)).values_list("asset_id", flat=True)
    return [(asset_id, near[asset_id]) for asset_id in shown]


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
        .filter(status=SHOWN_STATUS, visibility__in=SHOWN_VISIBILITIES)
        .select_related("exif", "video", "nsfw")
    )
    groups: dict[uuid.UUID | None, list[Asset]] = {}
    for asset in with_duplicate_group(assets).order_by("file_created_at", "id"):
        groups.setdefault(asset.duplicate_group, []).append(asset)  # type: ignore[attr-defined]  # an annotation
    return [(group_id, members) for group_id, members in groups.items() if group_id and len(members) > 1]


def group_assets(*, owner, duplicate_id) -> list[Asset]:
    """The owner's shown assets of one group, with their EXIF: what a resolution must account for, and merges."""
    members = Asset.objects.filter(owner=owner, duplicate_link__duplicate_id=duplicate_id)
    shown = members.filter(status=SHOWN_STATUS, visibility__in=SHOWN_VISIBILITIES)
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

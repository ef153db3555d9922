"""Reads of duplicate detection, always scoped to one owner: the near hashes of one asset (the multi-index search)
and the groups the API lists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q

from assets.models import Asset, AssetStatus, Visibility
from duplicates.models import AssetHash
from workers.media import perceptual

# Assets that take part: not trashed, not hidden (a live photo's video), not in the locked folder.
SHOWN = Q(asset__status=AssetStatus.ACTIVE, asset__visibility__in=[Visibility.TIMELINE, Visibility.ARCHIVE])


@dataclass(frozen=True)
class Neighbour:
    asset_id: uuid.UUID
    duplicate_id: uuid.UUID | None


def hash_neighbours(*, owner_id, value: int, max_distance: int, exclude) -> list[Neighbour]:
    """The owner's hashed assets within `max_distance` bits of `value`, found through the chunk indexes: a hash
    within d bits has a chunk within d // BANDS bits of the same chunk of `value` (pigeonhole), so only those chunk
    values are looked up; the candidates are then measured exactly."""
    radius = max_distance // perceptual.BANDS
    near = Q()
    for index, band in enumerate(perceptual.bands(value)):
        near |= Q(**{f"band{index}__in": perceptual.band_neighbours(band, radius)})
    candidates = (
        AssetHash.objects.filter(near, owner_id=owner_id)
        .filter(SHOWN)
        .exclude(asset_id=exclude)
        .values_list("asset_id", "phash", "duplicate_id")
    )
    return [
        Neighbour(asset_id, duplicate_id)
        for asset_id, phash, duplicate_id in candidates
        if perceptual.distance(perceptual.to_unsigned(phash), value) <= max_distance
    ]


def checksum_twins(*, owner_id, checksum: bytes, exclude) -> list[Neighbour]:
    """The owner's hashed assets with the same bytes (another library's copy of the file)."""
    twins = (
        AssetHash.objects.filter(owner_id=owner_id, asset__checksum=checksum).filter(SHOWN).exclude(asset_id=exclude)
    )
    return [Neighbour(asset_id, group) for asset_id, group in twins.values_list("asset_id", "duplicate_id")]


def duplicate_groups(*, owner) -> list[tuple[uuid.UUID, list[Asset]]]:
    """The owner's groups of two or more shown assets, newest group member first within, groups by their oldest
    asset's date."""
    assets = (
        Asset.objects.filter(owner=owner, duplicate_link__duplicate_id__isnull=False)
        .filter(status=AssetStatus.ACTIVE, visibility__in=[Visibility.TIMELINE, Visibility.ARCHIVE])
        .select_related("exif", "video", "duplicate_link")
        .order_by("file_created_at", "id")
    )
    groups: dict[uuid.UUID | None, list[Asset]] = {}
    for asset in assets:
        groups.setdefault(asset.duplicate_link.duplicate_id, []).append(asset)
    return [(group_id, members) for group_id, members in groups.items() if group_id and len(members) > 1]


def group_members(*, owner, duplicate_id) -> set[uuid.UUID]:
    return set(AssetHash.objects.filter(owner=owner, duplicate_id=duplicate_id).values_list("asset_id", flat=True))


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

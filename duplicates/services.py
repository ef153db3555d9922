"""Writes of duplicate detection: an asset's hash recorded and its group settled, groups dismissed (resolved:
duplicates/resolution.py).

Grouping, for one asset: its neighbours are the owner's shown assets within the configured distance of its hash,
and those with the same checksum (a copy of the file in another library). The asset, its neighbours and every
member of their groups end up in one group: the asset's own when it is among them, else the smallest of theirs,
else a new one. An asset without neighbours leaves its group, and a group left with one asset is dissolved. The
owner's groups are settled one asset at a time (an advisory lock per owner), so two workers never make two groups
of one set of copies."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from assets.models import Asset
from duplicates import selectors
from duplicates.models import AssetHash
from immich import access
from immich.locks import AdvisoryLock
from workers.media import perceptual


def _lock_groups_of(owner_id) -> None:
    """Until the transaction ends (SQLite lets one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [AdvisoryLock.USER_DUPLICATES, str(owner_id)]
            )


def asset_hash_record(*, asset: Asset, value: int, hash_version: str, max_distance: int) -> uuid.UUID | None:
    """Record the asset's hash and settle its group; returns the group (None: it has no duplicate)."""
    with transaction.atomic():
        _lock_groups_of(asset.owner_id)
        fields = {
            "owner_id": asset.owner_id,
            "phash": perceptual.to_signed(value),
            "hash_version": hash_version,
            **{f"band{index}": band for index, band in enumerate(perceptual.bands(value))},
        }
        row, _ = AssetHash.objects.update_or_create(asset_id=asset.id, defaults=fields)
        near = selectors.hash_neighbours(
            owner_id=asset.owner_id, value=value, max_distance=max_distance, exclude=asset.id
        )
        twins = selectors.checksum_twins(owner_id=asset.owner_id, checksum=bytes(asset.checksum), exclude=asset.id)
        neighbours = {neighbour.asset_id: neighbour.duplicate_id for neighbour in [*near, *twins]}
        return _settle(row, neighbours)


def _settle(row: AssetHash, neighbours: dict[uuid.UUID, uuid.UUID | None]) -> uuid.UUID | None:
    previous = row.duplicate_id
    if not neighbours:
        if previous is not None:
            AssetHash.objects.filter(pk=row.pk).update(duplicate_id=None)
            _dissolve_singles(row.owner_id, [previous])
        return None
    groups = {group for group in neighbours.values() if group is not None}
    target = previous if previous in groups else min(groups, key=str) if groups else uuid.uuid4()
    members = Q(asset_id__in=[row.asset_id, *neighbours]) | Q(duplicate_id__in=groups)
    AssetHash.objects.filter(members, owner_id=row.owner_id).update(duplicate_id=target)
    if previous is not None and previous != target:
        _dissolve_singles(row.owner_id, [previous])
    return target


def _dissolve_singles(owner_id, groups: Iterable[uuid.UUID]) -> None:
    for group in groups:
        alone = AssetHash.objects.filter(owner_id=owner_id, duplicate_id=group)
        if alone.count() == 1:
            alone.update(duplicate_id=None)


def assets_ungroup(*, owner_id, asset_ids: list) -> None:
    """The owner's assets leave their groups (no longer to compare: hidden, locked, trashed; or the owner's
    `duplicateId: null`); a group left with one asset is dissolved."""
    grouped = AssetHash.objects.filter(owner_id=owner_id, asset_id__in=asset_ids, duplicate_id__isnull=False)
    if not grouped.exists():
        return
    with transaction.atomic():
        _lock_groups_of(owner_id)
        groups = {group for group in grouped.values_list("duplicate_id", flat=True) if group is not None}
        grouped.update(duplicate_id=None)
        _dissolve_singles(owner_id, groups)


def duplicates_dismiss(*, actor: access.Actor, ids: list[uuid.UUID]) -> int:
    """The groups are dismissed: their assets stand alone again (a later All run of the step finds them again)."""
    access.require(actor, "duplicate.delete", ids)
    return AssetHash.objects.filter(owner=actor.user, duplicate_id__in=ids).update(duplicate_id=None)

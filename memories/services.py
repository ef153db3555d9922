"""Writes on memories: the user's own (create, change, delete, add and remove assets), and the nightly "on this day"
memories (Immich's MemoryGenerate)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, AssetStatus, Visibility
from assets.responses import bulk_add_results, bulk_remove_results
from jobs.system_config import config_get
from memories.models import Memory, MemoryAsset, MemoryGenerationState, MemoryType

logger = logging.getLogger(__name__)

# Memories are made for the days from this many days before today to as many after (a phone in another time zone,
# or a night's run missed, still finds today's).
DAYS_AROUND = 3


def _own_asset_ids(*, user: User, asset_ids: list) -> set:
    return set(
        Asset.objects.filter(owner=user, pk__in=asset_ids)
        .exclude(status=AssetStatus.DELETED)
        .values_list("id", flat=True)
    )


def memory_create(
    *,
    user: User,
    type: str,
    data: dict,
    memory_at: datetime,
    is_saved: bool = False,
    seen_at: datetime | None = None,
    show_at: datetime | None = None,
    hide_at: datetime | None = None,
    asset_ids: list | None = None,
) -> Memory:
    """Ids of assets that are not the user's are left out, as the reference does."""
    with transaction.atomic():
        memory = Memory.objects.create(
            owner=user,
            type=type,
            data=data,
            memory_at=memory_at,
            is_saved=is_saved,
            seen_at=seen_at,
            show_at=show_at,
            hide_at=hide_at,
        )
        own = _own_asset_ids(user=user, asset_ids=list(asset_ids or []))
        MemoryAsset.objects.bulk_create([MemoryAsset(memory=memory, asset_id=asset_id) for asset_id in own])
    return memory


def memory_update(*, memory: Memory, changes: dict) -> Memory:
    """`changes`: any of is_saved, memory_at, seen_at."""
    for field, value in changes.items():
        setattr(memory, field, value)
    memory.save()
    return memory


def memory_delete(*, memory: Memory) -> None:
    memory.delete()


def memory_assets_add(*, memory: Memory, asset_ids: list) -> list[dict]:
    """Each id's outcome, in Immich's BulkIdResponseDto: `duplicate` when already there, `no_permission` when not
    one of the owner's assets."""
    present = set(MemoryAsset.objects.filter(memory=memory, asset_id__in=asset_ids).values_list("asset_id", flat=True))
    own = _own_asset_ids(user=memory.owner, asset_ids=asset_ids)
    results, new_ids = bulk_add_results(asset_ids, present=present, allowed=own)
    added = [MemoryAsset(memory=memory, asset_id=asset_id) for asset_id in new_ids]
    with transaction.atomic():
        MemoryAsset.objects.bulk_create(added, ignore_conflicts=True)
        if added:
            memory.save(update_fields=["updated_at"])
    return results


def memory_assets_remove(*, memory: Memory, asset_ids: list) -> list[dict]:
    """Each id's outcome: `not_found` when the asset is not in the memory."""
    present = set(MemoryAsset.objects.filter(memory=memory, asset_id__in=asset_ids).values_list("asset_id", flat=True))
    with transaction.atomic():
        MemoryAsset.objects.filter(memory=memory, asset_id__in=present).delete()
        if present:
            memory.save(update_fields=["updated_at"])
    return bulk_remove_results(asset_ids, present=present)


# -- the nightly "on this day" memories ---------------------------------------------------------------------------


def memories_generate(*, today: date | None = None) -> int:
    """Make the "on this day" memories of every user for the days around `today` (UTC) not made yet: for each such
    day and each earlier year with assets of that month and day, one memory of them, shown that whole day. The last
    day done is recorded, so a second run makes nothing and a deleted memory is not made again. Off when the
    system config's `nightlyTasks.generateMemories` is. Returns how many memories were made."""
    if not config_get()["nightlyTasks"]["generateMemories"]:
        return 0
    today = today or timezone.now().date()
    made = 0
    with transaction.atomic():
        state, _ = MemoryGenerationState.objects.select_for_update().get_or_create(pk=1)
        users = list(User.objects.filter(is_active=True, deleted_at__isnull=True))
        for offset in range(-DAYS_AROUND, DAYS_AROUND + 1):
            target = today + timedelta(days=offset)
            if state.last_on_this_day is not None and target <= state.last_on_this_day:
                continue
            for user in users:
                made += _on_this_day(user=user, target=target)
            state.last_on_this_day = target
        state.save()
    return made


def _on_this_day(*, user: User, target: date) -> int:
    by_year: dict[int, list] = defaultdict(list)
    rows = (
        Asset.objects.filter(
            owner=user,
            local_date_time__month=target.month,
            local_date_time__day=target.day,
            local_date_time__year__lt=target.year,
            visibility=Visibility.TIMELINE,
            deleted_at__isnull=True,
            is_offline=False,
        )
        .exclude(status=AssetStatus.DELETED)
        .order_by("local_date_time", "id")
        .values_list("id", "local_date_time")
    )
    for asset_id, local in rows:
        by_year[local.year].append(asset_id)
    show_at = datetime.combine(target, time.min, tzinfo=UTC)
    hide_at = datetime.combine(target, time.max, tzinfo=UTC)
    for year, asset_ids in sorted(by_year.items()):
        memory = Memory.objects.create(
            owner=user,
            type=MemoryType.ON_THIS_DAY,
            data={"year": year},
            memory_at=show_at.replace(year=year),
            show_at=show_at,
            hide_at=hide_at,
        )
        MemoryAsset.objects.bulk_create([MemoryAsset(memory=memory, asset_id=asset_id) for asset_id in asset_ids])
    return len(by_year)

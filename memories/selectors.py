"""Reads on memories, always the caller's own."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from assets.models import Asset, AssetStatus, Visibility
from assets.selectors import shown_to, with_duplicate_group
from memories.models import Memory


def memories_of(
    *,
    user: User,
    at: datetime | None = None,
    is_saved: bool | None = None,
    is_trashed: bool = False,
    type: str | None = None,
) -> QuerySet[Memory]:
    """The user's memories; `at`: those shown at that moment (between their showAt and hideAt)."""
    memories = Memory.objects.filter(owner=user, deleted_at__isnull=not is_trashed)
    if at is not None:
        memories = memories.filter(show_at__lte=at, hide_at__gte=at)
    if is_saved is not None:
        memories = memories.filter(is_saved=is_saved)
    if type is not None:
        memories = memories.filter(type=type)
    return memories


def memories_ordered(memories: QuerySet[Memory], *, order: str | None, size: int | None) -> list[Memory]:
    ordering = {"asc": ("memory_at", "id"), "random": ("?",)}.get(order or "desc", ("-memory_at", "-id"))
    memories = memories.order_by(*ordering)
    return list(memories[:size] if size else memories)


def memory_for(*, user: User, memory_id) -> Memory | None:
    return Memory.objects.filter(owner=user, pk=memory_id).first()


def memory_assets(*, memory: Memory) -> QuerySet[Asset]:
    """The memory's assets that are still shown: not in the trash, in time order."""
    shown = shown_to(memory.assets.all(), viewer=memory.owner)
    shown = (
        shown.filter(deleted_at__isnull=True)
        .exclude(status=AssetStatus.DELETED)
        .exclude(visibility__in=(Visibility.HIDDEN, Visibility.LOCKED))
        .select_related("exif", "nsfw")  # nsfw: the verdict in each asset's answer (the nsfw app's reverse relation)
    )
    return with_duplicate_group(shown).order_by("local_date_time", "id")

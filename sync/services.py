"""Writing the sync state: a session's acks (its checkpoints), resets, and the pruning of old audit rows."""

from __future__ import annotations

from django.utils import timezone

from sync.acks import RESET, Ack, parse_ack
from sync.models import (
    AlbumAssetAudit,
    AlbumAudit,
    AlbumUserAudit,
    AssetAudit,
    AssetFaceAudit,
    PartnerAudit,
    PersonAudit,
    SessionSyncCheckpoint,
    StackAudit,
    UserAudit,
)
from sync.types import AUDIT_PRUNE_AFTER


def sync_reset(*, session) -> None:
    """Forget every checkpoint: the next stream sends everything again."""
    SessionSyncCheckpoint.objects.filter(session=session).delete()


def sync_acks_set(*, session, acks: list[str], tag: str) -> None:
    """Stores the acks, the furthest per entity type, in one statement. All are checked first: one bad ack stores
    none. An ack of SyncResetV1 resets the session instead, as in Immich."""
    parsed: list[Ack] = [parse_ack(raw, tag=tag) for raw in acks]
    if any(ack.type == RESET for ack in parsed):
        sync_reset(session=session)
        return
    furthest: dict[str, Ack] = {}
    for ack in parsed:
        if ack.type not in furthest or ack.position > furthest[ack.type].position:
            furthest[ack.type] = ack
    now = timezone.now()
    SessionSyncCheckpoint.objects.bulk_create(  # one statement: the ack is on every incremental sync's path
        [SessionSyncCheckpoint(session=session, type=ack.type, ack=ack.raw, updated_at=now) for ack in furthest.values()],
        update_conflicts=True, unique_fields=["session", "type"], update_fields=["ack", "updated_at"],
    )  # fmt: skip


def sync_acks_delete(*, session, types: list[str] | None) -> None:
    checkpoints = SessionSyncCheckpoint.objects.filter(session=session)
    if types is not None:
        checkpoints = checkpoints.filter(type__in=types)
    checkpoints.delete()


def sync_audit_prune() -> int:
    """Deletes the audit rows older than the retention (plus a day, as Immich): sessions that could still need them
    are told to reset instead. Returns how many rows went."""
    older = timezone.now() - AUDIT_PRUNE_AFTER
    return sum(
        model.objects.filter(deleted_at__lt=older).delete()[0]
        for model in (
            AssetAudit,
            AlbumAudit,
            AlbumAssetAudit,
            AlbumUserAudit,
            UserAudit,
            PartnerAudit,
            PersonAudit,
            AssetFaceAudit,
            StackAudit,
        )
    )

"""StacksV1 and PartnerStacksV1: the caller's stacks, and those of the users sharing their library with the caller
(Immich's SyncStackV1 for both), with their removal (a stack deleted or dissolved, or given to another user by a
transfer) and the backfill of a partnership created after the phone's last sync."""

from __future__ import annotations

from immich.json_shapes import Field, Kind, shape
from sync.entities import BACKFILL_RANGE, ORDER, WINDOW, Backfill, Entity
from sync.partner_entities import PARTNERS_CREATED, SHARING_WITH_CALLER

_STACKS = "SELECT t.sync_xid, t.sync_seq, t.id, t.created_at, t.updated_at, t.primary_asset_id, t.owner_id FROM stacks_stack t "


_STACK = shape(
    Field("id", Kind.ID),
    Field("createdAt", Kind.INSTANT),
    Field("updatedAt", Kind.INSTANT),
    Field("primaryAssetId", Kind.ID),
    Field("ownerId", Kind.ID),
)
_STACK_DELETE = shape(Field("stackId", Kind.ID))

_AUDIT = "SELECT t.sync_xid, t.sync_seq, t.stack_id FROM sync_stackaudit t "

STACK = Entity("StackV1", f"{_STACKS} WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}", _STACK)
STACK_DELETE = Entity("StackDeleteV1", f"{_AUDIT} WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}", _STACK_DELETE)

PARTNER_STACK = Entity(
    "PartnerStackV1", f"{_STACKS} WHERE t.owner_id IN {SHARING_WITH_CALLER} AND {WINDOW} {ORDER}", _STACK
)
PARTNER_STACK_BACKFILL = Backfill(
    "PartnerStackBackfillV1",
    "PartnerStackV1",
    PARTNERS_CREATED,
    f"{_STACKS} WHERE t.owner_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}",
    _STACK,
)
PARTNER_STACK_DELETE = Entity(
    "PartnerStackDeleteV1",
    f"{_AUDIT} WHERE t.owner_id IN {SHARING_WITH_CALLER} AND {WINDOW} {ORDER}",
    _STACK_DELETE,
)

STACKS = (STACK_DELETE, STACK)
PARTNER_STACKS = (PARTNER_STACK_DELETE, PARTNER_STACK_BACKFILL, PARTNER_STACK)

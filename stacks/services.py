"""Writes on stacks. A stack holds its owner's assets only, at least two of them. Each change tells the owner's apps
`on_asset_stack_update` (no arguments, as Immich sends it: they read the stacks again), after commit."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, AssetStatus
from immich import live_events
from immich.errors import BadRequest, NoAccess
from stacks.models import Stack, StackAsset


def _announce(owner_id) -> None:
    live_events.send_to_user("on_asset_stack_update", owner_id)


def stack_create(*, owner: User, asset_ids: list[uuid.UUID]) -> Stack:
    """A stack of the assets, the first one on top. Assets already in stacks bring their stacks' assets along and
    those stacks go (Immich merges them the same way)."""
    ids = list(dict.fromkeys(asset_ids))
    if len(ids) < 2:
        raise BadRequest("A stack needs at least two assets")
    owned = Asset.objects.filter(owner=owner, pk__in=ids).exclude(status=AssetStatus.DELETED)
    if owned.count() != len(ids):
        raise BadRequest("Not found or no asset.update access")
    with transaction.atomic():
        merged = StackAsset.objects.filter(stack__owner=owner, asset_id__in=ids).values_list("stack_id", flat=True)
        merged_ids = [stack.pk for stack in Stack.objects.select_for_update().filter(pk__in=list(merged))]
        joining = set(StackAsset.objects.filter(stack_id__in=merged_ids).values_list("asset_id", flat=True)) - set(ids)
        Stack.objects.filter(pk__in=merged_ids).delete()
        stack = Stack.objects.create(owner=owner, primary_asset_id=ids[0])
        StackAsset.objects.bulk_create([StackAsset(stack=stack, asset_id=asset_id) for asset_id in [*ids, *joining]])
        _announce(owner.pk)
    return stack


def stack_update(*, stack: Stack, primary_asset_id: uuid.UUID | None) -> Stack:
    if primary_asset_id is not None:
        if not StackAsset.objects.filter(stack=stack, asset_id=primary_asset_id).exists():
            raise BadRequest("Primary asset must be in the stack")
        stack.primary_asset_id = primary_asset_id
    stack.updated_at = timezone.now()
    stack.save(update_fields=["primary_asset", "updated_at"])
    _announce(stack.owner_id)
    return stack


def stacks_delete(*, owner: User, stack_ids: list[uuid.UUID]) -> None:
    """The stacks go, their assets stay (standing alone again). All the ids must be the owner's stacks."""
    stacks = Stack.objects.filter(owner=owner, pk__in=stack_ids)
    if stacks.count() != len(set(stack_ids)):
        raise NoAccess("stack.delete")
    stacks.delete()
    _announce(owner.pk)


def stack_remove_asset(*, stack: Stack, asset_id: uuid.UUID) -> None:
    """Take a non-primary asset out; a stack left with one asset is dissolved."""
    if not StackAsset.objects.filter(stack=stack, asset_id=asset_id).exists():
        raise BadRequest("Asset not in stack")
    if stack.primary_asset_id == asset_id:
        raise BadRequest("Cannot remove stack's primary asset")
    with transaction.atomic():
        StackAsset.objects.filter(stack=stack, asset_id=asset_id).delete()
        if StackAsset.objects.filter(stack=stack).count() < 2:
            stack.delete()
        else:
            Stack.objects.filter(pk=stack.pk).update(updated_at=timezone.now())
        _announce(stack.owner_id)


def stack_copy(source: Asset, target: Asset) -> None:
    """`PUT /api/assets/copy` with `stack`: the target joins the source's stack (its own stack's assets with it),
    and takes the source's place on top when the source was the primary (the copy is how a client replaces it)."""
    link = StackAsset.objects.filter(asset=source).select_related("stack").first()
    if link is None:
        return
    stack = link.stack
    own = StackAsset.objects.filter(asset=target).values_list("stack_id", flat=True).first()
    if own == stack.pk:
        pass
    elif own is not None:
        StackAsset.objects.filter(stack_id=own).update(stack=stack)
        Stack.objects.filter(pk=own).delete()
    else:
        StackAsset.objects.create(stack=stack, asset=target)
    if stack.primary_asset_id == source.pk:
        stack.primary_asset_id = target.pk
    stack.updated_at = timezone.now()
    stack.save(update_fields=["primary_asset", "updated_at"])


# -- moving a user's data ----------------------------------------------------------------------------------------


def stacks_transfer(*, source: User, destination: User) -> int:
    """After the source's assets moved to the destination (inside the caller's transaction): the source's stacks
    follow them. An asset that stayed with the source (a duplicate) leaves its stack (the oldest remaining asset
    goes on top when it was the primary); a stack left with fewer than two assets is dissolved. Returns how many
    stacks moved."""
    moved = 0
    for stack in Stack.objects.select_for_update().filter(owner=source):
        StackAsset.objects.filter(stack=stack).exclude(asset__owner=destination).delete()
        members = list(
            StackAsset.objects.filter(stack=stack)
            .order_by("asset__local_date_time", "asset_id")
            .values_list("asset_id", flat=True)
        )
        if len(members) < 2:
            stack.delete()
            continue
        primary = stack.primary_asset_id if stack.primary_asset_id in members else members[0]
        Stack.objects.filter(pk=stack.pk).update(owner=destination, primary_asset_id=primary, updated_at=timezone.now())
        moved += 1
    return moved

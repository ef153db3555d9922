"""Reads on stacks, always scoped to the user who asks."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from accounts.models import User
from assets.models import Asset
from assets.selectors import with_duplicate_group
from stacks.models import Stack


def stacks_of(*, user: User, primary_asset_id=None) -> QuerySet[Stack]:
    stacks = Stack.objects.filter(owner=user).order_by("created_at")
    return stacks if primary_asset_id is None else stacks.filter(primary_asset_id=primary_asset_id)


def stack_for(*, user: User, stack_id) -> Stack | None:
    return stacks_of(user=user).filter(pk=stack_id).first()


def stack_assets(*, stack: Stack) -> list[Asset]:
    """The stack's assets, the primary first, then in taken order."""
    primary_first = Case(When(pk=stack.primary_asset_id, then=Value(0)), default=Value(1), output_field=IntegerField())
    members = Asset.objects.filter(stack_link__stack=stack).exclude(status="deleted")
    members = with_duplicate_group(members.select_related("exif", "video", "nsfw", "stack_link__stack"))
    return list(members.order_by(primary_first, "file_created_at", "id"))

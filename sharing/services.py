"""Writes on partners: a user shares their library with another, stops sharing it, or chooses whether a library
shared with them shows in their timeline."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from immich.errors import BadRequest
from sharing.models import Partner


def partner_create(*, user: User, shared_with_id) -> Partner:
    if shared_with_id == user.id:
        raise BadRequest("Cannot share with yourself")
    if not User.objects.filter(pk=shared_with_id, deleted_at__isnull=True).exists():
        raise BadRequest("Invalid user")
    try:
        with transaction.atomic():
            return Partner.objects.create(shared_by=user, shared_with_id=shared_with_id)
    except IntegrityError:
        raise BadRequest("Partner already exists") from None


def partner_remove(*, user: User, shared_with_id) -> None:
    deleted, _ = Partner.objects.filter(shared_by=user, shared_with_id=shared_with_id).delete()
    if not deleted:
        raise BadRequest("Partner not found")


def partner_update(*, user: User, shared_by_id, in_timeline: bool) -> Partner | None:
    """The library `shared_by_id` shares with `user`, in or out of `user`'s timeline; None when there is none."""
    updated = Partner.objects.filter(shared_by_id=shared_by_id, shared_with=user).update(in_timeline=in_timeline)
    if not updated:
        return None
    return Partner.objects.select_related("shared_by").get(shared_by_id=shared_by_id, shared_with=user)

"""Reads on tags, always scoped to the user who asks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from tags.models import SEPARATOR, Tag, TagAsset


def tags_of(*, user: User) -> QuerySet[Tag]:
    return Tag.objects.filter(owner=user).order_by("value")


def tag_for(*, user: User, tag_id) -> Tag | None:
    return tags_of(user=user).filter(pk=tag_id).first()


def tagged_asset_ids(*, user: User, tag_id) -> QuerySet[TagAsset]:
    """The links of the user's assets to the tag or any tag below it (Immich matches a tag's descendants too)."""
    tag = tag_for(user=user, tag_id=tag_id)
    if tag is None:
        return TagAsset.objects.none()
    below = Q(tag__value__startswith=tag.value + SEPARATOR)
    return TagAsset.objects.filter(Q(tag=tag) | below, tag__owner=user)

"""Reads on shared links: always the links of the user who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from sharing.models import SharedLink


def links_of(*, user: User, album_id=None, link_id=None) -> QuerySet[SharedLink]:
    links = SharedLink.objects.filter(user=user).order_by("-created_at")
    if album_id is not None:
        links = links.filter(album_id=album_id)
    if link_id is not None:
        links = links.filter(pk=link_id)
    return links


def link_of(*, user: User, link_id) -> SharedLink | None:
    return links_of(user=user, link_id=link_id).first()

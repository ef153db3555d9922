"""Reads on albums, always scoped to the user who asks."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q, QuerySet

from accounts.models import User
from albums.models import Album
from assets.models import Asset


def albums_of(*, user: User, asset_id=None) -> QuerySet[Album]:
    """The user's albums, newest first, with their asset count and date range; `asset_id`: only those holding it."""
    albums = (
        Album.objects.filter(owner=user)
        .select_related("owner")
        .annotate(
            asset_count=Count("assets", filter=Q(assets__deleted_at__isnull=True), distinct=True),
            start_date=Min("assets__local_date_time", filter=Q(assets__deleted_at__isnull=True)),
            end_date=Max("assets__local_date_time", filter=Q(assets__deleted_at__isnull=True)),
        )
        .order_by("-created_at")
    )
    # Filtered after the counts, through a join of its own: the counts stay those of the whole album.
    return albums if asset_id is None else albums.filter(assets__id=asset_id)


def album_for(*, user: User, album_id) -> Album | None:
    return albums_of(user=user).filter(pk=album_id).first()


def album_assets(*, album: Album) -> QuerySet[Asset]:
    ordering = "-local_date_time" if album.order == "desc" else "local_date_time"
    return (
        album.assets.filter(deleted_at__isnull=True).exclude(status="deleted").select_related("exif").order_by(ordering)
    )

"""Comments and likes on shared albums (Immich's activity service): members and the owner write them when the album
allows it; each deletes their own, the album's owner any."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from albums.models import Activity, ActivityType, AlbumAsset
from immich import access
from immich.errors import BadRequest


def activities_of(*, album_id, asset_id=None, level=None, kind=None, user_id=None) -> QuerySet[Activity]:
    """An album's activity, oldest first; `level` album (about the album) or asset (about its assets)."""
    activities = Activity.objects.filter(album_id=album_id).select_related("user").order_by("created_at")
    if asset_id is not None:
        activities = activities.filter(asset_id=asset_id)
    if level == "album":
        activities = activities.filter(asset__isnull=True)
    elif level == "asset":
        activities = activities.filter(asset__isnull=False)
    if kind is not None:
        activities = activities.filter(is_liked=kind == ActivityType.LIKE)
    if user_id is not None:
        activities = activities.filter(user_id=user_id)
    return activities


def activity_statistics(*, album_id, asset_id=None) -> dict:
    """Comments and likes of the album, or of one of its assets (`asset_id`)."""
    activities = Activity.objects.filter(album_id=album_id, asset_id=asset_id)
    counts = activities.aggregate(
        comments=Count("id", filter=Q(is_liked=False)), likes=Count("id", filter=Q(is_liked=True))
    )
    return counts


def activity_create(
    *, actor: access.Actor, album_id, asset_id, kind: str, comment: str | None
) -> tuple[Activity, bool]:
    """The new activity and True; a like given twice answers the first one and False."""
    access.require(actor, "activity.create", [album_id])
    if asset_id is not None and not AlbumAsset.objects.filter(album_id=album_id, asset_id=asset_id).exists():
        raise BadRequest("The asset is not in the album")
    if kind == ActivityType.LIKE:
        existing = Activity.objects.filter(album_id=album_id, asset_id=asset_id, user=actor.user, is_liked=True)
        if existing.exists():
            return existing.select_related("user").get(), False
    elif not comment:
        raise BadRequest("comment is required for a comment")
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                album_id=album_id,
                asset_id=asset_id,
                user=actor.user,
                is_liked=kind == ActivityType.LIKE,
                comment=None if kind == ActivityType.LIKE else comment,
            )
    except IntegrityError:  # the same like, given at the same moment
        existing = Activity.objects.filter(album_id=album_id, asset_id=asset_id, user=actor.user, is_liked=True)
        return existing.select_related("user").get(), False
    return activity, True


def activity_delete(*, actor: access.Actor, activity_id) -> None:
    access.require(actor, "activity.delete", [activity_id])
    Activity.objects.filter(pk=activity_id).delete()

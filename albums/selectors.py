"""Reads on albums, always scoped to the user who asks: the albums they own and those shared with them."""

from __future__ import annotations

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from albums.access import readable_albums_q
from albums.models import Album, AlbumUser
from assets.models import Asset
from assets.selectors import with_duplicate_group


def _is_shared() -> Q:
    """An album is shared when it has a member or a shared link (the `sharing` app's links point at albums)."""
    return Q(pk__in=AlbumUser.objects.values("album_id")) | Q(shared_links__isnull=False)


def _annotated(albums: QuerySet[Album]) -> QuerySet[Album]:
    return (
        albums.select_related("owner")
        .prefetch_related(Prefetch("members", AlbumUser.objects.select_related("user").order_by("created_at")))
        .annotate(
            asset_count=Count("assets", filter=Q(assets__deleted_at__isnull=True), distinct=True),
            start_date=Min("assets__local_date_time", filter=Q(assets__deleted_at__isnull=True)),
            end_date=Max("assets__local_date_time", filter=Q(assets__deleted_at__isnull=True)),
            has_shared_link=Exists(Album.shared_links.rel.related_model.objects.filter(album=OuterRef("pk"))),
        )
        .order_by("-created_at")
    )


def readable_album_ids(*, user: User) -> QuerySet:
    return Album.objects.filter(readable_albums_q(user)).values("id")


def albums_of(
    *, user: User, asset_id=None, is_owned: bool | None = None, is_shared: bool | None = None, album_id=None, name=None
) -> QuerySet[Album]:
    """As Immich 3.1's GET /albums: the albums the user owns or is a member of, narrowed by `is_owned` (theirs, or
    others' shared with them), `is_shared` (with a member or a shared link, or neither), `album_id`, `name` and
    `asset_id` (those holding the asset). Newest first, with asset counts and dates."""
    albums = Album.objects.filter(pk__in=readable_album_ids(user=user))
    if is_owned is not None:
        albums = albums.filter(owner=user) if is_owned else albums.exclude(owner=user)
    if is_shared is not None:
        shared_ids = Album.objects.filter(_is_shared()).values("pk")
        albums = albums.filter(pk__in=shared_ids) if is_shared else albums.exclude(pk__in=shared_ids)
    if album_id is not None:
        albums = albums.filter(pk=album_id)
    if name:
        albums = albums.filter(album_name=name)
    if asset_id is not None:
        albums = albums.filter(pk__in=Album.assets.through.objects.filter(asset_id=asset_id).values("album_id"))
    # Counted through the album's own join: the counts stay those of the whole album.
    return _annotated(Album.objects.filter(pk__in=albums.values("pk")))


def album_by_id(*, album_id) -> Album | None:
    """An album whatever its owner, for a caller the access checks already let in (a link holder)."""
    return _annotated(Album.objects.filter(pk=album_id)).first()


def album_statistics(*, user: User) -> dict:
    return {
        "owned": albums_of(user=user, is_owned=True).count(),
        "shared": albums_of(user=user, is_shared=True).count(),
        "notShared": albums_of(user=user, is_owned=True, is_shared=False).count(),
    }


def album_assets(*, album: Album) -> QuerySet[Asset]:
    ordering = "-local_date_time" if album.order == "desc" else "local_date_time"
    shown = album.assets.filter(deleted_at__isnull=True).exclude(status="deleted")
    return with_duplicate_group(shown.select_related("exif", "video", "nsfw")).order_by(ordering)


def album_contributor_counts(*, album: Album) -> list[dict]:
    """How many of the album's assets each user put there (their owners), the most first, as Immich counts them."""
    counts = (
        album_assets(album=album)
        .order_by()
        .values("owner_id")
        .annotate(asset_count=Count("id"))
        .order_by("-asset_count", "owner_id")
    )
    return [{"userId": row["owner_id"], "assetCount": row["asset_count"]} for row in counts]

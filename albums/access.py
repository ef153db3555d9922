"""The ways into an album, and into its assets, registered with `immich.access`: the owner does everything; a member
reads and downloads (a viewer) and also adds and removes assets (an editor); whoever may read an album sees its
assets (the live photo videos of its stills included), and nothing else of their owners'."""

from __future__ import annotations

from django.db.models import Q

from immich import access

READ = ("album.read", "album.download")
EDIT = ("albumAsset.create", "albumAsset.delete")
OWN = ("album.update", "album.delete", "album.share")
ASSET_READ = ("asset.read", "asset.view", "asset.download")


def _owned(actor: access.Actor, ids: set) -> list:
    from albums.models import Album

    return list(Album.objects.filter(owner=actor.user, pk__in=ids).values_list("id", flat=True))


def _shared_with(*roles: str):
    def grant(actor: access.Actor, ids: set) -> list:
        from albums.models import AlbumUser

        members = AlbumUser.objects.filter(user=actor.user, album_id__in=ids, role__in=roles)
        return list(members.values_list("album_id", flat=True))

    return grant


def readable_albums_q(user, prefix: str = "") -> Q:
    """The albums `user` owns or is a member of, as a filter on a relation named `prefix` (e.g. "albums__")."""
    return Q(**{f"{prefix}owner": user}) | Q(**{f"{prefix}members__user": user})


def _assets_in_readable_albums(actor: access.Actor, ids: set) -> set:
    from assets.models import Asset

    reachable = Asset.objects.filter(readable_albums_q(actor.user, "albums__"), deleted_at__isnull=True)
    found = set(reachable.filter(pk__in=ids).values_list("id", flat=True))
    found |= set(reachable.filter(live_photo_video_id__in=ids).values_list("live_photo_video_id", flat=True))
    return found


def _activity_allowed(actor: access.Actor, ids: set) -> list:
    """Comments and likes: the owner and members, on an album whose activity is enabled."""
    from albums.models import Album

    albums = Album.objects.filter(readable_albums_q(actor.user), pk__in=ids, is_activity_enabled=True)
    return list(albums.values_list("id", flat=True).distinct())


def _activity_removable(actor: access.Actor, ids: set) -> list:
    """An activity: its author, or the album's owner."""
    from albums.models import Activity

    mine = Q(user=actor.user) | Q(album__owner=actor.user)
    return list(Activity.objects.filter(mine, pk__in=ids).values_list("id", flat=True))


def register() -> None:
    access.register("activity.create", _activity_allowed)
    access.register("activity.delete", _activity_removable)
    for permission in (*READ, *EDIT, *OWN):
        access.register(permission, _owned)
    for permission in READ:
        access.register(permission, _shared_with("editor", "viewer"))
    for permission in EDIT:
        access.register(permission, _shared_with("editor"))
    for permission in ASSET_READ:
        access.register(permission, _assets_in_readable_albums)

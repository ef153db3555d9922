"""Writes on albums. Views call these; what the caller may do is asked of `immich.access` (an editor adds the assets
they may share, their own or a partner's, and removes those; the owner removes any)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone as django_timezone

from accounts.models import User
from albums.access import readable_albums_q
from albums.models import Album, AlbumAsset, AlbumUser
from assets.models import Asset
from assets.responses import bulk_add_results, bulk_remove_results
from immich import access
from immich.errors import BadRequest


def album_create(
    *, actor: access.Actor, name: str, description: str = "", asset_ids: list | None = None, members=()
) -> Album:
    with transaction.atomic():
        album = Album.objects.create(owner=actor.user, album_name=name, description=description)
        if members:
            album_add_users(album=album, members=members)
        if asset_ids:
            album_add_assets(actor=actor, album=album, ids=asset_ids)
    return album


def album_add_assets(*, actor: access.Actor, album: Album, ids: list) -> list[dict]:
    """Add the assets the caller may share; each id gets its own result (duplicate, no_permission) as Immich
    reports them."""
    shareable = access.allowed(actor, "asset.share", ids)
    present = set(AlbumAsset.objects.filter(album=album, asset_id__in=ids).values_list("asset_id", flat=True))
    results, new_ids = bulk_add_results(ids, present=present, allowed=shareable)
    new = [AlbumAsset(album=album, asset_id=asset_id) for asset_id in new_ids]
    with transaction.atomic():
        AlbumAsset.objects.bulk_create(new, ignore_conflicts=True)
        if new and album.album_thumbnail_asset_id is None:
            Album.objects.filter(pk=album.pk, album_thumbnail_asset__isnull=True).update(
                album_thumbnail_asset_id=new[0].asset_id
            )
        if new:
            Album.objects.filter(pk=album.pk).update(updated_at=django_timezone.now())
    return results


def album_remove_assets(*, actor: access.Actor, album: Album, ids: list) -> list[dict]:
    """The owner removes any asset; an editor only those they may share (their own, a partner's)."""
    present = set(AlbumAsset.objects.filter(album=album, asset_id__in=ids).values_list("asset_id", flat=True))
    removable = (
        present if access.can(actor, "album.delete", album.id) else access.allowed(actor, "asset.share", present)
    )
    with transaction.atomic():
        AlbumAsset.objects.filter(album=album, asset_id__in=removable).delete()
        if album.album_thumbnail_asset_id in removable:
            replacement = AlbumAsset.objects.filter(album=album).values_list("asset_id", flat=True).first()
            Album.objects.filter(pk=album.pk).update(album_thumbnail_asset_id=replacement)
        if removable:
            Album.objects.filter(pk=album.pk).update(updated_at=django_timezone.now())
    return bulk_remove_results(ids, present=present, removable=removable)


def album_update(*, album: Album, changes: dict) -> Album:
    thumbnail = changes.get("album_thumbnail_asset_id")
    if thumbnail and not AlbumAsset.objects.filter(album=album, asset_id=thumbnail).exists():
        raise BadRequest("Invalid album thumbnail: the asset is not in the album")
    Album.objects.filter(pk=album.pk).update(**changes, updated_at=django_timezone.now())
    return album


def album_add_users(*, album: Album, members) -> None:
    """Share the album: each `{"userId", "role"}` becomes a member (one already a member is left as they are, as
    Immich 3.x does). The owner and unknown or deleted users are refused, and then nobody is added."""
    wanted = {member["userId"]: member["role"] for member in members}
    if album.owner_id in wanted:
        raise BadRequest("Cannot be shared with owner")
    known = set(User.objects.filter(pk__in=wanted, deleted_at__isnull=True).values_list("id", flat=True))
    if known != set(wanted):
        raise BadRequest("Invalid user")
    with transaction.atomic():
        AlbumUser.objects.bulk_create(
            [AlbumUser(album=album, user_id=user_id, role=role) for user_id, role in wanted.items()],
            ignore_conflicts=True,
        )
        Album.objects.filter(pk=album.pk).update(updated_at=django_timezone.now())


def _member(album: Album, user_id) -> AlbumUser:
    if user_id == album.owner_id:
        raise BadRequest("User is owner")
    member = AlbumUser.objects.filter(album=album, user_id=user_id).first()
    if member is None:
        raise BadRequest("Album not shared with user")
    return member


def album_user_update(*, album: Album, user_id, role: str) -> None:
    member = _member(album, user_id)
    AlbumUser.objects.filter(pk=member.pk).update(role=role)


def album_user_remove(*, actor: access.Actor, album: Album, user_id) -> None:
    """The owner removes any member; a member removes themselves (leaves). The owner cannot leave."""
    if user_id == album.owner_id:
        raise BadRequest("Cannot remove album owner")
    member = _member(album, user_id)
    if user_id != actor.user.id:
        access.require(actor, "album.share", [album.id])
    member.delete()


def album_copy_memberships(source: Asset, target: Asset) -> None:
    """`PUT /api/assets/copy` with `albums`: the target joins every album the source is in."""
    albums = AlbumAsset.objects.filter(asset=source).values_list("album_id", flat=True)
    AlbumAsset.objects.bulk_create(
        [AlbumAsset(album_id=album_id, asset=target) for album_id in albums], ignore_conflicts=True
    )


def album_merge_duplicates(actor: access.Actor, kept_id, group_ids: list) -> None:
    """A resolved duplicate group (Immich 3.1): the kept asset joins the albums, of those the caller owns or is a
    member of, that hold an asset of its group, where the caller may add assets and may share the kept one."""
    albums = Album.objects.filter(readable_albums_q(actor.user), assets__in=group_ids).values_list("id", flat=True)
    allowed = access.allowed(actor, "albumAsset.create", set(albums))
    if allowed and access.can(actor, "asset.share", kept_id):
        for album in Album.objects.filter(pk__in=allowed):
            album_add_assets(actor=actor, album=album, ids=[kept_id])

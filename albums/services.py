"""Writes on albums. Views call these; an album only ever holds its owner's assets."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone as django_timezone

from accounts.models import User
from albums.models import Album, AlbumAsset
from assets.models import Asset, AssetStatus
from assets.responses import bulk_add_results, bulk_remove_results
from immich.errors import BadRequest


def album_create(*, owner: User, name: str, description: str = "", asset_ids: list | None = None) -> Album:
    with transaction.atomic():
        album = Album.objects.create(owner=owner, album_name=name, description=description)
        if asset_ids:
            album_add_assets(owner=owner, album=album, ids=asset_ids)
    return album


def album_add_assets(*, owner: User, album: Album, ids: list) -> list[dict]:
    """Add the owner's assets; each id gets its own result (duplicate, not_found...) as Immich reports them."""
    owned = set(
        Asset.objects.filter(owner=owner, pk__in=ids).exclude(status=AssetStatus.DELETED).values_list("id", flat=True)
    )
    present = set(AlbumAsset.objects.filter(album=album, asset_id__in=ids).values_list("asset_id", flat=True))
    results, new_ids = bulk_add_results(ids, present=present, allowed=owned)
    new = [AlbumAsset(album=album, asset_id=asset_id) for asset_id in new_ids]
    with transaction.atomic():
        AlbumAsset.objects.bulk_create(new, ignore_conflicts=True)
        if new and album.album_thumbnail_asset_id is None:
            Album.objects.filter(pk=album.pk, album_thumbnail_asset__isnull=True).update(
                album_thumbnail_asset_id=new[0].asset_id
            )
        Album.objects.filter(pk=album.pk).update(updated_at=django_timezone.now())
    return results


def album_remove_assets(*, album: Album, ids: list) -> list[dict]:
    present = set(AlbumAsset.objects.filter(album=album, asset_id__in=ids).values_list("asset_id", flat=True))
    with transaction.atomic():
        AlbumAsset.objects.filter(album=album, asset_id__in=present).delete()
        if album.album_thumbnail_asset_id in present:
            replacement = AlbumAsset.objects.filter(album=album).values_list("asset_id", flat=True).first()
            Album.objects.filter(pk=album.pk).update(album_thumbnail_asset_id=replacement)
    return bulk_remove_results(ids, present=present)


def album_update(*, owner: User, album: Album, changes: dict) -> Album:
    thumbnail = changes.get("album_thumbnail_asset_id")
    if thumbnail and not AlbumAsset.objects.filter(album=album, asset_id=thumbnail).exists():
        raise BadRequest("Invalid album thumbnail: the asset is not in the album")
    Album.objects.filter(pk=album.pk, owner=owner).update(**changes, updated_at=django_timezone.now())
    return album


def album_copy_memberships(source: Asset, target: Asset) -> None:
    """`PUT /api/assets/copy` with `albums`: the target joins every album the source is in."""
    albums = AlbumAsset.objects.filter(asset=source).values_list("album_id", flat=True)
    AlbumAsset.objects.bulk_create(
        [AlbumAsset(album_id=album_id, asset=target) for album_id in albums], ignore_conflicts=True
    )

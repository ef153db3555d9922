"""Downloads (Immich's download service): which originals a request names, split into archives of at most the
caller's download archive size, and a zip of originals streamed as it is read (stored, not compressed, as Immich
does), in constant memory whatever its size. Who may download what is asked of `immich.access` (the owner, album
members, partners, link holders whose link allows downloads)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from accounts.preferences import ARCHIVE_SIZE_DEFAULT, preferences_of
from assets.models import Asset, AssetStatus
from assets.storage import original_roots
from assets.stored_zip import Entry, stored_zip
from immich import access, storage
from immich.errors import BadRequest

CHUNK = 1024 * 1024


def _with_motion_parts(assets: Iterable[Asset]) -> list[Asset]:
    """The assets, each live photo followed by its video half (once), as Immich's archives hold them."""
    chosen = list(assets)
    seen = {asset.id for asset in chosen}
    motion_ids = [asset.live_photo_video_id for asset in chosen if asset.live_photo_video_id not in (None, *seen)]
    motions = {asset.id: asset for asset in Asset.objects.filter(pk__in=motion_ids).exclude(status=AssetStatus.DELETED)}
    ordered = []
    for asset in chosen:
        ordered.append(asset)
        motion = motions.pop(asset.live_photo_video_id, None) if asset.live_photo_video_id else None
        if motion is not None:
            ordered.append(motion)
    return ordered


def _available(ids) -> list[Asset]:
    found = Asset.objects.filter(pk__in=ids, deleted_at__isnull=True, is_offline=False).exclude(
        status=AssetStatus.DELETED
    )
    by_id = {asset.id: asset for asset in found}
    return [by_id[asset_id] for asset_id in dict.fromkeys(ids) if asset_id in by_id]


def archive_size_of(actor: access.Actor) -> int:
    preferences = preferences_of(user=actor.user)
    return int(preferences.get("download", {}).get("archiveSize") or ARCHIVE_SIZE_DEFAULT)


def download_info(*, actor: access.Actor, asset_ids=None, album_id=None, user_id=None, archive_size=None) -> dict:
    """The archives a download is made of: `assetIds` the caller may download, an album's assets, or the caller's
    own library (`userId`)."""
    if asset_ids:
        access.require(actor, "asset.download", asset_ids)
        assets = _available(asset_ids)
    elif album_id is not None:
        access.require(actor, "album.download", [album_id])
        album_assets = Asset.objects.filter(albums__id=album_id, deleted_at__isnull=True, is_offline=False)
        assets = list(album_assets.exclude(status=AssetStatus.DELETED).order_by("file_created_at", "id"))
    elif user_id is not None:
        if actor.is_link or user_id != actor.user.id:
            access.require(actor, "timeline.download", [user_id])
        own = Asset.objects.filter(owner_id=user_id, deleted_at__isnull=True, is_offline=False)
        assets = list(own.exclude(status=AssetStatus.DELETED).order_by("file_created_at", "id"))
    else:
        raise BadRequest("assetIds, albumId, or userId is required")
    target = archive_size or archive_size_of(actor)
    archives: list[dict] = [{"assetIds": [], "size": 0}]
    for asset in _with_motion_parts(assets):
        archive = archives[-1]
        archive["assetIds"].append(str(asset.id))
        archive["size"] += asset.file_size or 0
        if archive["size"] > target:
            archives.append({"assetIds": [], "size": 0})
    if not archives[-1]["assetIds"] and len(archives) > 1:
        archives.pop()
    return {"totalSize": sum(archive["size"] for archive in archives), "archives": archives}


def archive_assets(*, actor: access.Actor, asset_ids: list) -> list[Asset]:
    """The originals of one archive, checked: every id reachable, and no bigger than one archive of /download/info
    (its parts summed, but for the one that crossed the limit)."""
    access.require(actor, "asset.download", asset_ids)
    assets = _available(asset_ids)
    sizes = [asset.file_size or 0 for asset in assets]
    limit = archive_size_of(actor)
    if sizes and sum(sizes) - max(sizes) > limit:
        raise BadRequest(f"The archive is larger than the download archive size ({limit} bytes): ask /download/info")
    return assets


def _entry_names(assets: list[Asset]) -> list[str]:
    """Each original's file name, `name+1.ext` for the second of a name (as Immich names them)."""
    counts: dict[str, int] = {}
    names = []
    for asset in assets:
        name = os.path.basename(asset.original_file_name.replace("\\", "/")) or str(asset.id)
        count = counts.get(name, 0)
        counts[name] = count + 1
        if count:
            stem, ext = os.path.splitext(name)
            name = f"{stem}+{count}{ext}"
        names.append(name)
    return names


def zip_stream(assets: list[Asset]) -> Iterator[bytes]:
    """A zip of the originals, produced as their bytes are read (a missing original is left out)."""
    return stored_zip(_entries(assets))


def _entries(assets: list[Asset]) -> Iterator[Entry]:
    """Each original's entry, stated when its turn comes (not all at the start of a long download)."""
    for asset, name in zip(assets, _entry_names(assets)):
        roots = original_roots(asset)
        found = storage.stat(asset.original_path, roots=roots)
        if found is None:
            continue
        moment = asset.file_modified_at or asset.created_at
        date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        yield Entry(name, date_time if moment.year >= 1980 else (1980, 1, 1, 0, 0, 0), found.size,
                    storage.read(asset.original_path, roots=roots))  # fmt: skip

"""Where the server keeps an asset's files under the media location (stored by `immich.storage`), and the folders
its original may be read from. Every path it builds stays inside its root."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from assets.hooks import asset_taken_offline
from assets.models import Asset
from immich import storage
from immich.roots import library_file_roots
from immich.storage import media_root
from workers.media import fs


class PathEscapesRoot(ValueError):
    pass


def nested_folder(folder: str, owner_id: object, name: str) -> Path:
    """`<media>/<folder>/<ownerId>/<name[0:2]>/<name[2:4]>`, the reference's sharded layout."""
    return media_root() / folder / str(owner_id) / name[0:2] / name[2:4]


def ensure_inside(root: Path, path: Path) -> Path:
    resolved_root = root.resolve()
    resolved = path.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise PathEscapesRoot(f"{path} is outside {root}")
    return resolved


OFFLINE_REASON = "the original file leads out of its folders, so the asset is offline"  # a step's failure


def original_roots(asset: Asset) -> tuple[str, ...]:
    """The folders the asset's original (and sidecar) may be in: the media location for an upload, the library's
    import paths for a library's file."""
    if asset.library_id is None:
        return (str(media_root()),)
    return library_file_roots(asset.library.import_paths)


def asset_take_offline(asset: Asset) -> None:
    """The asset's file leads out of its folders (a library file replaced by a link): offline and in the trash,
    as the scan takes a file it no longer finds there, until a scan sees a proper file again."""
    now = timezone.now()
    with transaction.atomic():
        asset_taken_offline(asset.id)  # libraries: the reason on its file
        Asset.objects.filter(pk=asset.id, deleted_at__isnull=True).update(deleted_at=now)
        Asset.objects.filter(pk=asset.id).update(is_offline=True, updated_at=now)


@contextmanager
def local_original(asset: Asset, path: str | None = None) -> Iterator[Path]:
    """`storage.local_copy` of the asset's original (or of `path`, its sidecar) inside its roots; one leading out
    takes the asset offline and raises fs.OutsideRoots."""
    try:
        with storage.local_copy(
            path or asset.original_path, roots=original_roots(asset), missing_ok=path is not None
        ) as local:
            yield local
    except fs.OutsideRoots:
        asset_take_offline(asset)
        raise

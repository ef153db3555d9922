"""Where the server keeps an asset's files under the media location (stored by `immich.storage`). Every path it
builds stays inside its root."""

from __future__ import annotations

from pathlib import Path

from immich.storage import media_root


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


"""Which folders files may be read from: an upload's under the media location, an external library's under its
import paths, none of which may hold or lie in the media location or leave IMMICH_EXTERNAL_LIBRARY_ROOTS. Used by
the libraries (checks of import paths, scans, the watcher) and by whatever reads a library's file (the pipeline)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from immich.env import ENV


def allowed_roots() -> tuple[Path, ...]:
    return ENV.external_library_roots


def normalize_path(path: str) -> str:
    return os.path.normpath(path) if path else path


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def under_any(path: str, roots: list[str]) -> bool:
    return any(inside(path, root) for root in roots)


def location_problem(path: str) -> str | None:
    """Why files at `path`, once symlinks are resolved, may not be imported: it is in (or holds) the media location,
    or lies outside IMMICH_EXTERNAL_LIBRARY_ROOTS. None when they may. Checked for import paths and for every
    symlink a scan meets, so that a link cannot reach what an import path could not."""
    real = os.path.realpath(path)
    media = os.path.realpath(settings.MEDIA_LOCATION)
    if inside(real, media):
        return "Cannot use media upload folder for external libraries"
    if inside(media, real):
        return f"Import path contains the media location ({media}); choose a folder without the server's own files"
    roots = allowed_roots()
    if roots and not any(inside(real, os.path.realpath(root)) for root in roots):
        allowed = ":".join(str(root) for root in roots)
        return f"Import path is outside the allowed external library roots (IMMICH_EXTERNAL_LIBRARY_ROOTS={allowed})"
    return None


def effective_roots(import_paths: list[str]) -> list[str]:
    """Normalised import paths without those nested in another (they would be walked twice)."""
    normalized = sorted({normalize_path(path) for path in import_paths})
    roots: list[str] = []
    for path in normalized:
        if not any(inside(path, root) for root in roots):
            roots.append(path)
    return roots


def library_file_roots(import_paths: list[str]) -> tuple[str, ...]:
    """The folders a library's files may be read from: its import paths, none of which holds or lies in the media
    location (`location_problem` refused them). A file the scan reached through a link out of them is not read."""
    return tuple(root for root in effective_roots(import_paths) if not location_problem(root))

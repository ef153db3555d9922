"""Import path and exclusion pattern checks, each refusal with its own message."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from immich.env import ENV
from libraries.matcher import pattern_problem

MAX_ITEMS = 128


def allowed_roots() -> tuple[Path, ...]:
    return ENV.external_library_roots


def normalize_path(path: str) -> str:
    return os.path.normpath(path) if path else path


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@dataclass(frozen=True)
class PathCheck:
    import_path: str
    is_valid: bool
    message: str = ""


def location_problem(path: str) -> str | None:
    """Why files at `path`, once symlinks are resolved, may not be imported: it is in (or holds) the media location,
    or lies outside IMMICH_EXTERNAL_LIBRARY_ROOTS. None when they may. Checked for import paths and for every
    symlink a scan meets, so that a link cannot reach what an import path could not."""
    real = os.path.realpath(path)
    media = os.path.realpath(settings.MEDIA_LOCATION)
    if _inside(real, media):
        return "Cannot use media upload folder for external libraries"
    if _inside(media, real):
        return f"Import path contains the media location ({media}); choose a folder without the server's own files"
    roots = allowed_roots()
    if roots and not any(_inside(real, os.path.realpath(root)) for root in roots):
        allowed = ":".join(str(root) for root in roots)
        return f"Import path is outside the allowed external library roots (IMMICH_EXTERNAL_LIBRARY_ROOTS={allowed})"
    return None


def check_import_path(import_path: str) -> PathCheck:
    def refuse(message: str) -> PathCheck:
        return PathCheck(import_path, False, message)

    if not isinstance(import_path, str) or not import_path.strip():
        return refuse("Import path is empty")
    if "\x00" in import_path:
        return refuse("Import path contains a NUL character")
    if not os.path.isabs(import_path):
        return refuse(f"Import path must be absolute: {import_path}")
    problem = location_problem(import_path)
    if problem:
        return refuse(problem)
    try:
        os.stat(import_path)
    except FileNotFoundError:
        return refuse("Path does not exist (ENOENT)")
    except PermissionError:
        return refuse("Lacking read permission for folder")
    except OSError as error:
        return refuse(f"Cannot open path: {error.strerror or error}")
    if not os.path.isdir(import_path):
        return refuse("Not a directory")
    try:
        with os.scandir(import_path) as entries:
            next(entries, None)
    except PermissionError:
        return refuse("Lacking read permission for folder")
    except OSError as error:
        return refuse(f"Cannot read folder: {error.strerror or error}")
    return PathCheck(import_path, True)


def list_problem(name: str, values) -> str | None:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        return f"{name} must be a list of strings"
    if len(values) > MAX_ITEMS:
        return f"{name} can hold at most {MAX_ITEMS} items"
    if len(set(values)) != len(values):
        return f"{name} must not repeat an item"
    return None


def patterns_problems(patterns: list[str]) -> list[dict]:
    return [
        {"pattern": pattern, "isValid": problem is None, "message": problem}
        for pattern in patterns
        for problem in [pattern_problem(pattern)]
    ]


def effective_roots(import_paths: list[str]) -> list[str]:
    """Normalised import paths without those nested in another (they would be walked twice)."""
    normalized = sorted({normalize_path(path) for path in import_paths})
    roots: list[str] = []
    for path in normalized:
        if not any(_inside(path, root) for root in roots):
            roots.append(path)
    return roots


def library_file_roots(import_paths: list[str]) -> tuple[str, ...]:
    """The folders a library's files may be read from: its import paths, none of which holds or lies in the media
    location (`location_problem` refused them). A file the scan reached through a link out of them is not read."""
    return tuple(root for root in effective_roots(import_paths) if not location_problem(root))


def under_any(path: str, roots: list[str]) -> bool:
    return any(_inside(path, root) for root in roots)

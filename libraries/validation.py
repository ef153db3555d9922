"""Import path and exclusion pattern checks, each refusal with its own message."""

from __future__ import annotations

import os
from dataclasses import dataclass

from immich.roots import location_problem
from libraries.matcher import pattern_problem

MAX_ITEMS = 128


@dataclass(frozen=True)
class PathCheck:
    import_path: str
    is_valid: bool
    message: str = ""


def import_path_refusal(import_path: str) -> str | None:
    """Why an import path may never be saved: empty, relative, in or around the media location, or outside
    IMMICH_EXTERNAL_LIBRARY_ROOTS. None when it may, even if it does not exist yet (a share mounted later): such a
    path is reported by `check_import_path` and skipped by scans until it is there."""
    if not isinstance(import_path, str) or not import_path.strip():
        return "Import path is empty"
    if "\x00" in import_path:
        return "Import path contains a NUL character"
    if not os.path.isabs(import_path):
        return f"Import path must be absolute, try {os.path.abspath(import_path)}"
    return location_problem(import_path)


def check_import_path(import_path: str) -> PathCheck:
    """Whether files can be imported from the path now, with the reference's message when not."""

    def refuse(message: str) -> PathCheck:
        return PathCheck(import_path, False, message)

    refusal = import_path_refusal(import_path)
    if refusal:
        return refuse(refusal)
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

"""Helpers for the library tests."""

from __future__ import annotations

import os
from pathlib import Path

from libraries import scan as library_scan_module
from libraries.models import Library
from libraries.services import library_queue_metadata
from tests.media_factories import make_jpeg


def scan(library: Library):
    """A scan, then what the worker runs right after it (new assets into the pipeline)."""
    outcome = library_scan_module.library_scan(library_id=library.pk)
    library_queue_metadata(library_id=library.pk)
    return outcome


def photo(folder: Path, name: str, color=(200, 40, 40)) -> Path:
    return make_jpeg(folder / name, color=color)


def touch(path: Path, data: bytes = b"", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path

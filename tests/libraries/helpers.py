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


def as_if_on_a_share(library: Library) -> None:
    """Record that the last scan read each import path from another filesystem (a share mounted there), so that a
    missing or emptied path looks like a dropped mount, not like a folder removed on purpose."""
    library.refresh_from_db()
    devices = library.last_scan["devices"]
    Library.objects.filter(pk=library.pk).update(
        last_scan={**library.last_scan, "devices": {root: device + 1 for root, device in devices.items()}}
    )
    library.refresh_from_db()


def photo(folder: Path, name: str, color=(200, 40, 40)) -> Path:
    return make_jpeg(folder / name, color=color)


def touch(path: Path, data: bytes = b"", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path

"""Files tagged the way cameras, phones and editors tag them, written by exiftool itself (Debian's
libimage-exiftool-perl, installed by bin/test): the metadata tests and the agreement bench read what it wrote."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed (bin/test installs it)")


def exiftool_tag(path: Path, *assignments: str) -> Path:
    """Writes `-TAG=VALUE` assignments into the file in place (its only copy is the test's)."""
    if EXIFTOOL is None:
        pytest.skip("exiftool is not installed (bin/test installs it)")
    subprocess.run(
        [EXIFTOOL, "-q", "-q", "-overwrite_original", "-m", *(f"-{item}" for item in assignments), str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def gps(latitude: float, longitude: float) -> tuple[str, ...]:
    """The EXIF GPS assignments of a position (exiftool writes the references apart from the values)."""
    return (
        f"GPSLatitude={abs(latitude)}",
        f"GPSLatitudeRef={'S' if latitude < 0 else 'N'}",
        f"GPSLongitude={abs(longitude)}",
        f"GPSLongitudeRef={'W' if longitude < 0 else 'E'}",
    )


def blank_jpeg(folder: Path, name: str = "a.jpg") -> Path:
    """A JPEG without tags, for exiftool to tag."""
    from tests.media_factories import make_exif_jpeg

    return make_exif_jpeg(folder / name, exif={})

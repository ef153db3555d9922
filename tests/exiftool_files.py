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

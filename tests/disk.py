"""A small disk of the test's own: a tmpfs mounted over a folder, to fill up and free again (the tests run as root
here and in CI; where mounting is not permitted the test is skipped, saying so)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

FILLER = ".filler"  # at the disk's root, beside the data folders: check_consistency does not judge it


class SmallDisk:
    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        path.mkdir(parents=True, exist_ok=True)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], capture_output=True, text=True
        )
        if mounted.returncode != 0:
            pytest.skip(
                f"mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}"
            )

    def free_bytes(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self, *, leave: int = 0) -> None:
        """Take all the free space but `leave` bytes (rounded down to the disk's pages)."""
        with open(self.path / FILLER, "ab", buffering=0) as filler:
            while (room := self.free_bytes() - leave) > 0:
                try:
                    filler.write(b"\0" * min(room, 1 << 20))
                except OSError:  # full: tmpfs counts whole pages
                    break

    def free(self) -> None:
        (self.path / FILLER).unlink(missing_ok=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=True)


@pytest.fixture
def small_disk():
    """`small_disk(path, size)` mounts a tmpfs of `size` bytes over `path` (made if missing) for the test."""
    disks: list[SmallDisk] = []

    def mount(path: Path, size: int) -> SmallDisk:
        disk = SmallDisk(path, size)
        disks.append(disk)
        return disk

    yield mount
    for disk in reversed(disks):
        disk.unmount()

"""Scratch folders of jobs: what a process that died mid-job leaves behind is removed; nothing else is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from immich.storage import scratch_debris_remove


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_the_scratch_folders_of_dead_processes_of_this_machine_are_removed(tmp_path, settings):
    settings.SCRATCH_LOCATION = tmp_path
    jobs = tmp_path / "jobs"
    host = socket.gethostname()
    dead = jobs / f"{host}-{_dead_pid()}-0a1b"
    alive = jobs / f"{host}-{os.getpid()}-2c3d"
    other_machine = jobs / f"another-{host}-1-4e5f"
    for folder in (dead, alive, other_machine):
        (folder / "copy").mkdir(parents=True)
        (folder / "copy" / "original.jpg").write_bytes(b"bytes")

    assert scratch_debris_remove() == 1

    assert not dead.exists()
    assert (alive / "copy" / "original.jpg").exists()
    assert (other_machine / "copy" / "original.jpg").exists()


def test_no_scratch_folder_yet_is_nothing_to_remove(tmp_path, settings):
    settings.SCRATCH_LOCATION = tmp_path / "never-made"
    assert scratch_debris_remove() == 0

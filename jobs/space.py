"""A full disk is waited out: the steps that meet it are neither failed nor counted as attempts (issue 26, item 11)."""

from __future__ import annotations


class WaitingForSpace(Exception):
    """A step met a full storage (ENOSPC, EDQUOT): given back to pending without counting an attempt, to be tried
    again after `space_wait_s`, for as long as the disk stays full (the file is not at fault)."""


# Waits between tries of a step that met a full disk: 5 s, doubling, then every 5 minutes. The reconciler leaves
# such a step alone for the longest wait, so the task's own retry is the one that runs it (no duplicate messages).
SPACE_WAIT_FIRST_S = 5
SPACE_WAIT_MAX_S = 300
WAITING_FOR_SPACE = "waiting for free space on the storage (the disk or its quota is full); tried again until there is"


def space_wait_s(waits: int) -> int:
    wait: int = SPACE_WAIT_FIRST_S << min(waits, 10)
    return min(SPACE_WAIT_MAX_S, wait)

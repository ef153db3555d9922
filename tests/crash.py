"""Crash injection for fault tests: the process dies, as `kill -9` would (no cleanup, open transactions lost), when
it reaches a crash point (`workers.media.fs.crash_point`), which does nothing in production."""

import os
import signal

import pytest

from workers.media import fs


def die_at(monkeypatch: pytest.MonkeyPatch, point: str, *, passes: int = 1) -> None:
    """Kill this process the `passes`-th time it reaches `point`."""
    reached = 0

    def crash_point(name: str) -> None:
        nonlocal reached
        if name == point:
            reached += 1
            if reached == passes:
                os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(fs, "crash_point", crash_point)

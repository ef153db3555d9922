"""A text progress bar for management commands (stderr, redrawn in place on a terminal, a line per 10% in logs)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
WIDTH = 30


def progress(items: Iterable[T], *, total: int | None = None, label: str = "", stream: TextIO | None = None) -> Iterator[T]:
    stream = stream or sys.stderr
    if total is None:
        total = len(items) if hasattr(items, "__len__") else 0
    interactive = stream.isatty()
    started = time.monotonic()
    last_decile = -1
    done = 0

    def draw(final: bool = False) -> None:
        nonlocal last_decile
        fraction = done / total if total else 1.0
        decile = int(fraction * 10)
        if not interactive and not final and decile == last_decile:
            return
        last_decile = decile
        filled = int(fraction * WIDTH)
        rate = done / max(time.monotonic() - started, 1e-9)
        line = f"{label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total or '?'} ({rate:.0f}/s)"
        stream.write(("\r" + line) if interactive else line + "\n")
        if final and interactive:
            stream.write("\n")
        stream.flush()

    for item in items:
        yield item
        done += 1
        draw()
    draw(final=True)

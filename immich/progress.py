"""The progress bar of management commands, drawn by `rich` on stderr: redrawn in place on a terminal; in a log (not
a terminal, where nothing can be redrawn) one line every few seconds, one when a phase ends (the label changes) and
one at the end, so a long run in a container's log still shows that it moves and a short one writes little."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

T = TypeVar("T")
LOG_EVERY_S = 5.0  # in a log, a line this often while the work goes on


class ProgressBar:
    """`update(done, total, label=...)` as the work goes (total None: not known yet), `close()` at the end."""

    def __init__(self, stream: TextIO | None = None, *, label: str = "", total: int | None = None, unit: str = ""):
        out = stream or sys.stderr
        out = getattr(out, "_out", out)  # Django's OutputWrapper ends every write with a newline: rich needs the file
        self.console = Console(file=out, highlight=False)
        self.interactive = self.console.is_terminal
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=self.console,
            auto_refresh=self.interactive,
        )
        self.task = self.bar.add_task(label, total=total, rate="")
        self.logged_at = time.monotonic()
        self.bar.start()

    def update(self, done: int, total: int | None = None, *, label: str | None = None) -> None:
        ending = self.bar.tasks[0].description
        if not self.interactive and label is not None and ending and label != ending:
            self.console.print(self.bar.get_renderable())  # in a log: the phase that ends, as it ended
            self.logged_at = time.monotonic()
        changes = {"completed": done}
        if total is not None:
            changes["total"] = total
        if label is not None:
            changes["description"] = label
        self.bar.update(self.task, **changes)
        task = self.bar.tasks[0]
        self.bar.update(self.task, rate=f"{done / max(task.elapsed or 0, 1e-6):,.0f}/s")
        if self.interactive or (task.total is not None and done >= task.total):
            return  # redrawn in place; or the end, which close() prints
        now = time.monotonic()
        if now - self.logged_at >= LOG_EVERY_S:
            self.logged_at = now
            self.console.print(self.bar.get_renderable())

    def close(self) -> None:
        self.bar.stop()  # prints the final state, in a log too

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def progress(
    items: Iterable[T], *, total: int | None = None, label: str = "", stream: TextIO | None = None
) -> Iterator[T]:
    """`items` as they come, with a bar of how many have come."""
    if total is None:
        total = len(items) if hasattr(items, "__len__") else None
    with ProgressBar(stream, label=label, total=total) as bar:
        done = 0
        for item in items:
            yield item
            done += 1
            bar.update(done)

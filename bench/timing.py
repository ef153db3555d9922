"""Timing shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` calls of `run`, in milliseconds."""
    return statistics.median(timed_ms(run) for _ in range(repeat))


def timed_ms(run: Callable[[], object]) -> float:
    """The wall time of one call of `run`, in milliseconds."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def percentile(timings: list[float], percent: int) -> float:
    """The `percent`th percentile of `timings` (inclusive method: the slowest of 20 is the 100th)."""
    return statistics.quantiles(timings, n=100, method="inclusive")[percent - 1]


def database_cpu_ms() -> Callable[[], float]:
    """A clock of the CPU time the database server's process for this connection has spent, in milliseconds (its
    scheduler statistics: nanoseconds, where /proc's stat counts 10 ms ticks). On a loaded machine the server's work
    per request, beside the API process's own CPU time: neither counts the time spent waiting for a core."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    schedstat = Path(f"/proc/{pid}/schedstat")  # the server runs on this machine, as the benches' databases do
    return lambda: int(schedstat.read_text().split()[0]) / 1_000_000

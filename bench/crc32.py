"""CRC-32 rates on one core (the archive download's own cost, issue 21): the standard library's zlib against the
candidates for a faster one, on the same buffers in the same run.

    .venv/bin/python bench/crc32.py [--mib 512] [--rounds 7]

Each round feeds every implementation `--mib` MiB in buffers of 1 MiB and 4 MiB (random bytes, in memory: the CRC
alone, no disk), alternated; prints the median rate of each on the thread's CPU time (a shared machine's other load
does not count), the ratio to zlib, and whether each CRC equals zlib's. A candidate that is not installed is
skipped."""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time
from collections.abc import Callable

MIB = 1024 * 1024
CANDIDATES = {  # name: (module, function)
    "zlib (standard library)": ("zlib", "crc32"),
    "isal (isal_zlib)": ("isal.isal_zlib", "crc32"),
    "zlib-ng (zlib_ng)": ("zlib_ng.zlib_ng", "crc32"),
}


def _installed() -> dict[str, Callable[..., int]]:
    found = {}
    for name, (module, function) in CANDIDATES.items():
        try:
            found[name] = getattr(importlib.import_module(module), function)
        except ImportError:
            print(f"{name}: not installed, skipped")
    return found


def _rate(crc32: Callable[..., int], buffers: list[bytes], total: int) -> tuple[float, int]:
    """MiB/s on this thread's CPU time, and the CRC of the buffers fed `total // len(buffers)` times over."""
    passes = total // sum(len(buffer) for buffer in buffers)
    started = time.thread_time()
    crc = 0
    for _ in range(passes):
        for buffer in buffers:
            crc = crc32(buffer, crc)
    return passes * sum(len(buffer) for buffer in buffers) / MIB / (time.thread_time() - started), crc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    implementations = _installed()
    data = os.urandom(8 * MIB)
    for size in (MIB, 4 * MIB):
        buffers = [data[start : start + size] for start in range(0, len(data), size)]
        rates: dict[str, list[float]] = {name: [] for name in implementations}
        crcs: dict[str, int] = {}
        for _ in range(args.rounds):  # alternated, so that each meets the same moments of a shared machine
            for name, crc32 in implementations.items():
                rate, crcs[name] = _rate(crc32, buffers, args.mib * MIB)
                rates[name].append(rate)
        reference = statistics.median(rates["zlib (standard library)"])
        print(f"buffers of {size // MIB} MiB, {args.mib} MiB a pass, median of {args.rounds} (CPU time, one core):")
        for name, measured in rates.items():
            rate = statistics.median(measured)
            same = "same CRC" if crcs[name] == crcs["zlib (standard library)"] else "DIFFERENT CRC"
            print(f"  {name:26} {rate:8,.0f} MiB/s  {rate / reference:5.1f}x zlib  {same}")


if __name__ == "__main__":
    main()

"""For the benchmarks that compare writes: the page cache of a long-running server, on a VM that takes memory back.

A VM with free page reporting (virtio-balloon, as on the project machines) hands the pages its kernel frees back to
the host within seconds, and the next write into them waits for the host to fault them in again: 350-450 MiB/s and
~2.5 s of system time per GiB, against 4-5 GB/s into memory the guest holds (measured 2026-12-06). Which of two
compared writes lands in such memory then depends on timing, not on the code measured. A server that has run for a
while has no free memory to speak of, its page cache fills it, and new writes take reclaimed cache pages. The
benchmarks recreate that state: `fill_free_memory` fills free memory with clean page cache (reads of a sparse file,
which costs no disk), and they keep the files they write until the end of the run, so that nothing is freed between
measurements. On a machine without free page reporting this changes nothing but a few seconds of reading.
"""

from __future__ import annotations

from pathlib import Path

MIB = 1024 * 1024
_REPORTING = Path("/sys/module/page_reporting/parameters/reported_kib")


def free_page_reporting() -> bool:
    return _REPORTING.exists()


def _meminfo_mib(field: str) -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    raise KeyError(field)


def fill_free_memory(folder: Path, *, leave_free_mib: int = 1024) -> Path:
    """Read a sparse file as large as free memory (less `leave_free_mib`) into the page cache; returns its path,
    which the caller deletes at the end. Its clean pages are the first that later writes reclaim."""
    filler = folder / "page-cache-filler"
    size = max(0, _meminfo_mib("MemFree") - leave_free_mib) * MIB
    with open(filler, "wb") as handle:
        handle.truncate(size)
    buffer = bytearray(8 * MIB)
    with open(filler, "rb", buffering=0) as handle:
        while handle.readinto(buffer):
            pass
    return filler

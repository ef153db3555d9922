"""What the gunicorn workers of a benchmarked server use: their resident memory (sampled for the peak), CPU seconds
and minor page faults, read from psutil or /proc. Shared by the upload benchmarks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

try:  # psutil is a dependency of the venv; /proc is the fallback.
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

SAMPLE_INTERVAL_S = 0.05


def _children(pid: int) -> list[int]:
    if psutil is not None:
        try:
            return [child.pid for child in psutil.Process(pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def workers_cpu_and_faults(master_pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and minor page faults of the gunicorn workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu, faults = 0.0, 0
    for pid in _children(master_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        faults += int(fields[7])
        cpu += (int(fields[11]) + int(fields[12])) / ticks
    return cpu, faults


def workers_rss(master_pid: int) -> int:
    """Sum of the RSS of the gunicorn workers (the master's children)."""
    return sum(_rss_bytes(pid) for pid in _children(master_pid))


class RssSampler(threading.Thread):
    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.peak = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, workers_rss(self.master_pid))
            self.samples += 1
            self._stop_event.wait(SAMPLE_INTERVAL_S)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, workers_rss(self.master_pid))

"""The attack's decode bombs through a real Celery worker (issue 26, item 5): four such uploads took 5.6 GB, and each
process kept about 600 MB after. Here the worker's pool process is watched from outside (its peak resident memory,
VmHWM, read from /proc while it runs) and must stay under 1 GB; the bombs over the budget fail with the figure, the
others are processed; a pool process that grew past IMMICH_WORKER_MAX_MEMORY_MB is replaced after its job."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest

from jobs.models import AssetStep, Step, StepStatus
from tests.assets.helpers import upload_file
from tests.decode_bombs import interlaced_png16, jp2_declaring, progressive_jpeg, rle_bmp
from tests.jobs.live_workers import CHAIN_QUEUES, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOMBS = {
    "jp2.jp2": jp2_declaring(9999, 9999),
    "rle.bmp": rle_bmp(10000, 10000),
    "interlaced.png": interlaced_png16(9999, 9999),
    "progressive-big.jpg": progressive_jpeg(15000, 15000),
    "progressive.jpg": progressive_jpeg(9999, 9999),
}
OVER_THE_BUDGET = {"rle.bmp", "interlaced.png", "progressive-big.jpg"}


class PoolWatch(threading.Thread):
    """Every 50 ms, the peak resident memory (VmHWM, in MB) of each pool process of a worker, by pid."""

    def __init__(self, main_pid: int) -> None:
        super().__init__(daemon=True)
        self.main = psutil.Process(main_pid)
        self.peaks: dict[int, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for child in self.main.children():
                try:
                    status = Path(f"/proc/{child.pid}/status").read_text()
                except OSError:
                    continue  # ended between the listing and the read
                lines = [line for line in status.splitlines() if line.startswith("VmHWM:")]
                if lines:  # an exiting process (a zombie) has no memory left to tell
                    self.peaks[child.pid] = max(int(lines[0].split()[1]) // 1024, self.peaks.get(child.pid, 0))
            time.sleep(0.05)


def finished() -> bool:
    return AssetStep.objects.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).count() == 0


def test_decode_bombs_keep_a_worker_under_1_gb_and_its_grown_process_is_replaced(api, tmp_path, workers):
    worker = workers.start("bombs", CHAIN_QUEUES, concurrency=1, env={"IMMICH_WORKER_MAX_MEMORY_MB": "200"})
    watch = PoolWatch(worker.process.pid)
    wait_for(lambda: watch.main.children(), 60, "the worker's pool process")
    watch.start()
    names = {}
    for name, data in BOMBS.items():
        path = tmp_path / name
        path.write_bytes(data)
        names[upload_file(api, path)["id"]] = name
    try:
        wait_for(lambda: len(AssetStep.objects.filter(step=Step.THUMBNAILS)) == len(BOMBS) and finished(), 240, "all")
    finally:
        watch.stopped.set()
        watch.join()
    print(f"pool processes' peaks (MB): {watch.peaks}")

    outcomes = {
        names[str(step.asset_id)]: (step.status, step.last_error)
        for step in AssetStep.objects.filter(step=Step.THUMBNAILS)
    }
    assert {name for name, (status, _) in outcomes.items() if status == StepStatus.FAILED} == OVER_THE_BUDGET
    assert all("too large to decode safely" in outcomes[name][1] for name in OVER_THE_BUDGET)
    assert {name for name, (status, _) in outcomes.items() if status == StepStatus.DONE} == set(BOMBS) - OVER_THE_BUDGET
    assert watch.peaks and max(watch.peaks.values()) < 1024
    assert len(watch.peaks) > 1, "the pool process that grew past 200 MB was not replaced"

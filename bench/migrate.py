"""Storage template migration benchmark: the real migration service on generated assets, in this process.

Targets (from the project's issue):
  * 10,000 assets on one filesystem migrated in under 30 s (renames, batched database updates);
  * across filesystems (uploads on tmpfs at /dev/shm, library on disk): at least 70% of `cp` throughput for the
    same files, including the SHA-1 verification of every copy.

Run from the repository root:

    .venv/bin/python bench/migrate.py [--assets 10000] [--cross-files 200] [--cross-mib 10]

It needs PostgreSQL (postgres@127.0.0.1:5432, trust). It creates the database `immich_bench_storage` if missing,
migrates it, empties its assets, and works in temporary folders (under bench/out/ on disk and /dev/shm) that it
removes at the end. `cp` is measured on the same files, same direction, twice (before and after the migration),
with and without the final `sync` that makes its copy durable (the migration makes every copy durable before it
deletes a source). On a VM with free page reporting, free memory is first filled with page cache and the copies
are kept until the end (bench/page_cache.py says why). Every figure printed is measured in this run.

A move across filesystems may delete its source only once the copy is on disk, so it can go no faster than the
disk takes data durably, while a bare `cp` only fills the page cache. Each round therefore also measures that
ceiling: the same bytes written from memory into new files on the library's disk, as the migration writes them
(two threads, writeback started after each file, one `syncfs`), with no source to read and nothing to hash.
"""

from __future__ import annotations

import sys

# Run as `python bench/migrate.py`, bench/ would come first on the path, where a benchmark module may shadow the
# standard library (bench/queue.py shadows `queue`): the repository root goes there instead.
_HERE = __import__("os").path.dirname(__import__("os").path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if __import__("os").path.abspath(entry or ".") != _HERE]

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import page_cache  # noqa: E402

DB_NAME = "immich_bench_storage"
SAME_FS_TARGET_S = 30.0
CROSS_FS_TARGET = 0.70
MIB = 1024 * 1024


def log(message: str) -> None:
    print(message, flush=True)


def setup_django(media: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="immich.settings.production",
        SECRET_KEY="bench",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL="redis://127.0.0.1:6379/14",
        IMMICH_MEDIA_LOCATION=str(media),
        IMMICH_LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(REPO_ROOT))
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def set_media(media: Path) -> None:
    from django.conf import settings

    settings.MEDIA_LOCATION = media


def reset(enabled: bool = True) -> object:
    from accounts.models import User
    from assets.models import Asset, FileMove
    from jobs.models import AssetStep
    from jobs.system_config import config_get, config_update

    FileMove.objects.all().delete()
    AssetStep.objects.all().delete()
    Asset.objects.all().delete()
    owner, _ = User.objects.get_or_create(email="bench-storage@example.com", defaults={"name": "bench"})
    config = config_get()
    config["storageTemplate"].update(
        enabled=enabled, hashVerificationEnabled=True, template="{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
    )
    config_update(new_config=config)
    return owner


def make_assets(owner, media: Path, count: int, size: int, names: int) -> int:
    """`count` files in the upload layout, with rows (asset + exif) made in bulk; returns the bytes written."""
    from assets.models import Asset, AssetExif

    rng = random.Random(42)
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    assets, exifs, total = [], [], 0
    block = os.urandom(size)
    for n in range(count):
        asset_id = uuid.uuid4()
        folder = media / "upload" / str(owner.pk) / asset_id.hex[:2] / asset_id.hex[2:4]
        folder.mkdir(parents=True, exist_ok=True)
        data = n.to_bytes(8, "big") + block[8:]
        path = folder / f"{asset_id}.jpg"
        path.write_bytes(data)
        total += len(data)
        taken = start + timedelta(seconds=rng.randrange(10 * 365 * 86400))
        assets.append(
            Asset(
                id=asset_id,
                owner=owner,
                type="IMAGE",
                original_path=str(path),
                original_file_name=f"IMG_{rng.randrange(names):05d}.JPG",
                file_size=len(data),
                checksum=hashlib.sha1(data).digest(),
                file_created_at=taken,
                file_modified_at=taken,
                local_date_time=taken,
            )
        )
        exifs.append(
            AssetExif(asset_id=asset_id, date_time_original=taken, time_zone="UTC+1", file_size_in_byte=len(data))
        )
    Asset.objects.bulk_create(assets, batch_size=2000)
    AssetExif.objects.bulk_create(exifs, batch_size=2000)
    return total


def migrate() -> tuple[float, object]:
    from assets.file_moves.migration import storage_template_migrate

    started = time.perf_counter()
    report = storage_template_migrate()
    return time.perf_counter() - started, report


def check_all_moved(media: Path) -> None:
    from assets.models import Asset

    for original_path, _checksum in Asset.objects.values_list("original_path", "checksum").iterator():
        assert "/library/" in original_path and os.path.isfile(original_path), original_path
    leftovers = [p for p in (media / "upload").rglob("*") if p.is_file()]
    assert not leftovers, leftovers[:3]


def time_cp(source: Path, scratch_parent: Path) -> tuple[float, float]:
    """(seconds for `cp -r`, seconds for `cp -r` + `sync`) of `source` into a new folder on the library's disk."""
    target = scratch_parent / f"cp-{uuid.uuid4().hex}"
    subprocess.run(["sync"], check=True)
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    copied = time.perf_counter() - started
    subprocess.run(["sync"], check=True)
    synced = time.perf_counter() - started
    return copied, synced  # the copy stays until the end: see bench/page_cache.py


def time_durable_write(sizes: list[int], scratch_parent: Path) -> float:
    """Seconds to write new files of `sizes` bytes from memory onto the library's disk and make them durable, as
    the migration writes its copies: the fastest any durable copy can be."""
    from assets.file_moves.journal import COPY_THREADS
    from workers.media.fs import start_writeback, sync_filesystems, write_fully

    block = memoryview(os.urandom(max(sizes)))

    def write(path: Path, size: int) -> None:
        with open(path, "xb", buffering=0) as handle:
            write_fully(handle.write, block[:size])
            start_writeback(handle.fileno())

    target = scratch_parent / f"durable-{uuid.uuid4().hex}"
    target.mkdir()
    subprocess.run(["sync"], check=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
        list(pool.map(write, [target / f"{n}" for n in range(len(sizes))], sizes))
    sync_filesystems([str(target)])
    return time.perf_counter() - started  # the files stay until the end: see bench/page_cache.py


def same_filesystem(args, work: Path) -> dict:
    media = work / "same-fs"
    media.mkdir()
    set_media(media)
    owner = reset()
    started = time.perf_counter()
    make_assets(owner, media, args.assets, 2048, names=args.assets // 20)  # ~5% of names repeat: collisions
    log(f"same filesystem: {args.assets} assets made in {time.perf_counter() - started:.1f} s under {media}")
    seconds, report = migrate()
    check_all_moved(media)
    again, second = migrate()
    log(
        f"  migration: {seconds:.2f} s ({args.assets / seconds:.0f} assets/s), moved {report.moved}, "
        f"collisions {report.collisions}, folders removed {report.removed_folders}, failed {len(report.failed)}"
    )
    log(f"  second run (nothing to move): {again:.2f} s, moved {second.moved}, in place {second.in_place}")
    verdict = "PASS" if seconds < SAME_FS_TARGET_S and report.moved == args.assets else "FAIL"
    log(f"  target < {SAME_FS_TARGET_S:.0f} s: {verdict}")
    return {"seconds": seconds, "rerun": again, "verdict": verdict}


def cross_filesystem(args, work: Path) -> dict:
    """Rounds of: fresh files on tmpfs, `cp -r` of them to the disk (timed, with and without sync), the durable
    write of as many bytes, then the migration of the same files to the disk. Alternating spreads the machine's changing load over both sides."""
    rounds = []
    for number in range(1, args.rounds + 1):
        shm = Path(tempfile.mkdtemp(prefix="immich-bench-", dir="/dev/shm"))
        disk_library = work / f"library-on-disk-{number}"
        try:
            media = shm / "media"
            media.mkdir()
            disk_library.mkdir()
            (media / "library").symlink_to(disk_library)
            set_media(media)
            owner = reset()
            total = make_assets(owner, media, args.cross_files, args.cross_mib * MIB, names=args.cross_files)
            cp, cp_sync = time_cp(media / "upload", work)
            durable = time_durable_write([path.stat().st_size for path in (media / "upload").rglob("*.jpg")], work)
            seconds, report = migrate()
            check_all_moved(media)
            assert len(report.failed) == 0
            rounds.append((cp, cp_sync, durable, seconds))
            mib = total / MIB
            log(
                f"  round {number}: cp -r {mib / cp:5.0f} MiB/s, cp -r + sync {mib / cp_sync:5.0f} MiB/s, "
                f"durable write {mib / durable:5.0f} MiB/s, migration {mib / seconds:5.0f} MiB/s -> "
                f"{cp / seconds:.0%} of cp, {cp_sync / seconds:.0%} of cp + sync, {durable / seconds:.0%} of the durable write"
            )
        finally:
            shutil.rmtree(shm, ignore_errors=True)  # the library on disk stays until the end
    ratios = [(cp / seconds, cp_sync / seconds, durable / seconds) for cp, cp_sync, durable, seconds in rounds]
    median, median_sync, median_durable = (_median(column) for column in zip(*ratios))
    reachable = _median([cp / durable for cp, _, durable, _ in rounds])
    log(
        f"  median of {len(rounds)} rounds: {median:.0%} of cp, {median_sync:.0%} of cp + sync, "
        f"{median_durable:.0%} of the durable write; target >= {CROSS_FS_TARGET:.0%} of cp: "
        f"{'PASS' if median >= CROSS_FS_TARGET else 'FAIL'}"
    )
    log(
        f"  the durable write alone runs at {reachable:.0%} of cp: no move that keeps its source until its copy is on "
        f"disk can do better on this machine now"
    )
    return {"ratio": median, "ratio_sync": median_sync, "ratio_durable": median_durable}


def _median(values) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--cross-files", type=int, default=200)
    parser.add_argument("--cross-mib", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of cp then migration across filesystems")
    parser.add_argument("--skip-same", action="store_true")
    parser.add_argument("--skip-cross", action="store_true")
    args = parser.parse_args()
    out = REPO_ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="migrate-", dir=out))
    try:
        setup_django(work)
        log(f"machine: {os.cpu_count()} CPUs; work folder {work}")
        if not args.skip_same:
            same_filesystem(args, work)
        if not args.skip_cross:
            if page_cache.free_page_reporting():
                log("free page reporting is on: filling free memory with page cache first (see bench/page_cache.py)")
                page_cache.fill_free_memory(work)
            log(
                f"across filesystems: {args.cross_files} files of {args.cross_mib} MiB on tmpfs (/dev/shm) -> library on "
                f"disk ({work}); cp and the migration copy the same files, same direction"
            )
            cross_filesystem(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

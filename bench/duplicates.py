"""Duplicate detection benchmark (issue 25): the hash step's cost per image, and finding the group of one new asset
among many hashed ones, each beside a reference measured in the same run.

Run from the repository root, with a database of your own (it is migrated, and the bench user's assets are
replaced):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/duplicates.py [--hashes 100000]

- hash: the perceptual hash of a 250-pixel WebP thumbnail (what the step reads) and of a 1440-pixel JPEG preview,
  against decoding that same thumbnail alone (Pillow, full size, RGB) and against the thumbnail step that runs
  before it (one 12-megapixel JPEG to thumbnail and preview);
- lookup: the multi-index search for the neighbours of one new hash among --hashes hashes of one user (distance 0,
  the default and the largest), and the whole grouping of one asset (search, write, group), against a scan of
  every hash (PostgreSQL: bit_count of the xor over the table, in one process; SQLite: the same measured in
  Python). Each with its wall time (median) and its CPU time per call: this process's, plus the PostgreSQL
  backend's when the server runs on this machine (/proc), so that figures from a loaded machine still compare.

The seeding of --hashes assets takes minutes on a loaded machine; --hashes 20000 is quicker to try a change."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

# The repository root, in place of this folder (whose queue.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from PIL import Image  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from assets.models import Asset  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from duplicates import selectors, services  # noqa: E402
from duplicates.models import AssetHash  # noqa: E402
from jobs.config_defaults import DEFAULTS, MAX_HAMMING_DISTANCE  # noqa: E402
from tests.duplicates.scenes import save, scene  # noqa: E402
from workers.media import perceptual, thumbnails  # noqa: E402

EMAIL = "bench-duplicates@example.com"
DEFAULT_DISTANCE = DEFAULTS["machineLearning"]["duplicateDetection"]["maxHammingDistance"]
TAKEN = datetime(2021, 6, 1, tzinfo=timezone.utc)


def _thumbnails(folder: Path) -> tuple[Path, dict[str, Path], tuple[thumbnails.ThumbnailSpec, ...]]:
    original = save(scene(seed=1, size=(4000, 3000)), folder / "original.jpg")
    specs = tuple(
        thumbnails.ThumbnailSpec(kind=kind, format=config["format"], size=config["size"], quality=config["quality"])
        for kind, config in (("thumbnail", DEFAULTS["image"]["thumbnail"]), ("preview", DEFAULTS["image"]["preview"]))
    )
    outputs = {spec.kind: folder / f"out_{spec.kind}.{spec.format}" for spec in specs}
    _make_thumbnails(original, outputs, specs)
    return original, outputs, specs


def _make_thumbnails(original: Path, outputs: dict[str, Path], specs) -> None:
    thumbnails.generate_image_thumbnails(
        original, outputs, specs, max_pixels=250_000_000, decode_limit=512 << 20, colorspace="p3"
    )


def bench_hash(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        original, outputs, specs = _thumbnails(Path(folder))
        thumb, preview = outputs["thumbnail"], outputs["preview"]
        hash_thumb = median_ms(lambda: perceptual.perceptual_hash(thumb), repeat * 20)
        hash_preview = median_ms(lambda: perceptual.perceptual_hash(preview), repeat * 20)
        decode = median_ms(lambda: Image.open(thumb).convert("RGB"), repeat * 20)
        step = median_ms(lambda: _make_thumbnails(original, outputs, specs), repeat)
    print(f"hash, median of {repeat * 20} (the thumbnail step: of {repeat}):")
    print(f"  hash of the 250 px WebP thumbnail: {hash_thumb:.2f} ms (target < 5 ms)")
    print(f"  hash of the 1440 px JPEG preview:  {hash_preview:.2f} ms")
    print(f"  reference, decoding the thumbnail alone: {decode:.2f} ms -> ratio {hash_thumb / decode:.2f}")
    print(f"  reference, the thumbnail step (12 MP JPEG): {step:.0f} ms -> the hash adds {hash_thumb / step:.1%}")


def _balanced_hashes(count: int, rng: np.random.Generator) -> list[int]:
    """Random hashes with 32 bits set, as the median split makes them."""
    bits = np.zeros((count, 64), dtype=np.uint8)
    bits[:, :32] = 1
    bits = rng.permuted(bits, axis=1)
    packed = np.packbits(bits, axis=1)
    return [int.from_bytes(row.tobytes(), "big") for row in packed]


def _seed(count: int) -> tuple[User, list[int]]:
    User.objects.filter(email=EMAIL).delete()
    user = account_services.user_create(email=EMAIL, password="password123", name="bench")
    values = _balanced_hashes(count, np.random.default_rng(7))
    assets = [
        Asset(owner=user, type="IMAGE", original_path=f"/bench/{index}.jpg", original_file_name=f"{index}.jpg",
              checksum=uuid.uuid4().bytes + b"\0" * 4, file_created_at=TAKEN, file_modified_at=TAKEN,
              local_date_time=TAKEN)
        for index in range(count)
    ]  # fmt: skip
    Asset.objects.bulk_create(assets, batch_size=2000)
    rows = []
    for asset, value in zip(assets, values, strict=True):
        bands = dict(zip(("band0", "band1", "band2", "band3"), perceptual.bands(value), strict=True))
        rows.append(
            AssetHash(asset=asset, owner=user, phash=perceptual.to_signed(value), hash_version="bench", **bands)
        )
    AssetHash.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load: the planner knows the owner's rows
    return user, values


def _scan(user: User, value: int, distance: int) -> int:
    if connection.vendor == "postgresql":
        # In one process, as the search runs: a parallel scan's workers would take CPU time not counted here.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute(
                "SELECT count(*) FROM duplicates_assethash WHERE owner_id = %s AND bit_count((phash # %s)::bit(64)) <= %s",
                [user.id, perceptual.to_signed(value), distance],
            )
            return int(cursor.fetchone()[0])
    hashes = AssetHash.objects.filter(owner=user).values_list("phash", flat=True)
    return sum(perceptual.distance(perceptual.to_unsigned(phash), value) <= distance for phash in hashes)


def _round_trip() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _backend_cpu_seconds(pid: int | None) -> float | None:
    """The CPU time (user + system) of the PostgreSQL backend `pid`, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return 0.0  # SQLite runs in this process: its time is the process's
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # a server elsewhere: only this process's time is counted
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _timed(run: Callable[[], object], repeat: int) -> tuple[float, float, bool]:
    """(median wall ms, CPU ms per call, whether the backend's CPU is in it). The CPU time is summed over all the
    calls and divided (the backend's is counted in clock ticks of 10 ms)."""
    run()  # warm: plans and pages cached, as for a worker that has grouped an asset before
    pid = _backend_pid()
    backend = _backend_cpu_seconds(pid)
    process = time.process_time()
    wall = median_ms(run, repeat)
    cpu = time.process_time() - process
    after = _backend_cpu_seconds(pid)
    if backend is not None and after is not None:
        cpu += after - backend
    return wall, cpu * 1000 / repeat, backend is not None


def _near_copy(value: int, flips: int, rng: np.random.Generator) -> int:
    for bit in rng.choice(64, flips, replace=False):
        value ^= 1 << int(bit)
    return value


def bench_lookup(count: int, repeat: int) -> None:
    user, values = _seed(count)
    rng = np.random.default_rng(11)
    target = values[count // 2]
    probe = _near_copy(target, 4, rng)  # a copy 4 bits away: found at any distance from 4
    new_asset = Asset.objects.create(
        owner=user, type="IMAGE", original_path="/bench/new.jpg", original_file_name="new.jpg",
        checksum=uuid.uuid4().bytes + b"\0" * 4, file_created_at=TAKEN, file_modified_at=TAKEN, local_date_time=TAKEN,
    )  # fmt: skip
    print(f"lookup among {count} hashes of one user ({connection.vendor}), median wall time of {repeat}:")
    scan, scan_cpu, with_backend = _timed(lambda: _scan(user, probe, DEFAULT_DISTANCE), repeat)
    trip = median_ms(_round_trip, repeat)
    if connection.vendor != "postgresql":
        counted = "this process (SQLite runs in it)"
    else:
        counted = "this process and the database backend" if with_backend else "this process only (a remote server)"
    print(f"  CPU time per call: {counted}")
    print(f"  reference, one database round trip (SELECT 1): {trip:.2f} ms")
    print(f"  reference, a scan of every hash (distance {DEFAULT_DISTANCE}): {scan:.2f} ms wall, {scan_cpu:.2f} ms CPU")
    for distance in (0, DEFAULT_DISTANCE, MAX_HAMMING_DISTANCE):
        found: list = []

        def search(distance=distance, found=found) -> None:
            found[:] = selectors.hash_neighbours(owner_id=user.id, value=probe, max_distance=distance, exclude=None)

        took, cpu = _timed(search, repeat)[:2]
        expected = _scan(user, probe, distance)  # the search must find what a scan finds
        print(
            f"  multi-index search, distance {distance}: {took:.2f} ms wall, {cpu:.2f} ms CPU (target < 10 ms), "
            f"{len(found)} found (the scan: {expected})\n"
            f"    ratio to the scan: {took / scan:.3f} wall, {cpu / scan_cpu:.3f} CPU"
        )

    def record() -> None:
        with transaction.atomic():
            services.asset_hash_record(
                asset=new_asset, value=probe, hash_version="bench", max_distance=DEFAULT_DISTANCE
            )
            transaction.set_rollback(True)

    took, cpu = _timed(record, repeat)[:2]
    print(f"  grouping one new asset (search, write, group; distance {DEFAULT_DISTANCE}):")
    print(f"    {took:.2f} ms wall, {cpu:.2f} ms CPU")
    print(f"    ratio to the scan: {took / scan:.3f} wall, {cpu / scan_cpu:.3f} CPU")
    User.objects.filter(pk=user.pk).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hashes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    print("load average: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    bench_hash(args.repeat)
    bench_lookup(args.hashes, args.repeat)


if __name__ == "__main__":
    main()

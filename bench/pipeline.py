"""End-to-end pipeline benchmark: N 12 MP JPEGs fully processed (metadata + thumbhash + WebP + JPEG preview) by
two Celery worker processes, against the bare media operations on the same files in two plain processes.

Target (issue 3): the pipeline takes at most 1.25x the bare operations: queue, database and bookkeeping add under 25%.

    .venv/bin/python bench/pipeline.py [--count 200]

Needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379); uses the database
`immich_bench_pipeline` (created if missing) and Redis database 15, and a temporary media folder it removes.
"""

from __future__ import annotations

import sys

# bench/queue.py (named by the jobs issue) would shadow the standard `queue` module for scripts run from here.
if (
    sys.path
    and sys.path[0]
    and __import__("os").path.samefile(sys.path[0], __import__("os").path.dirname(__file__) or ".")
):
    sys.path.pop(0)

import argparse
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "immich_bench_pipeline"
TARGET = 1.25


def _cpu(processes) -> float:
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def make_photos(folder: Path, count: int) -> list[Path]:
    from PIL import Image, ImageDraw

    base = Image.effect_noise((4000, 3000), 40).convert("RGB")
    paths = []
    for index in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle(
            (index * 7 % 3000, 100, index * 7 % 3000 + 900, 900), fill=(index % 255, 90, 200)
        )
        path = folder / f"photo-{index:04d}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def bare_operations(path: Path) -> None:
    """Metadata and the thumbnails of one photo, written beside it and kept, as the pipeline keeps its outputs (their
    writeback costs CPU here too)."""
    from workers.media import metadata, thumbnails

    specs = (
        thumbnails.ThumbnailSpec(kind="thumbnail", format="webp", size=250, quality=80),
        thumbnails.ThumbnailSpec(kind="preview", format="jpeg", size=1440, quality=80),
    )
    metadata.image_facts(path)
    thumbnails.generate_image_thumbnails(
        path,
        {"thumbnail": path.with_suffix(".webp"), "preview": path.with_suffix(".preview.jpeg")},
        specs,
        max_pixels=250_000_000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument(
        "--lane",
        choices=["upload", "backfill"],
        default="upload",
        help="upload: one asset per message, as after uploads; backfill: groups, as a Missing run",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    media = work / "media"
    media.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "IMMICH_MEDIA_LOCATION": str(media),
        "VIPS_CONCURRENCY": "1",
    }
    os.environ.update(env)
    sys.path.insert(0, str(REPO_ROOT))
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from assets.models import Asset, AssetExif
    from jobs import broker
    from jobs.models import AssetStep, Priority, Step, StepStatus
    from jobs.queues import Queue
    from jobs.services import steps_enqueue

    PRIORITY = Priority.UPLOAD if args.lane == "upload" else Priority.BACKFILL
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User

    Asset.objects.all().delete()
    for queue in Queue:
        broker.purge(queue.value)

    print(f"making {args.count} 12 MP JPEGs...", file=sys.stderr)
    photos = make_photos(work, args.count)
    # Neither timed phase may pay for writing back what the set-up wrote: on this VM the kernel's writeback of
    # 1 GB took ~8 s of CPU (flush and ext4 extent-conversion workers), a fifth of both cores during a phase.
    os.sync()

    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(bare_operations, photos, chunksize=1)
    bare = time.perf_counter() - started

    owner, _ = User.objects.get_or_create(email="bench@example.com", defaults={"name": "bench"})
    assets = []
    for path in photos:
        asset_id = uuid.uuid4()
        folder = media / "upload" / str(owner.id) / asset_id.hex[:2] / asset_id.hex[2:4]
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{asset_id}.jpg"
        shutil.copyfile(path, stored)
        now = timezone.now()
        assets.append(
            Asset(
                id=asset_id,
                owner=owner,
                type="IMAGE",
                original_path=str(stored),
                original_file_name=path.name,
                file_size=stored.stat().st_size,
                checksum=uuid.uuid4().bytes[:20].ljust(20, b"\0"),
                file_created_at=now,
                file_modified_at=now,
                local_date_time=now,
            )
        )
    Asset.objects.bulk_create(assets)
    AssetExif.objects.bulk_create([AssetExif(asset=asset) for asset in assets])

    os.sync()
    celery = str(Path(sys.executable).parent / "celery")
    workers = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "immich",
                "worker",
                "-c",
                "1",
                "-l",
                "WARNING",
                "-n",
                f"bench{i}@%h",
                "--prefetch-multiplier",
                "1",
            ],
            cwd=REPO_ROOT,
            env=env,
            start_new_session=True,
        )
        for i in range(2)
    ]
    try:
        time.sleep(6)  # both workers connected and idle before the clock starts
        parents = [psutil.Process(worker.pid) for worker in workers]
        children = [child for parent in parents for child in parent.children(recursive=True)]
        cpu_before = {"tasks": _cpu(children), "parents": _cpu(parents), "machine": _machine_busy()}
        started = time.perf_counter()
        with transaction.atomic():
            steps_enqueue(asset_ids=[a.id for a in assets], step=Step.METADATA, priority=PRIORITY, continue_chain=True)
        while AssetStep.objects.filter(
            step=Step.THUMBNAILS, status__in=[StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED]
        ).count() < len(assets):
            time.sleep(0.2)
        pipeline = time.perf_counter() - started
        cpu = {"tasks": _cpu(children), "parents": _cpu(parents), "machine": _machine_busy()}
        cpu = {key: cpu[key] - cpu_before[key] for key in cpu}
        failed = AssetStep.objects.filter(status=StepStatus.FAILED).count()
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    ratio = pipeline / bare
    print(f"{'what':<46}{'seconds':>10}{'images/s':>10}")
    print(f"{'bare media operations, 2 processes':<46}{bare:>10.2f}{args.count / bare:>10.1f}")
    print(f"{'pipeline (Celery, Redis, PostgreSQL), 2 workers':<46}{pipeline:>10.2f}{args.count / pipeline:>10.1f}")
    print(
        f"ratio pipeline / bare: {ratio:.2f} (target <= {TARGET}) {'PASS' if ratio <= TARGET else 'MISS'}; failed steps: {failed}"
    )
    print(
        f"CPU seconds during the pipeline: worker task processes {cpu['tasks']:.1f}, worker main processes "
        f"{cpu['parents']:.1f}, everything else (PostgreSQL, Redis, kernel, this script) "
        f"{cpu['machine'] - cpu['tasks'] - cpu['parents']:.1f}; machine busy {cpu['machine']:.1f} of {2 * pipeline:.1f}"
    )


if __name__ == "__main__":
    main()

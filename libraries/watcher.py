"""Watching import paths (`library.watch.enabled`, off by default): `python manage.py library watch`.

watchfiles (Rust `notify`: inotify on Linux) reports changes; on network filesystems (NFS, SMB/CIFS, sshfs...),
where inotify sees nothing done by other machines and runs out of watches, it polls instead. Events pass the same
matcher as the scan (hidden and excluded paths never reach the queue). A path is handed on only once it has stopped
changing: its size and mtime unchanged for `settle_s` seconds, so a half-copied file is never imported. Ready
paths go to the `LibrarySyncFiles` task, which runs the scan's own logic for just those paths: new files become
assets, changed ones are re-extracted, gone ones go offline (never deleted: not the asset, not a sidecar, not an
original), and a rename is a move. One watcher runs per cluster (a Redis lock), like the reference's.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis import Redis
from redis.exceptions import LockNotOwnedError, RedisError
from redis.lock import Lock

from immich.locks import LIBRARY_WATCHER_LOCK
from immich.roots import effective_roots, location_problem, under_any
from libraries.matcher import SIDECAR_EXTENSION, Matcher

logger = logging.getLogger(__name__)

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.s3fs",
        "davfs",
        "fuse.davfs2",
        "virtiofs",
    }
)
LOCK_TTL_S = 60
SEND_CHUNK = 1000
# Redis down or restarting: the lock (redis-py) and the queue (kombu, after its own retries) raise these.
BROKER_ERRORS = (RedisError, BrokerError)


def mount_type(path: str, mounts_file: str = "/proc/self/mounts") -> str | None:
    """The filesystem type of the mount holding `path` (the longest mount point that contains it)."""
    real = os.path.realpath(path)
    best, best_type = "", None
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) < 3:
                    continue
                point = parts[1].replace("\\040", " ")
                if under_any(real, [point]) and len(point) >= len(best):
                    best, best_type = point, parts[2]
    except OSError:
        return None
    return best_type


def needs_polling(paths: list[str]) -> bool:
    return any(mount_type(path) in NETWORK_FILESYSTEMS for path in paths)


class SettlingFiles:
    """Paths with recent events wait here until they stop changing."""

    def __init__(self, settle_s: float, clock: Callable[[], float] = time.monotonic):
        self.settle_s = settle_s
        self.clock = clock
        self._pending: dict[str, tuple[tuple | None, float]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    @staticmethod
    def _facts(path: str) -> tuple | None:
        try:
            facts = os.stat(path)
        except OSError:
            return None
        return (facts.st_size, facts.st_mtime_ns, facts.st_ino)

    def add(self, path: str) -> None:
        self._pending[path] = (self._facts(path), self.clock())

    def ready(self) -> list[str]:
        now = self.clock()
        done = []
        for path, (facts, since) in list(self._pending.items()):
            current = self._facts(path)
            if current != facts:
                self._pending[path] = (current, now)
            elif now - since >= self.settle_s:
                done.append(path)
                del self._pending[path]
        return done


@dataclass(frozen=True)
class Watched:
    library_id: str
    roots: tuple[str, ...]
    matcher: Matcher


@dataclass
class Router:
    """Which library a path belongs to, and whether the watcher cares about it at all."""

    libraries: list[Watched] = field(default_factory=list)

    def roots(self) -> list[str]:
        return sorted({root for library in self.libraries for root in library.roots})

    def owners(self, path: str) -> list[tuple[Watched, str]]:
        return [(library, root) for library in self.libraries for root in library.roots if under_any(path, [root])]

    def wanted(self, path: str) -> bool:
        for library, root in self.owners(path):
            if matcher_skips(library.matcher, path, root):
                continue
            return True
        return False


def matcher_skips(matcher: Matcher, path: str, root: str) -> bool:
    if matcher.has_hidden_part(path, root) or matcher.is_excluded(path) or matcher.prunes_folder(path):
        return True
    kind = matcher.kind_of(os.path.basename(path))
    # Anything else may be a folder (created, renamed or removed): it is kept, and sorted out when it settles.
    return kind is None and os.path.isfile(path)


def media_for_sidecar(path: str, matcher: Matcher) -> list[str]:
    """The media files a sidecar belongs to: `IMG_1.jpg` for `IMG_1.jpg.xmp`, `IMG_1.*` for `IMG_1.xmp`."""
    stem = path[: -len(SIDECAR_EXTENSION)]
    found = [stem] if matcher.kind_of(os.path.basename(stem)) == "media" else []
    folder, name = os.path.split(stem)
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    found += [
        os.path.join(folder, other)
        for other in names
        if other.rpartition(".")[0] == name and matcher.kind_of(other) == "media"
    ]
    return sorted(set(found))


def paths_to_sync(router: Router, ready: list[str], settling: SettlingFiles) -> dict[str, list[str]]:
    """Sort settled paths by library. A settled folder is not synced whole: its files join the settling set, so a
    folder still being copied into is imported file by file as each one stops changing."""
    from libraries.walk import WalkReport, walk

    batches: dict[str, list[str]] = defaultdict(list)
    for path in ready:
        for library, _root in router.owners(path):
            if os.path.isdir(path):
                for facts in walk(path, library.matcher, WalkReport(), refuse=location_problem):
                    settling.add(facts.path)
            elif path.lower().endswith(SIDECAR_EXTENSION):
                batches[library.library_id].extend(media_for_sidecar(path, library.matcher))
            else:
                batches[library.library_id].append(path)
    return batches


def load_router() -> Router:
    from libraries.models import Library

    libraries = [
        Watched(
            str(library.pk), tuple(effective_roots(library.import_paths)), Matcher(tuple(library.exclusion_patterns))
        )
        for library in Library.objects.filter(deleted_at__isnull=True).order_by("created_at")
    ]
    return Router([library for library in libraries if library.roots])


def watch_enabled() -> bool:
    from jobs.system_config import config_get

    return bool(config_get()["library"]["watch"]["enabled"])


def send_to_queue(library_id: str, paths: list[str]) -> None:
    from libraries.services import library_sync_request

    with transaction.atomic():
        for start in range(0, len(paths), SEND_CHUNK):
            library_sync_request(library_id=library_id, paths=paths[start : start + SEND_CHUNK])


def cluster_lock(client: Redis) -> Lock:
    """Only one watcher in the cluster: redis-py's lock, with a TTL that `hold` renews while the watcher runs."""
    return client.lock(LIBRARY_WATCHER_LOCK, timeout=LOCK_TTL_S, blocking=False, thread_local=False)


def hold(lock: Lock) -> bool:
    """Take the lock, or renew its TTL while this watcher holds it; False while another watcher holds it."""
    try:
        return lock.reacquire() if lock.owned() else lock.acquire()
    except LockNotOwnedError:  # expired between the two calls (a long stall): take it again if it is free
        return lock.acquire()


def run_watcher(
    *,
    stop: threading.Event,
    settle_s: float = 5.0,
    poll: bool | None = None,
    poll_interval_ms: int = 2000,
    reload_s: float = 30.0,
    send: Callable[[str, list[str]], None] = send_to_queue,
    lock: Lock | None = None,
    enabled: Callable[[], bool] = watch_enabled,
    log: Callable[[str], None] = logger.info,
) -> None:
    """Watch until `stop` is set. Libraries, their paths and the enabled flag are re-read every `reload_s`."""
    import watchfiles

    settling = SettlingFiles(settle_s)
    while not stop.is_set():
        try:
            if lock is not None and not hold(lock):
                log("another watcher holds the lock; waiting")
                stop.wait(reload_s)
                continue
            router = load_router()
            roots = [root for root in router.roots() if os.path.isdir(root)]
            if not enabled() or not roots:
                stop.wait(min(reload_s, 5.0))
                continue
            polling = needs_polling(roots) if poll is None else poll
            log(f"watching {len(roots)} folders ({'polling' if polling else 'inotify'})")
            deadline = time.monotonic() + reload_s
            for changes in watchfiles.watch(
                *roots,
                watch_filter=lambda _change, path, router=router: router.wanted(path),
                force_polling=polling,
                poll_delay_ms=poll_interval_ms,
                debounce=500,
                step=100,
                rust_timeout=500,
                yield_on_timeout=True,
                stop_event=stop,
                ignore_permission_denied=True,
                raise_interrupt=False,
            ):
                for _change, path in changes:
                    settling.add(os.path.normpath(path))
                for library_id, paths in paths_to_sync(router, settling.ready(), settling).items():
                    if paths:
                        log(f"syncing {len(paths)} paths of library {library_id}")
                        try:
                            send(library_id, sorted(set(paths)))
                        except (*BROKER_ERRORS, DatabaseError):
                            # Handed on again once they have settled and the broker and database are back.
                            for path in paths:
                                settling.add(path)
                            raise
                if time.monotonic() >= deadline:
                    if lock is not None and not hold(lock):
                        break
                    if not enabled() or load_router() != router:
                        break
                    deadline = time.monotonic() + reload_s
        except DatabaseError as error:
            # PostgreSQL restarting: requests and tasks get a fresh connection each time, this loop must take
            # one itself, and wait rather than end the watcher.
            log(f"database unavailable, retrying: {error}")
            connection.close()
            stop.wait(min(reload_s, 5.0))
        except BROKER_ERRORS as error:
            log(f"broker unavailable, retrying: {error}")
            stop.wait(min(reload_s, 5.0))
    if lock is not None:
        try:
            lock.release()
        except BROKER_ERRORS:  # redis-py's LockError (lost already) is one of them
            pass  # its TTL frees it

"""Journalled, crash-safe moves of originals and sidecars (the storage template's mover).

Every move is a `FileMove` row committed before the disk changes. Then, per batch:
  same filesystem:   rename without replacing (renameat2 RENAME_NOREPLACE) -> syncfs -> switch the database path
                     and finish the row in one transaction;
  across filesystems: copy to a hidden temporary name (in the kernel, 1 MiB at a time, each chunk read back from
                     the copy and hashed; writeback started at once) -> size and SHA-1 of the copy == the asset's
                     checksum -> syncfs (the verified copy is durable) ->
                     rename into place -> syncfs -> switch the database path (row "switched") -> unlink the old
                     file -> syncfs -> row "done". Files of a batch are copied and verified by a few threads.
A file is never deleted unless the database points at another verified copy. Whatever a crash interrupts is
finished by `moves_resume` (run under the same lock before any new move): it looks at both paths and at the
database and rolls the move forward, so every file ends in exactly one place with the database pointing at it.

In an object store (the S3 backend), a move is a copy on the server to the new key (an object appears whole or not
at all, so without a temporary name), read back for its size and SHA-1 -> switch the database path (row "switched")
-> delete the old key -> row "done"; recovery reads the same journal the same way.

All moves hold one cluster-wide lock (PostgreSQL advisory lock 420, as Immich; a file lock on SQLite), so a row
left unfinished when the lock is free belongs to a dead process.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import signal
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from assets.models import Asset, FileMove, FileMoveState
from assets.storage import write_fully
from immich import storage
from immich.storage import media_root

logger = logging.getLogger(__name__)

LOCK_KEY = 420  # Immich's advisory lock id for storage template moves
# Where a test may kill the mover (`stop_after`), in the order a move passes them.
CRASH_POINTS = ("planned", "copying", "placed", "switched", "unlinked")
COPY_THREADS = max(2, min(4, os.cpu_count() or 1))
FOLDER_THREADS = 8
_CHUNK = 4 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024  # small enough to hash what was just copied from the CPU's cache
_PATH_FIELD = {"original": "original_path", "sidecar": "sidecar_path"}


@dataclass(frozen=True)
class MoveRequest:
    asset_id: str
    kind: str  # "original" | "sidecar"
    old_path: str
    new_path: str
    size: int | None = None
    checksum: bytes | None = None  # the SHA-1 the file must have after the move (originals), None to skip


@dataclass(frozen=True)
class MoveResult:
    asset_id: str
    kind: str
    old_path: str
    new_path: str
    moved: bool
    error: str = ""


def _checkpoint(name: str, stop_after: str | None) -> None:
    """Crash injection for tests: die here as `kill -9` would (no cleanup, open transactions lost)."""
    if stop_after == name:
        os.kill(os.getpid(), signal.SIGKILL)


# -- filesystem primitives -------------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)
_syncfs = getattr(_libc, "syncfs", None)
_sync_file_range = getattr(_libc, "sync_file_range", None)
if _sync_file_range is not None:
    _sync_file_range.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
_SYNC_FILE_RANGE_WRITE = 2
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(source: str, target: str) -> None:
    """Rename that fails with FileExistsError instead of replacing `target` (EXDEV across filesystems)."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), source, None, target)
    # No renameat2 here: a hard link cannot replace either; a crash between link and unlink leaves two names of
    # one inode, which recovery resolves like a finished copy.
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists", target) from error
        os.rename(source, target)  # the lock keeps other movers out; nothing else writes these folders
        return
    os.unlink(source)


def sync_filesystems(folders: Iterable[str]) -> None:
    """Make everything written on the folders' filesystems durable: one syncfs per filesystem and batch instead
    of an fsync per file and folder."""
    seen: set[int] = set()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        try:
            device = os.fstat(fd).st_dev
            if device not in seen:
                seen.add(device)
                if _syncfs is None or _syncfs(fd) != 0:
                    os.sync()
        finally:
            os.close(fd)


def start_writeback(fd: int) -> None:
    """Start writing the file's dirty pages to disk now, without waiting for them."""
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)


def file_sha1(path: str) -> bytes:
    digest = hashlib.sha1()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
    return digest.digest()


def _send(target_fd: int, source_fd: int, count: int) -> int:
    """Copy up to `count` bytes from the source's offset to the target's, in the kernel when it can."""
    try:
        return os.sendfile(target_fd, source_fd, None, count)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
        data = os.read(source_fd, count)
        write_fully(partial(os.write, target_fd), data)
        return len(data)


def _copy_and_hash(source: str, target: str, stop_after: str | None, *, hashing: bool = True) -> bytes | None:
    """Copy `source` to a new file `target` chunk by chunk, reading each chunk back from the target while it is
    still in the CPU's cache; returns the SHA-1 of what the target holds (None without `hashing`: a plain copy).
    Writeback is started as it goes."""
    digest = hashlib.sha1()
    buffer = bytearray(_COPY_CHUNK)
    view = memoryview(buffer)
    with open(source, "rb", buffering=0) as src, open(target, "xb+", buffering=0) as dst:
        offset = 0
        while sent := _send(dst.fileno(), src.fileno(), _COPY_CHUNK):
            done = 0 if hashing else sent
            while done < sent:
                got = os.preadv(dst.fileno(), [view[done:sent]], offset + done)
                if got == 0:
                    raise OSError(errno.EIO, f"{target} is shorter than what was written to it")
                done += got
            if hashing:
                digest.update(view[:sent])
            if offset == 0:
                _checkpoint("copying", stop_after)
            offset += sent
        # The disk works while the next files are copied and hashed; the batch's syncfs then only waits for what
        # is left.
        start_writeback(dst.fileno())
    stat = os.stat(source)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return digest.digest() if hashing else None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass




def _rmdir(folder: str) -> bool:
    try:
        os.rmdir(folder)
    except OSError:
        return False  # not empty (or gone)
    return True


def remove_empty_folders(paths: Iterable[str], *, stop_at: Iterable[Path]) -> int:
    """Remove the folders of `paths` that are now empty, and their emptied parents, below the `stop_at` roots.
    Deepest first, one depth at a time, each depth in parallel (folder operations wait on the disk)."""
    roots = tuple(str(root) + os.sep for root in stop_at)
    by_depth: dict[int, set[str]] = {}

    def consider(folder: str) -> None:
        if folder.startswith(roots) and folder + os.sep not in roots:
            by_depth.setdefault(folder.count(os.sep), set()).add(folder)

    for path in paths:
        consider(os.path.dirname(path))
    removed = 0
    with ThreadPoolExecutor(max_workers=FOLDER_THREADS) as pool:
        while by_depth:
            folders = sorted(by_depth.pop(max(by_depth)))
            for folder, gone in zip(folders, pool.map(_rmdir, folders)):
                if gone:
                    removed += 1
                    consider(os.path.dirname(folder))
    return removed


def make_folders(folders: Iterable[str]) -> dict[str, int]:
    """Create the folders (in parallel) and return the filesystem each is on."""
    folders = list(dict.fromkeys(folders))

    def make(folder: str) -> int:
        os.makedirs(folder, exist_ok=True)
        return os.stat(folder).st_dev

    with ThreadPoolExecutor(max_workers=FOLDER_THREADS) as pool:
        return dict(zip(folders, pool.map(make, folders)))


def media_trees() -> list[Path]:
    """The roots below which emptied folders are removed (the roots themselves stay)."""
    root = media_root()
    return [root / "library", root / "upload"]


# -- the lock --------------------------------------------------------------------------------------------------


@contextmanager
def moves_lock(*, wait: bool = True):
    """Hold the movers' lock; yields True. With `wait=False` it yields False at once instead of waiting while
    another process holds it (and holds nothing then)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            held = wait or cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return
    import fcntl

    media_root().mkdir(parents=True, exist_ok=True)
    with open(media_root() / ".storage-template.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def moves_active() -> bool:
    """Whether a mover is at work now (some process holds the lock). Unfinished journal rows while none is
    belong to a mover that died."""
    with moves_lock(wait=False) as held:
        return not held


# -- moving ----------------------------------------------------------------------------------------------------


def moves_execute(requests: list[MoveRequest], *, stop_after: str | None = None) -> list[MoveResult]:
    """Journal, then move a batch of files (call under `moves_lock`). Failed moves leave their file in place."""
    if not requests:
        return []
    now = timezone.now()
    with transaction.atomic():
        rows = FileMove.objects.bulk_create(
            [
                FileMove(asset_id=r.asset_id, kind=r.kind, old_path=r.old_path, new_path=r.new_path, size=r.size,
                         checksum=r.checksum, state=FileMoveState.PLANNED, created_at=now, updated_at=now)
                for r in requests
            ]
        )
    _checkpoint("planned", stop_after)
    return _run_rows(rows, stop_after=stop_after)


def _run_rows(rows: list[FileMove], *, stop_after: str | None) -> list[MoveResult]:
    errors: dict[int, str] = {}
    renamed: list[FileMove] = []
    copies: list[FileMove] = []
    stored = [row for row in rows if not storage.is_local(row.new_path)]
    on_disk = [row for row in rows if storage.is_local(row.new_path)]
    devices = make_folders(os.path.dirname(row.new_path) for row in on_disk)  # target folder -> its filesystem
    for row in on_disk:
        try:
            if os.stat(row.old_path).st_dev != devices[os.path.dirname(row.new_path)]:
                copies.append(row)
                continue
            rename_noreplace(row.old_path, row.new_path)
            row.method = "rename"
            renamed.append(row)
        except FileNotFoundError:
            errors[row.pk] = f"the file is missing: {row.old_path}"
        except FileExistsError:
            errors[row.pk] = f"another file appeared at {row.new_path} during the move; nothing moved"
        except OSError as error:
            if error.errno == errno.EXDEV:
                copies.append(row)
            else:
                errors[row.pk] = f"rename failed: {error}"
    sync_filesystems(os.path.dirname(row.new_path) for row in renamed)
    placed_copies = _copy_rows(copies, errors, stop_after) if copies else []
    placed_copies += _copy_objects(stored, errors, stop_after) if stored else []
    _checkpoint("placed", stop_after)

    now = timezone.now()
    failed = [row for row in rows if row.pk in errors]
    with transaction.atomic():
        _switch_paths([*renamed, *placed_copies])
        FileMove.objects.filter(pk__in=[row.pk for row in renamed]).update(
            method="rename", state=FileMoveState.DONE, updated_at=now
        )
        FileMove.objects.filter(pk__in=[row.pk for row in placed_copies]).update(
            method="copy", state=FileMoveState.SWITCHED, updated_at=now
        )
        for row in failed:
            FileMove.objects.filter(pk=row.pk).update(state=FileMoveState.FAILED, error=errors[row.pk], updated_at=now)
    _checkpoint("switched", stop_after)

    if placed_copies:
        # In parallel: unlinking frees the file's pages (a tmpfs or a page cache full of them) and an object store
        # answers each delete over the network.
        with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
            list(pool.map(storage.delete, [row.old_path for row in placed_copies]))
        sync_filesystems(os.path.dirname(row.old_path) for row in placed_copies)
        _checkpoint("unlinked", stop_after)
        FileMove.objects.filter(pk__in=[row.pk for row in placed_copies]).update(
            state=FileMoveState.DONE, updated_at=timezone.now()
        )
    for row in failed:
        logger.warning("storage template: %s of asset %s not moved: %s", row.kind, row.asset_id, row.error)
    return [
        MoveResult(asset_id=str(row.asset_id), kind=row.kind, old_path=row.old_path, new_path=row.new_path,
                   moved=row.pk not in errors, error=errors.get(row.pk, ""))
        for row in rows
    ]


def _copy_rows(rows: list[FileMove], errors: dict[int, str], stop_after: str | None) -> list[FileMove]:
    """Copy, make durable, verify and place each file; returns the rows whose copy is at new_path."""

    def copy_and_verify(row: FileMove) -> str | None:
        """Copy, reading the copy back as it is written: its size and SHA-1 must be the expected ones."""
        _unlink(row.temp_path)
        if row.checksum is None and row.kind == "sidecar":
            row.checksum = file_sha1(row.old_path)  # sidecars: the source's own hash is what the copy must match
        try:
            copied_sha1 = _copy_and_hash(row.old_path, row.temp_path, stop_after, hashing=row.checksum is not None)
        except OSError as error:
            _unlink(row.temp_path)
            return f"copy failed: {error}"
        size = os.stat(row.temp_path).st_size
        if row.size is not None and size != row.size:
            return f"the copy has {size} bytes, expected {row.size}"
        if row.checksum is not None and copied_sha1 != bytes(row.checksum):
            return "the copy's SHA-1 differs from the expected checksum (the source file changed or the copy is corrupt)"
        return None

    copied = _verified_copies(copy_and_verify, rows, errors)
    for row in rows:
        if row.pk in errors:
            _unlink(row.temp_path)
    sync_filesystems(os.path.dirname(row.temp_path) for row in copied)  # verified copies durable before placing
    placed = []
    for row in copied:
        if row.pk in errors:
            continue
        try:
            rename_noreplace(row.temp_path, row.new_path)
        except FileExistsError:
            errors[row.pk] = f"another file appeared at {row.new_path} during the move; nothing moved"
            _unlink(row.temp_path)
            continue
        placed.append(row)
    sync_filesystems(os.path.dirname(row.new_path) for row in placed)
    return placed


def _copy_objects(rows: list[FileMove], errors: dict[int, str], stop_after: str | None) -> list[FileMove]:
    """Copy each object to its new key on the server and read the copy back; returns the rows whose verified copy
    is at new_path (a copy that does not verify is deleted, the old object kept)."""

    def copy_and_verify(row: FileMove) -> str | None:
        if not storage.exists(row.old_path):
            return f"the file is missing: {row.old_path}"
        if storage.occupied(row.new_path):
            return f"another file appeared at {row.new_path} during the move; nothing moved"
        if row.checksum is None and row.kind == "sidecar":
            row.checksum = storage.sha1(row.old_path)
        storage.copy(row.old_path, row.new_path)
        _checkpoint("copying", stop_after)
        if not _verified(row, row.new_path, hash_verification=True):
            storage.delete(row.new_path)
            return "the copy's size or SHA-1 differs from the expected ones (the source changed or the copy is corrupt)"
        return None

    return _verified_copies(copy_and_verify, rows, errors)


def _verified_copies(copy_and_verify, rows: list[FileMove], errors: dict[int, str]) -> list[FileMove]:
    """Run `copy_and_verify` (None, or the reason the copy is not good) for the rows on a few threads; returns the
    rows whose copy is good, the others' reasons go to `errors`."""
    with ThreadPoolExecutor(max_workers=min(COPY_THREADS, len(rows))) as pool:
        for row, outcome in zip(rows, pool.map(_catching(copy_and_verify), rows)):
            if outcome:
                errors[row.pk] = outcome
    copied = [row for row in rows if row.pk not in errors]
    # Hashes of sidecars were computed now: record them so a resumed move verifies against the same value.
    FileMove.objects.bulk_update([row for row in copied if row.kind == "sidecar"], ["checksum"])
    return copied


def _catching(work):
    def run(row):
        try:
            return work(row)
        except OSError as error:
            return f"copy failed: {error}"

    return run


def _switch_paths(rows: list[FileMove]) -> None:
    """Point the assets at their new paths (originals and sidecars), in the caller's transaction: one
    `UPDATE ... FROM (VALUES ...)` per kind on PostgreSQL (Django's bulk_update builds a CASE per row)."""
    table = Asset._meta.db_table
    for kind, field in _PATH_FIELD.items():
        changed = [(row.asset_id, row.new_path) for row in rows if row.kind == kind]
        if not changed:
            continue
        if connection.vendor != "postgresql":
            Asset.objects.bulk_update([Asset(pk=pk, **{field: path}) for pk, path in changed], [field], batch_size=500)
            continue
        with connection.cursor() as cursor:
            for start in range(0, len(changed), 1000):
                chunk = changed[start : start + 1000]
                values = ", ".join(["(%s::uuid, %s)"] * len(chunk))
                cursor.execute(
                    f'UPDATE "{table}" AS a SET "{field}" = v.path FROM (VALUES {values}) AS v(id, path) WHERE a.id = v.id',
                    [item for pair in chunk for item in (str(pair[0]), pair[1])],
                )


# -- recovery --------------------------------------------------------------------------------------------------


def moves_resume(*, hash_verification: bool = True, stop_after: str | None = None) -> int:
    """Finish every move a crash interrupted (call under `moves_lock`). Returns how many rows it settled."""
    rows = list(FileMove.objects.filter(state__in=FileMove.UNFINISHED).order_by("pk"))
    redo = []
    for row in rows:
        if _resume_one(row, hash_verification):
            redo.append(row)
    if redo:
        _run_rows(redo, stop_after=stop_after)
    remove_empty_folders([row.old_path for row in rows], stop_at=media_trees())  # what the interrupted moves emptied
    return len(rows)


def _fail(row: FileMove, reason: str) -> None:
    logger.error("storage template: move %s stopped: %s", row, reason)
    FileMove.objects.filter(pk=row.pk).update(state=FileMoveState.FAILED, error=reason, updated_at=timezone.now())


def _settle(row: FileMove, state: str, *, point_at: str | None = None, error: str = "") -> None:
    """Record the row's new state, pointing the asset at `point_at` in the same transaction."""
    with transaction.atomic():
        if point_at is not None:
            Asset.objects.filter(pk=row.asset_id).update(**{_PATH_FIELD[row.kind]: point_at})
        FileMove.objects.filter(pk=row.pk).update(state=state, error=error, updated_at=timezone.now())


def _verified(row: FileMove, path: str, hash_verification: bool) -> bool:
    try:
        found = storage.stat(path)
        if found is None or (row.size is not None and found.size != row.size):
            return False
        return not (hash_verification and row.checksum) or storage.sha1(path) == bytes(row.checksum)
    except OSError:
        return False


def _resume_one(row: FileMove, hash_verification: bool) -> bool:
    """Settle one interrupted move from what is on disk and in the database; True when it is to be redone."""
    _unlink(row.temp_path)  # a copy that was not yet verified and placed is never trusted
    current = Asset.objects.filter(pk=row.asset_id).values_list(_PATH_FIELD[row.kind], flat=True).first()
    old, new = row.old_path, row.new_path
    old_here, new_here = storage.occupied(old), storage.occupied(new)
    if current == new:
        if new_here:
            if old_here:
                storage.delete(old)  # the copy at new_path was verified before the database was switched
                sync_filesystems([os.path.dirname(old)])
            _settle(row, FileMoveState.DONE)
        elif old_here:
            _settle(row, FileMoveState.FAILED, point_at=old,
                    error="the moved file vanished (lost before it reached the disk); the asset points at the old file again")
        else:
            _fail(row, f"the file is missing at both {old} and {new}")
        return False
    if current == old:
        if new_here and _verified(row, new, hash_verification):
            if old_here:
                _settle(row, FileMoveState.SWITCHED, point_at=new)
                storage.delete(old)
                sync_filesystems([os.path.dirname(old)])
            _settle(row, FileMoveState.DONE, point_at=new)
            return False
        if new_here and old_here:
            _fail(row, f"{new} holds another file (not the asset's); nothing was moved and nothing deleted")
            return False
        if new_here:
            # The old name is gone, so the rename happened: the file at new_path is the asset's only copy, even if
            # it no longer matches the recorded size or checksum. Point at it, and say so.
            _settle(row, FileMoveState.FAILED, point_at=new,
                    error=f"moved, but the file at {new} does not match the asset's recorded size or checksum")
            return False
        if old_here:
            return True  # nothing happened yet: do the move now
        _fail(row, f"the file is missing at both {old} and {new}")
        return False
    _fail(row, "the asset no longer points at either path; left as it is")
    return False

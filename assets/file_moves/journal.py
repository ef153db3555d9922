"""The move journal: every move of an original or a sidecar is a `FileMove` row committed before the disk changes,
and its state says how far it got (planned -> switched -> done, or failed with the reason). `moves_execute` journals
and carries out a batch; `recovery` settles what a crash left unfinished from the same rows.

Per batch:
  same filesystem:   rename without replacing (renameat2 RENAME_NOREPLACE) -> syncfs -> switch the database path
                     and finish the row in one transaction;
  across filesystems: copy to a hidden temporary name (in the kernel, 1 MiB at a time, each chunk read back from
                     the copy and hashed; writeback started at once) -> size and SHA-1 of the copy == the asset's
                     checksum -> syncfs (the verified copy is durable) ->
                     rename into place -> syncfs -> switch the database path (row "switched") -> unlink the old
                     file -> syncfs -> row "done". Files of a batch are copied and verified by a few threads.
A file is never deleted unless the database points at another verified copy.

In an object store (the S3 backend), a move is a copy on the server to the new key (an object appears whole or not
at all, so without a temporary name), read back for its size and SHA-1 -> switch the database path (row "switched")
-> delete the old key -> row "done".

All moves hold one cluster-wide lock (PostgreSQL advisory lock 420, as Immich; a file lock on SQLite), so a row
left unfinished when the lock is free belongs to a dead process. The filesystem primitives are `workers.media.fs`.
"""

from __future__ import annotations

import errno
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from assets.models import Asset, FileMove, FileMoveState
from immich import storage
from immich.locks import AdvisoryLock
from immich.storage import media_root
from workers.media import fs

logger = logging.getLogger(__name__)

# The crash points (`workers.media.fs.crash_point`) a move passes, in order.
CRASH_POINTS = ("planned", "copying", "placed", "switched", "unlinked")
COPY_THREADS = max(2, min(4, os.cpu_count() or 1))
PATH_FIELD = {"original": "original_path", "sidecar": "sidecar_path"}
UNSETTLED = "recovery could not settle this move"  # how a failed row's error starts when recovery failed on it


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
            cursor.execute(
                "SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)", [AdvisoryLock.FILE_MOVES]
            )
            held = wait or cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [AdvisoryLock.FILE_MOVES])
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


def moves_execute(requests: list[MoveRequest]) -> list[MoveResult]:
    """Journal, then move a batch of files (call under `moves_lock`). Failed moves leave their file in place."""
    if not requests:
        return []
    now = timezone.now()
    with transaction.atomic():
        rows = FileMove.objects.bulk_create(
            [
                FileMove(
                    asset_id=r.asset_id,
                    kind=r.kind,
                    old_path=r.old_path,
                    new_path=r.new_path,
                    size=r.size,
                    checksum=r.checksum,
                    state=FileMoveState.PLANNED,
                    created_at=now,
                    updated_at=now,
                )
                for r in requests
            ]
        )
    fs.crash_point("planned")
    return moves_perform(rows)


def moves_perform(rows: list[FileMove]) -> list[MoveResult]:
    """Carry out journalled moves (new ones, or interrupted ones that recovery found not yet begun)."""
    errors: dict[int, str] = {}
    renamed: list[FileMove] = []
    copies: list[FileMove] = []
    stored = [row for row in rows if not storage.is_local(row.new_path)]
    on_disk = [row for row in rows if storage.is_local(row.new_path)]
    devices = fs.make_folders(os.path.dirname(row.new_path) for row in on_disk)  # target folder -> its filesystem
    for row in on_disk:
        try:
            if os.stat(row.old_path).st_dev != devices[os.path.dirname(row.new_path)]:
                copies.append(row)
                continue
            fs.rename_noreplace(row.old_path, row.new_path)
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
    fs.sync_filesystems(os.path.dirname(row.new_path) for row in renamed)
    placed_copies = _copy_rows(copies, errors) if copies else []
    placed_copies += _copy_objects(stored, errors) if stored else []
    fs.crash_point("placed")

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
    fs.crash_point("switched")

    if placed_copies:
        # In parallel: unlinking frees the file's pages (a tmpfs or a page cache full of them) and an object store
        # answers each delete over the network.
        with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
            list(pool.map(storage.delete, [row.old_path for row in placed_copies]))
        fs.sync_filesystems(os.path.dirname(row.old_path) for row in placed_copies)
        fs.crash_point("unlinked")
        FileMove.objects.filter(pk__in=[row.pk for row in placed_copies]).update(
            state=FileMoveState.DONE, updated_at=timezone.now()
        )
    for row in failed:
        logger.warning("storage template: %s of asset %s not moved: %s", row.kind, row.asset_id, row.error)
    return [
        MoveResult(
            asset_id=str(row.asset_id),
            kind=row.kind,
            old_path=row.old_path,
            new_path=row.new_path,
            moved=row.pk not in errors,
            error=errors.get(row.pk, ""),
        )
        for row in rows
    ]


def _copy_rows(rows: list[FileMove], errors: dict[int, str]) -> list[FileMove]:
    """Copy, make durable, verify and place each file; returns the rows whose copy is at new_path."""

    def copy_and_verify(row: FileMove) -> str | None:
        """Copy, reading the copy back as it is written: its size and SHA-1 must be the expected ones."""
        storage.remove_quietly(row.temp_path)
        if row.checksum is None and row.kind == "sidecar":
            row.checksum = fs.file_sha1(row.old_path)  # sidecars: the source's own hash is what the copy must match
        try:
            copied_sha1 = fs.copy_and_hash(row.old_path, row.temp_path, hashing=row.checksum is not None)
        except OSError as error:
            storage.remove_quietly(row.temp_path)
            return f"copy failed: {error}"
        size = os.stat(row.temp_path).st_size
        if row.size is not None and size != row.size:
            return f"the copy has {size} bytes, expected {row.size}"
        if row.checksum is not None and copied_sha1 != bytes(row.checksum):
            return (
                "the copy's SHA-1 differs from the expected checksum (the source file changed or the copy is corrupt)"
            )
        return None

    copied = _verified_copies(copy_and_verify, rows, errors)
    for row in rows:
        if row.pk in errors:
            storage.remove_quietly(row.temp_path)
    fs.sync_filesystems(os.path.dirname(row.temp_path) for row in copied)  # verified copies durable before placing
    placed = []
    for row in copied:
        if row.pk in errors:
            continue
        try:
            fs.rename_noreplace(row.temp_path, row.new_path)
        except FileExistsError:
            errors[row.pk] = f"another file appeared at {row.new_path} during the move; nothing moved"
            storage.remove_quietly(row.temp_path)
            continue
        placed.append(row)
    fs.sync_filesystems(os.path.dirname(row.new_path) for row in placed)
    return placed


def _copy_objects(rows: list[FileMove], errors: dict[int, str]) -> list[FileMove]:
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
        fs.crash_point("copying")
        if not copy_verified(row, row.new_path, hash_verification=True):
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
    for kind, field in PATH_FIELD.items():
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


def copy_verified(row: FileMove, path: str, *, hash_verification: bool) -> bool:
    """Whether the file at `path` has the size and (with `hash_verification`) the SHA-1 the row expects."""
    try:
        found = storage.stat(path)
        if found is None or (row.size is not None and found.size != row.size):
            return False
        return not (hash_verification and row.checksum) or storage.sha1(path) == bytes(row.checksum)
    except OSError:
        return False

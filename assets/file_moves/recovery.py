"""Recovery of moves a crash interrupted: `moves_resume` (run under the movers' lock before any new move) reads
the journal's unfinished rows, looks at both paths and at the database, and rolls each move forward, so every file
ends in exactly one place with the database pointing at it. It reads an object store's journal rows the same way.
"""

from __future__ import annotations

import logging
import os

from django.db import transaction
from django.utils import timezone

from assets.file_moves.journal import PATH_FIELD, UNSETTLED, copy_verified, media_trees, moves_perform
from assets.models import Asset, FileMove, FileMoveState
from immich import storage
from workers.media import fs

logger = logging.getLogger(__name__)


def moves_resume(*, hash_verification: bool = True) -> int:
    """Finish every move a crash interrupted (call under `moves_lock`). Returns how many rows it settled."""
    rows = list(FileMove.objects.filter(state__in=FileMove.UNFINISHED).order_by("pk"))
    redo = []
    for row in rows:
        try:
            if _resume_one(row, hash_verification):
                redo.append(row)
        except OSError as error:  # this row's failure: the other rows are still settled
            _fail(row, f"{UNSETTLED}: {error}")
    if redo:
        moves_perform(redo)
    fs.remove_empty_folders([row.old_path for row in rows], stop_at=media_trees())  # what the interrupted moves emptied
    return len(rows)


def _fail(row: FileMove, reason: str) -> None:
    logger.error("storage template: move %s stopped: %s", row, reason)
    FileMove.objects.filter(pk=row.pk).update(state=FileMoveState.FAILED, error=reason, updated_at=timezone.now())


def _settle(row: FileMove, state: str, *, point_at: str | None = None, error: str = "") -> None:
    """Record the row's new state, pointing the asset at `point_at` in the same transaction."""
    with transaction.atomic():
        if point_at is not None:
            Asset.objects.filter(pk=row.asset_id).update(**{PATH_FIELD[row.kind]: point_at})
        FileMove.objects.filter(pk=row.pk).update(state=state, error=error, updated_at=timezone.now())


def _resume_one(row: FileMove, hash_verification: bool) -> bool:
    """Settle one interrupted move from what is on disk and in the database; True when it is to be redone."""
    storage.remove_quietly(row.temp_path)  # a copy that was not yet verified and placed is never trusted
    current = Asset.objects.filter(pk=row.asset_id).values_list(PATH_FIELD[row.kind], flat=True).first()
    old, new = row.old_path, row.new_path
    old_here, new_here = storage.occupied(old), storage.occupied(new)
    if current == new:
        if new_here:
            if old_here:
                storage.delete(old)  # the copy at new_path was verified before the database was switched
                fs.sync_filesystems([os.path.dirname(old)])
            _settle(row, FileMoveState.DONE)
        elif old_here:
            _settle(
                row,
                FileMoveState.FAILED,
                point_at=old,
                error="the moved file vanished (lost before it reached the disk); the asset points at the old file again",
            )
        else:
            _fail(row, f"the file is missing at both {old} and {new}")
        return False
    if current == old:
        if new_here and copy_verified(row, new, hash_verification=hash_verification):
            if old_here:
                _settle(row, FileMoveState.SWITCHED, point_at=new)
                storage.delete(old)
                fs.sync_filesystems([os.path.dirname(old)])
            _settle(row, FileMoveState.DONE, point_at=new)
            return False
        if new_here and old_here:
            _fail(row, f"{new} holds another file (not the asset's); nothing was moved and nothing deleted")
            return False
        if new_here:
            # The old name is gone, so the rename happened: the file at new_path is the asset's only copy, even if
            # it no longer matches the recorded size or checksum. Point at it, and say so.
            _settle(
                row,
                FileMoveState.FAILED,
                point_at=new,
                error=f"moved, but the file at {new} does not match the asset's recorded size or checksum",
            )
            return False
        if old_here:
            return True  # nothing happened yet: do the move now
        _fail(row, f"the file is missing at both {old} and {new}")
        return False
    _fail(row, "the asset no longer points at either path; left as it is")
    return False

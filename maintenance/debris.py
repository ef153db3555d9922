"""Removing what killed processes left in the media location (a service; `check_consistency` reports the same files).

A process killed mid-write (`kill -9`, the OOM killer, a power cut) cannot clean up: an API process leaves the
upload it was receiving (`<id>.part`), a worker its temporary output beside the final name (`.<name>.<token>.partial`,
an encoder's pass logs). A worker that runs the step again removes its own, but not when the step never runs again:
it failed for good, or the asset was deleted meanwhile. The nightly sweep removes such files once no row refers
to them and nothing has written them for a day, far longer than any job may run. Only names of that shape are
touched: an original or a generated file never has one. In an object store nothing is written under a temporary
name (a multipart upload that is never completed is not an object): uploads are received in the scratch folder's
`staging/` instead, which is swept on the machine the sweep runs on (API machines of their own keep theirs).
"""

from __future__ import annotations

import itertools
import logging
import os
from datetime import timedelta

from django.utils import timezone

from immich import storage
from immich.storage import media_root, scratch_root
from maintenance.consistency import (
    DATA_FOLDERS,
    changed_at,
    chunks,
    data_files,
    debris_kind,
    local_files,
    moving,
    referenced,
)

logger = logging.getLogger(__name__)

DEBRIS_AGE = timedelta(days=1)  # the longest step (a video encode) is stopped after 4 hours


def debris_remove(*, older_than: timedelta = DEBRIS_AGE) -> int:
    """Remove the temporary files of killed processes unchanged for `older_than`; returns how many went."""
    root = media_root()
    files = data_files(root) if storage.is_local(root / DATA_FOLDERS[0]) else iter(())
    staged = local_files(scratch_root() / "staging")
    settled_before = timezone.now().timestamp() - older_than.total_seconds()
    candidates = sorted(path for path in itertools.chain(files, staged) if debris_kind(os.path.basename(path)))
    removed = 0
    for chunk in chunks(candidates):
        explained = referenced(chunk) | moving(chunk)  # a resumable upload's staged bytes, a move's files
        for path in chunk:
            written_at = changed_at(path)
            if path in explained or written_at is None or written_at > settled_before:
                continue
            storage.remove_quietly(path)
            removed += 1
            logger.info("removed %s: %s", path, debris_kind(os.path.basename(path)))
    return removed

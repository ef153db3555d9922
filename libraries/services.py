"""Writes on libraries: create, update, delete, and asking for scans. The scan itself is in `libraries.scan`."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, AssetFile, AssetStatus
from immich import storage
from immich.errors import BadRequest
from immich.roots import normalize_path
from jobs.models import AssetStep, Priority, Step
from jobs.queues import Queue
from jobs.runs import job_run_request
from jobs.services import steps_enqueue
from libraries import validation
from libraries.models import DEFAULT_EXCLUSION_PATTERNS, Library, LibraryFile, OfflineReason

logger = logging.getLogger(__name__)

DELETE_BATCH = 500
# The library queue's work, each a recorded run (jobs.runs) of the library's subject, so that one scan, sync or
# deletion works on a library at a time, a paused queue holds them, and the reconciler gives back a dead worker's.
SCAN = "LibraryScan"
SYNC = "LibrarySyncFiles"
AFTER_SCAN = "LibraryAfterScan"
DELETE = "LibraryDelete"


def library_subject(library_id: object) -> str:
    return f"library:{library_id}"


def _checked_lists(
    *, import_paths: list[str] | None, exclusion_patterns: list[str] | None, creating: bool = False
) -> dict:
    """As the reference: a new library may name import paths that do not exist yet (they are reported by validate
    and skipped by scans until they are there); changing them checks that they can be read now. Either way a path
    in or around the media location or outside IMMICH_EXTERNAL_LIBRARY_ROOTS is refused."""
    changes: dict = {}
    if import_paths is not None:
        problem = validation.list_problem("importPaths", import_paths)
        if problem:
            raise BadRequest(problem)
        for path in import_paths:
            problem = validation.import_path_refusal(path) if creating else validation.check_import_path(path).message
            if problem:
                raise BadRequest(f"Invalid import path: {problem}")
        changes["import_paths"] = [normalize_path(path) for path in import_paths]
    if exclusion_patterns is not None:
        problem = validation.list_problem("exclusionPatterns", exclusion_patterns)
        if problem:
            raise BadRequest(problem)
        for result in validation.patterns_problems(exclusion_patterns):
            if not result["isValid"]:
                raise BadRequest(f"Invalid exclusion pattern {result['pattern']}: {result['message']}")
        changes["exclusion_patterns"] = list(exclusion_patterns)
    return changes


def library_create(
    *,
    owner: User,
    name: str | None = None,
    import_paths: list[str] | None = None,
    exclusion_patterns: list[str] | None = None,
) -> Library:
    changes = _checked_lists(
        import_paths=import_paths if import_paths is not None else [],
        exclusion_patterns=exclusion_patterns if exclusion_patterns is not None else list(DEFAULT_EXCLUSION_PATTERNS),
        creating=True,
    )
    return Library.objects.create(owner=owner, name=name or "New External Library", **changes)


def library_update(
    *,
    library: Library,
    name: str | None = None,
    import_paths: list[str] | None = None,
    exclusion_patterns: list[str] | None = None,
) -> Library:
    """Import paths and exclusions take effect at the next scan, which also takes newly excluded files offline."""
    changes = _checked_lists(import_paths=import_paths, exclusion_patterns=exclusion_patterns)
    if name is not None:
        if not name.strip():
            raise BadRequest("name must not be empty")
        changes["name"] = name
    for field, value in changes.items():
        setattr(library, field, value)
    library.save()
    return library


def library_scan_request(*, library: Library) -> None:
    """Queue a scan of one library (recorded now, sent once the transaction commits); while one is pending or
    running, that one stands."""
    job_run_request(
        name=SCAN, queue=Queue.LIBRARY, subject=library_subject(library.pk), args={"library_id": str(library.pk)}
    )


def library_sync_request(*, library_id: str, paths: list[str]) -> None:
    """Queue the watcher's sync of these paths of one library."""
    job_run_request(
        name=SYNC,
        queue=Queue.LIBRARY,
        subject=library_subject(library_id),
        args={"library_id": str(library_id), "paths": paths},
        once=False,
    )


def library_after_scan_request(*, library_id: object) -> None:
    """Queue what follows a scan that found new or changed files (its own subject: it does not hold the library)."""
    job_run_request(
        name=AFTER_SCAN, queue=Queue.LIBRARY, subject=f"after-scan:{library_id}", args={"library_id": str(library_id)}
    )


def libraries_scan_all() -> int:
    """The jobs page's "Rescan" and the schedule: queue a scan of every library. Returns how many."""
    libraries = list(Library.objects.filter(deleted_at__isnull=True))
    with transaction.atomic():
        for library in libraries:
            library_scan_request(library=library)
    return len(libraries)


def library_delete(*, library: Library) -> None:
    """Soft-delete now (it disappears from the API at once); the assets and their generated files go in the
    background. Originals are never touched: `asset_delete_files` skips external originals."""
    with transaction.atomic():
        Library.objects.filter(pk=library.pk).update(deleted_at=timezone.now())
        job_run_request(
            name=DELETE, queue=Queue.LIBRARY, subject=library_subject(library.pk), args={"library_id": str(library.pk)}
        )


def library_delete_assets(*, library_id) -> int:
    """Delete a deleted library's assets: their rows and the files the server generated for them (thumbnails,
    previews, encodes), in batches, then the library. Originals and sidecars are the user's and are never
    touched. Idempotent: a re-run after a crash picks up what is left."""
    library = Library.objects.filter(pk=library_id, deleted_at__isnull=False).first()
    if library is None:
        return 0
    removed = 0
    while True:
        ids = list(Asset.objects.filter(library=library).values_list("id", flat=True)[:DELETE_BATCH])
        if not ids:
            break
        generated = list(AssetFile.objects.filter(asset_id__in=ids).values_list("path", flat=True))
        with transaction.atomic():
            Asset.objects.filter(pk__in=ids).delete()
            transaction.on_commit(lambda generated=generated: storage.delete(*generated))
        removed += len(ids)
    Library.objects.filter(pk=library.pk).delete()
    return removed


FINGERPRINT_BATCH = 500


def library_fingerprint_files(*, library_id) -> int:
    """Fill in the fingerprints the move detection uses (128 KiB read per file), in path order. Files that
    cannot be read keep none and are tried again after the next scan. Returns how many were filled in."""
    from libraries.walk import fingerprint

    filled = 0
    after = ""
    while True:
        rows = list(
            LibraryFile.objects.filter(
                library_id=library_id, fingerprint__isnull=True, size__gt=0, offline_reason="", path__gt=after
            )
            .only("asset_id", "path", "size")
            .order_by("path")[:FINGERPRINT_BATCH]
        )
        if not rows:
            return filled
        after = rows[-1].path
        done = []
        for row in rows:
            row.fingerprint = fingerprint(row.path, row.size)
            if row.fingerprint is not None:
                done.append(row)
        LibraryFile.objects.bulk_update(done, ["fingerprint"])
        filled += len(done)


QUEUE_BATCH = 2000


def library_queue_metadata(*, library_id) -> int:
    """The pipeline entry of a scan's new files: every online asset of the library that has never had a step
    gets metadata extraction queued (the chain then runs the rest: the storage template skips library files,
    thumbnails follow), in the backfill lane so uploads keep going first. Runs right after each scan that found
    new files; idempotent, so a lost run is made up by the next scan."""
    queued = 0
    after = None
    while True:
        pending = (
            Asset.objects.filter(library_id=library_id, is_offline=False)
            .exclude(status=AssetStatus.DELETED)
            .exclude(Exists(AssetStep.objects.filter(asset=OuterRef("pk"))))
            .order_by("id")
        )
        if after is not None:
            pending = pending.filter(id__gt=after)
        ids = list(pending.values_list("id", flat=True)[:QUEUE_BATCH])
        if not ids:
            return queued
        after = ids[-1]
        with transaction.atomic():
            queued += steps_enqueue(asset_ids=ids, step=Step.METADATA, priority=Priority.BACKFILL, continue_chain=True)


def library_file_outside(asset_id: object) -> None:
    """The asset's original led out of its library's folders (assets took it offline): the reason, on its file."""
    LibraryFile.objects.filter(asset_id=asset_id).update(offline_reason=OfflineReason.OUTSIDE)

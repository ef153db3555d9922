"""Scanning a library: walk its import paths, stage what was seen, and bring the library's assets in line with a
few set-based comparisons (see docs/external-libraries.md).

Order matters: moves first (a file that changed path keeps its asset, albums and favorite), then differences on
known paths (changed -> re-extract and regenerate; back -> online, no reprocessing), then new files (assets,
queued for metadata in the backfill lane), then files not seen (offline: hidden, kept, never deleted).
Originals are only ever read (stat, and 128 KiB for a fingerprint): never moved, renamed, written or deleted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.db import transaction
from django.utils import timezone as django_timezone

from assets import media_types
from assets.models import Asset
from jobs.models import Priority, Step
from jobs.services import steps_enqueue
from libraries import staging
from libraries.matcher import Matcher
from libraries.models import Library, LibraryFile, OfflineReason, ScanState
from libraries.validation import check_import_path, effective_roots, location_problem, under_any
from libraries.walk import FileFacts, WalkReport, file_facts, fingerprint, in_thread, walk, walk_batches
from notifications.services import notify_library_not_scanned

logger = logging.getLogger(__name__)

BATCH = 2000
ANALYZE_AFTER = 10_000  # new rows after which the library tables' statistics are refreshed

Progress = Callable[[str, int, "int | None"], None]


class ScanRefused(Exception):
    """The scan stopped before changing anything, for the reason given (a dropped mount, a deleted library)."""


@dataclass
class ScanOutcome:
    state: str
    error: str = ""
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each phase

    def record(self) -> dict:
        return {
            "state": self.state,
            "error": self.error,
            "counts": dict(self.counts),
            "problems": self.problems,
            "seconds": {phase: round(value, 3) for phase, value in self.seconds.items()},
        }

    @contextmanager
    def timed(self, phase: str):
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.monotonic() - started


def path_checksum(path: str) -> bytes:
    """The reference's checksum for library files: SHA-1 of "path:" + the path."""
    return hashlib.sha1(b"path:" + path.encode("utf-8")).digest()


def _datetime(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, tz=timezone.utc)


def _quiet(phase: str, done: int, total: int | None) -> None:
    return None


def _online_under(library: Library, root: str) -> int:
    return LibraryFile.objects.filter(
        library=library, path__startswith=root.rstrip("/") + "/", asset__is_offline=False
    ).count()


# -- full scan ----------------------------------------------------------------------------------------------------


def library_scan(*, library_id, progress: Progress | None = None) -> ScanOutcome:
    """Scan one library (the caller holds it: a LibraryScan run of its subject). A refusal (missing or emptied
    import path) is recorded on the library and returned; the library is left exactly as it was."""
    library = Library.objects.select_related("owner").get(pk=library_id)
    if library.deleted_at is not None:
        return ScanOutcome(state=ScanState.REFUSED, error="The library is being deleted")
    progress = progress or _quiet
    outcome = ScanOutcome(state=ScanState.DONE)
    report = WalkReport()
    try:
        with staging.bulk_session():
            _scan(library, report, outcome, progress)
    except ScanRefused as refusal:
        outcome.state, outcome.error = ScanState.REFUSED, str(refusal)
        logger.warning("scan of library %s refused: %s", library.pk, refusal)
    except Exception as error:
        outcome.state, outcome.error = ScanState.FAILED, f"{type(error).__name__}: {error}"
        _finish(library, outcome, report)
        raise
    finally:
        staging.drop()
    _finish(library, outcome, report)
    return outcome


def _finish(library: Library, outcome: ScanOutcome, report: WalkReport) -> None:
    outcome.counts.update(
        folders=report.folders,
        skippedHidden=report.skipped_hidden,
        skippedExcluded=report.skipped_excluded,
        problems=report.problems,
    )
    outcome.problems = report.problem_samples
    now = django_timezone.now()
    changes: dict[str, object] = {"last_scan": outcome.record()}
    if outcome.state == ScanState.DONE:
        changes["refreshed_at"] = now
    Library.objects.filter(pk=library.pk).update(**changes)
    if outcome.state in (ScanState.REFUSED, ScanState.FAILED):
        notify_library_not_scanned(
            library=library, reason=outcome.error, changed_nothing=outcome.state == ScanState.REFUSED
        )


def _scan(library: Library, report: WalkReport, outcome: ScanOutcome, progress: Progress) -> None:
    matcher = Matcher(tuple(library.exclusion_patterns))
    roots = effective_roots(library.import_paths)
    walkable = []
    for root in roots:
        check = check_import_path(root)
        if check.is_valid:
            walkable.append(root)
            continue
        online = _online_under(library, root)
        if online:
            raise ScanRefused(
                f"Import path {root} cannot be read ({check.message}) while {online} assets of the library are "
                "under it: is a network share unmounted? Nothing was changed; fix the mount and scan again."
            )
        report.problem(f"import path skipped: {root}: {check.message}")
    staging.create()
    expected = LibraryFile.objects.filter(library=library, asset__is_offline=False).count() or None
    with outcome.timed("walk"):
        _walk_into_staging(library, walkable, matcher, report, progress, expected)
    outcome.counts["seen"] = report.files
    _sync(library, matcher, roots, outcome, progress, partial=False, unreadable=report.unreadable_folders)


def _walk_into_staging(library, walkable, matcher, report: WalkReport, progress: Progress, expected) -> None:
    found: Counter = Counter()
    for root, batch in in_thread(walk_batches(walkable, matcher, report, size=BATCH, refuse=location_problem)):
        if batch is not None:
            found[root] += len(batch)
            staging.add_seen(batch)
            progress("walk", sum(found.values()), expected)
            continue
        online = _online_under(library, root) if not found[root] else 0
        if online:
            raise ScanRefused(
                f"Import path {root} holds no media files while {online} assets of the library are under it: "
                "is a network share unmounted? Nothing was changed. If the files were removed on purpose, remove "
                "the import path from the library."
            )
    staging.analyze()
    progress("walk", report.files, report.files)


def _sync(
    library, matcher, roots, outcome: ScanOutcome, progress: Progress, *, partial: bool, unreadable: list[str]
) -> None:
    counts = outcome.counts
    with outcome.timed("moves"):
        counts["moved"] += _apply_moves(library, partial=partial)
    with outcome.timed("changes"):
        _apply_differences(library, counts)
    with outcome.timed("new"):
        _apply_new(library, counts, progress)
    with outcome.timed("offline"):
        counts["offline"] += _apply_unseen(library, matcher, roots, partial=partial, unreadable=unreadable)
    if not partial or counts["new"] or counts["changed"] or counts["adopted"]:
        # New assets into the pipeline, then fingerprints: after every full scan, so a lost run is made up.
        from libraries.services import library_after_scan_request

        library_after_scan_request(library_id=library.pk)


# -- partial sync (the watcher) -----------------------------------------------------------------------------------


def library_sync_paths(*, library_id, paths: Iterable[str]) -> ScanOutcome:
    """Bring these paths (files or folders, present or gone) in line, as a full scan would for them (the caller
    holds the library: a LibrarySyncFiles run of its subject)."""
    library = Library.objects.select_related("owner").get(pk=library_id)
    outcome = ScanOutcome(state=ScanState.DONE)
    if library.deleted_at is not None:
        return outcome
    matcher = Matcher(tuple(library.exclusion_patterns))
    roots = effective_roots(library.import_paths)
    report = WalkReport()
    try:
        staging.create()
        seen, gone = _expand(library, matcher, roots, sorted(set(paths)), report)
        for start in range(0, len(seen), BATCH):
            staging.add_seen(seen[start : start + BATCH])
        staging.add_gone(gone)
        staging.analyze()
        outcome.counts["seen"] = len(seen)
        _sync(library, matcher, roots, outcome, _quiet, partial=True, unreadable=report.unreadable_folders)
    except ScanRefused as refusal:
        outcome.state, outcome.error = ScanState.REFUSED, str(refusal)
    finally:
        staging.drop()
    outcome.problems = report.problem_samples
    return outcome


def _expand(library, matcher, roots, paths: list[str], report: WalkReport) -> tuple[list[FileFacts], list[str]]:
    seen: dict[str, FileFacts] = {}
    gone: list[str] = []
    checked_roots: set[str] = set()
    for path in paths:
        path = os.path.normpath(path)
        root = next((root for root in roots if under_any(path, [root])), None)
        if root is None:
            continue
        if root not in checked_roots:
            checked_roots.add(root)
            if not check_import_path(root).is_valid or not _has_entries(root):
                if _online_under(library, root):
                    raise ScanRefused(f"Import path {root} is missing or empty: is a network share unmounted?")
        if os.path.isdir(path):
            if path == root or not matcher.has_hidden_part(path, root) and not matcher.prunes_folder(path):
                for facts in walk(path, matcher, report, refuse=location_problem):
                    seen[facts.path] = facts
            continue
        facts = file_facts(path, matcher, root, refuse=location_problem)
        if facts is not None:
            seen[facts.path] = facts
            continue
        gone.append(path)
        gone.extend(
            LibraryFile.objects.filter(library=library, path__startswith=path.rstrip("/") + "/").values_list(
                "path", flat=True
            )
        )
    return list(seen.values()), list(dict.fromkeys(gone))


def _has_entries(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is not None
    except OSError:
        return False


# -- applying ------------------------------------------------------------------------------------------------------


def _apply_moves(library: Library, *, partial: bool) -> int:
    if not staging.any_new(library.pk) or not staging.any_move_candidate(library.pk, partial=partial):
        return 0
    moved = 0
    for rows in staging.inode_moves(library.pk, partial=partial):
        moved += _move(library, [(staging.facts_of(row), row[7]) for row in rows])
    for candidates in staging.fingerprint_candidates(library.pk, partial=partial):
        waiting: dict[bytes, list[FileFacts]] = defaultdict(list)
        for facts in candidates:
            print_ = fingerprint(facts.path, facts.size)
            if print_ is not None:
                waiting[print_].append(facts)
        pairs = []
        for asset_id, _size, print_ in staging.gone_with_fingerprints(
            library.pk, partial=partial, fingerprints=list(waiting)
        ):
            if waiting.get(print_):
                pairs.append((waiting[print_].pop(0), asset_id))
        moved += _move(library, pairs)
    return moved


def _move(library: Library, pairs: list[tuple[FileFacts, object]]) -> int:
    """Point each asset at its file's new path: the same asset row, so albums, favorite and edits stay. A sidecar
    that changed on the way is extracted again; the content itself is the same (same inode, or same fingerprint)."""
    by_asset: dict[str, FileFacts] = {}
    taken: set[str] = set()
    for facts, asset_id in pairs:
        asset_id = str(uuid.UUID(str(asset_id)))  # raw rows: a UUID on PostgreSQL, 32 hex digits on SQLite
        if asset_id in by_asset or facts.path in taken:
            continue
        by_asset[asset_id] = facts
        taken.add(facts.path)
    if not by_asset:
        return 0
    with transaction.atomic():
        before = {
            str(asset_id): (sidecar_path, sidecar_size, sidecar_mtime_ns)
            for asset_id, sidecar_path, sidecar_size, sidecar_mtime_ns in LibraryFile.objects.filter(
                asset_id__in=list(by_asset)
            ).values_list("asset_id", "asset__sidecar_path", "sidecar_size", "sidecar_mtime_ns")
        }
        rows = [
            (
                asset_id,
                facts.path,
                os.path.basename(facts.path),
                path_checksum(facts.path),
                facts.size,
                facts.mtime_ns,
                facts.inode,
                facts.sidecar_path,
                facts.sidecar_size,
                facts.sidecar_mtime_ns,
            )
            for asset_id, facts in by_asset.items()
            if asset_id in before
        ]
        staging.apply_moves([(uuid.UUID(row[0]), *row[1:]) for row in rows], django_timezone.now())
        reprocess = [
            asset_id
            for asset_id, facts in by_asset.items()
            if asset_id in before and _sidecar_differs(facts, *before[asset_id])
        ]
        if reprocess:
            steps_enqueue(asset_ids=reprocess, step=Step.METADATA, priority=Priority.BACKFILL, continue_chain=True)
    return len(rows)


def _sidecar_differs(facts: FileFacts, sidecar_path, sidecar_size, sidecar_mtime_ns) -> bool:
    return (facts.sidecar_path or "", facts.sidecar_size, facts.sidecar_mtime_ns) != (
        sidecar_path or "",
        sidecar_size,
        sidecar_mtime_ns,
    )


def _apply_differences(library: Library, counts: Counter) -> None:
    """Known paths whose facts differ: changed content or sidecar -> extracted and thumbnailed again (the chain
    after metadata); back from offline -> online, with no reprocessing; a new inode alone -> just recorded."""
    for rows in staging.differing_pages(library.pk):
        updates, reprocess = [], []
        for row in rows:
            facts = staging.facts_of(row)
            asset_id, size, mtime_ns, _inode, sidecar_path, sidecar_size, sidecar_mtime_ns, is_offline, _status = row[
                7:16
            ]
            content_changed = (size, mtime_ns) != (facts.size, facts.mtime_ns)
            sidecar_changed = _sidecar_differs(facts, sidecar_path, sidecar_size, sidecar_mtime_ns)
            if content_changed or sidecar_changed:
                reprocess.append(asset_id)
            counts["online"] += bool(is_offline)
            updates.append(
                (
                    asset_id,
                    facts.size,
                    facts.mtime_ns,
                    facts.inode,
                    facts.sidecar_path,
                    facts.sidecar_size,
                    facts.sidecar_mtime_ns,
                    _datetime(facts.mtime_ns),
                    content_changed,
                    bool(content_changed or sidecar_changed or is_offline),
                )
            )
        counts["changed"] += len(reprocess)
        with transaction.atomic():
            staging.apply_changes(updates, django_timezone.now())
            if reprocess:
                steps_enqueue(asset_ids=reprocess, step=Step.METADATA, priority=Priority.BACKFILL, continue_chain=True)


def _new_asset(library: Library, facts: FileFacts, now: datetime) -> dict:
    name = os.path.basename(facts.path)
    modified = _datetime(facts.mtime_ns)
    return {
        "id": uuid.uuid4(),
        "owner_id": library.owner_id,
        "library_id": library.pk,
        "type": media_types.asset_type_for(name),
        "original_path": facts.path,
        "original_file_name": name,
        "sidecar_path": facts.sidecar_path,
        "file_size": facts.size,
        "checksum": path_checksum(facts.path),
        "checksum_algorithm": "sha1-path",
        "file_created_at": modified,
        "file_modified_at": modified,
        "local_date_time": modified,
        "is_external": True,
        "created_at": now,
        "updated_at": now,
    }


def _file_row(library: Library, asset_id, facts: FileFacts) -> dict:
    return {
        "asset_id": asset_id,
        "library_id": library.pk,
        "path": facts.path,
        "size": facts.size,
        "mtime_ns": facts.mtime_ns,
        "inode": facts.inode,
        "sidecar_size": facts.sidecar_size,
        "sidecar_mtime_ns": facts.sidecar_mtime_ns,
        "offline_reason": "",
    }


def _apply_new(library: Library, counts: Counter, progress: Progress) -> None:
    """New files become assets (a page at a time, by COPY on PostgreSQL). They enter the pipeline right after
    the scan, through `library_queue_metadata`, so the scan itself never waits on the broker."""
    # Assets of this library without a file row (made before it existed) are adopted by path, not duplicated.
    orphans = Asset.objects.filter(library=library, library_file__isnull=True).exists()
    for page in staging.new_pages(library.pk):
        now = django_timezone.now()
        with transaction.atomic():
            by_checksum = {path_checksum(facts.path): facts for facts in page}
            existing = {}
            if orphans:
                existing = {
                    bytes(checksum): asset_id
                    for checksum, asset_id in Asset.objects.filter(
                        owner_id=library.owner_id, library=library, checksum__in=list(by_checksum)
                    ).values_list("checksum", "id")
                }
            assets = [
                _new_asset(library, facts, now) for checksum, facts in by_checksum.items() if checksum not in existing
            ]
            staging.insert_rows(Asset, assets)
            rows = [_file_row(library, asset["id"], by_checksum[asset["checksum"]]) for asset in assets]
            rows += [_file_row(library, asset_id, by_checksum[checksum]) for checksum, asset_id in existing.items()]
            staging.insert_rows(LibraryFile, rows)
        counts["new"] += len(assets)
        counts["adopted"] += len(existing)
        progress("import", counts["new"], None)
    if counts["new"] >= ANALYZE_AFTER:
        staging.analyze(library_tables=True)


def _offline_reason(path: str, matcher: Matcher, roots: list[str]) -> str:
    root = next((root for root in roots if under_any(path, [root])), None)
    if root is None:
        return OfflineReason.OUTSIDE
    if matcher.has_hidden_part(path, root) or matcher.is_excluded(path):
        return OfflineReason.EXCLUDED
    return OfflineReason.MISSING


def _apply_unseen(library: Library, matcher: Matcher, roots: list[str], *, partial: bool, unreadable: list[str]) -> int:
    """Files not seen go offline (hidden from the timeline, kept). Those under a folder that could not be read
    are left as they are: an unreadable folder is not a deletion."""
    offline = 0
    for rows in staging.unseen_pages(library.pk, partial=partial):
        by_reason: dict[str, list] = defaultdict(list)
        for path, asset_id, is_offline, reason in rows:
            if unreadable and under_any(path, unreadable):
                continue
            new_reason = _offline_reason(path, matcher, roots)
            if not is_offline or reason != new_reason:
                by_reason[new_reason].append(asset_id)
        now = django_timezone.now()
        with transaction.atomic():
            for reason, ids in by_reason.items():
                LibraryFile.objects.filter(asset_id__in=ids).update(offline_reason=reason)
                offline += Asset.objects.filter(pk__in=ids, is_offline=False, deleted_at__isnull=True).update(
                    is_offline=True, deleted_at=now, updated_at=now
                )
                offline += Asset.objects.filter(pk__in=ids, is_offline=False).update(is_offline=True, updated_at=now)
    return offline

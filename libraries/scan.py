"""Scanning a library: walk its import paths, stage what was seen, and bring the library's assets in line with a
few set-based comparisons (see docs/external-libraries.md).

Order matters: moves first (a file that changed path keeps its asset, albums and favorite), then differences on
known paths (changed -> re-extract and regenerate; back -> online, no reprocessing), then new files (assets,
queued for metadata in the backfill lane), then files not seen (offline: hidden, kept, never deleted).
Originals are only ever read (stat, and 128 KiB for a fingerprint): never moved, renamed, written or deleted.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone as django_timezone

from immich.roots import effective_roots, location_problem, under_any
from libraries import staging
from libraries.apply import Progress, apply_differences, apply_moves, apply_new, apply_unseen
from libraries.matcher import Matcher
from libraries.models import Library, LibraryFile, ScanState
from libraries.validation import check_import_path
from libraries.walk import FileFacts, WalkReport, file_facts, in_thread, walk, walk_batches
from notifications.services import notify_library_not_scanned

logger = logging.getLogger(__name__)

BATCH = 2000


class ScanRefused(Exception):
    """The scan stopped before changing anything, for the reason given (a dropped mount, a deleted library)."""


@dataclass
class ScanOutcome:
    state: str
    error: str = ""
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each phase
    devices: dict[str, int] = field(default_factory=dict)  # the filesystem each import path was on when last read

    def record(self) -> dict:
        return {
            "devices": self.devices,
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
    outcome = ScanOutcome(state=ScanState.DONE, devices=_recorded_devices(library))
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


def _recorded_devices(library: Library) -> dict[str, int]:
    return dict((library.last_scan or {}).get("devices") or {})


def _device(path: str) -> int | None:
    """The filesystem `path` is on, or for a missing path the filesystem of its nearest existing folder."""
    while True:
        try:
            return os.stat(path).st_dev
        except OSError:
            parent = os.path.dirname(path)
            if parent == path:
                return None
            path = parent


def _maybe_unmounted(root: str, devices: dict[str, int]) -> bool:
    """Whether a missing or emptied import path may be a share that is not mounted: unless it is still on the
    filesystem it was on when last read (its folder was deleted or emptied there, on purpose), it may."""
    recorded = devices.get(root)
    return recorded is None or _device(root) != recorded


def _refuse_if_unmounted(library: Library, root: str, devices: dict[str, int], why: str, advice: str) -> None:
    online = _online_under(library, root)
    if online and _maybe_unmounted(root, devices):
        raise ScanRefused(
            f"Import path {root} {why} while {online} assets of the library are under it: is a network share "
            f"unmounted? Nothing was changed; {advice}"
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
        if check.message.startswith("Path does not exist"):
            _refuse_if_unmounted(library, root, outcome.devices, f"cannot be read ({check.message})", _MOUNT_ADVICE)
        else:
            _refuse_if_unmounted(library, root, {}, f"cannot be read ({check.message})", "fix it and scan again.")
        # Skipped: the files under it go offline (not seen), as the reference does with an invalid import path.
        report.problem(f"import path skipped: {root}: {check.message}")
    staging.create()
    expected = LibraryFile.objects.filter(library=library, asset__is_offline=False).count() or None
    with outcome.timed("walk"):
        _walk_into_staging(library, walkable, matcher, report, progress, expected, outcome.devices)
    outcome.counts["seen"] = report.files
    _sync(library, matcher, roots, outcome, progress, partial=False, unreadable=report.unreadable_folders)
    outcome.devices = {root: device for root in roots if (device := _device(root)) is not None}


_MOUNT_ADVICE = (
    "fix the mount and scan again. If the files were removed on purpose, remove the import path from the library."
)


def _walk_into_staging(library, walkable, matcher, report: WalkReport, progress: Progress, expected, devices) -> None:
    found: Counter = Counter()
    for root, batch in in_thread(walk_batches(walkable, matcher, report, size=BATCH, refuse=location_problem)):
        if batch is not None:
            found[root] += len(batch)
            staging.add_seen(batch)
            progress("walk", sum(found.values()), expected)
            continue
        if not found[root]:
            _refuse_if_unmounted(library, root, devices, "holds no media files", _MOUNT_ADVICE)
    staging.analyze()
    progress("walk", report.files, report.files)


def _sync(
    library, matcher, roots, outcome: ScanOutcome, progress: Progress, *, partial: bool, unreadable: list[str]
) -> None:
    counts = outcome.counts
    with outcome.timed("moves"):
        counts["moved"] += apply_moves(library, partial=partial)
    with outcome.timed("changes"):
        apply_differences(library, counts)
    with outcome.timed("new"):
        apply_new(library, counts, progress)
    with outcome.timed("offline"):
        counts["offline"] += apply_unseen(library, matcher, roots, partial=partial, unreadable=unreadable)
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
                _refuse_if_unmounted(library, root, _recorded_devices(library), "is missing or empty", _MOUNT_ADVICE)
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

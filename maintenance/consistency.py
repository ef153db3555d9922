"""The database and the media location, compared (a selector: it reads and changes nothing).

`consistency_check()` reports:
- missing files: rows whose file is not there (originals and sidecars of assets, generated thumbnails, previews
  and encoded videos, person thumbnails, the staged bytes of unfinished resumable uploads; external originals
  unless the asset is marked offline);
- orphan files: files under the media location's data folders (upload/, library/, thumbs/, encoded-video/) that
  no row refers to, with what they are when their name tells (`.part`: a killed upload; hidden `.partial` or
  pass logs: a killed worker's temporary output);
- moves: unfinished rows of the storage template's journal, "in progress" while a mover holds the lock,
  "interrupted" when none does (the next migration, or the reconciler, finishes them); their files are not
  orphans; and failed rows (recovery could not settle them) whose asset's file is not where it points, with
  the row's reason;
- stuck steps: steps running with a heartbeat older than the reconciler's threshold.

With the S3 backend the data folders are listed from the bucket and files looked up there (immich/storage.py).
backups/ and the server's own files beside the data folders (database, broker, static files) are not judged.
Deleted assets whose files are being removed are not missing. On a live server, candidates are looked at a
second time (rows re-read, files re-stat'ed) and files changed in the last `quiet_for` are taken as work in
flight, so an upload or a thumbnail being written is not reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assets.file_moves.journal import PATH_FIELD, UNSETTLED, moves_active
from assets.models import Asset, AssetFile, AssetStatus, FileMove, FileMoveState, TusUpload
from assets.storage import media_root
from assets.uploads.handler import PARTIAL_SUFFIX
from immich import storage
from jobs.models import AssetStep, StepStatus
from jobs.reconciler import STALE_AFTER
from people.models import Person

DATA_FOLDERS = ("upload", "library", "thumbs", "encoded-video")
_CHUNK = 1000


class Problem(StrEnum):
    MISSING = "missing"
    ORPHAN = "orphan"
    MOVE_IN_PROGRESS = "move in progress"
    MOVE_INTERRUPTED = "interrupted move"
    MOVE_FAILED = "failed move"


@dataclass(frozen=True)
class Finding:
    problem: Problem
    path: str
    reason: str
    asset_id: str = ""


@dataclass(frozen=True)
class StuckStep:
    asset_id: str
    step: str
    worker: str
    heartbeat_at: datetime | None


@dataclass
class ConsistencyReport:
    missing: list[Finding] = field(default_factory=list)
    orphans: list[Finding] = field(default_factory=list)
    moves: list[Finding] = field(default_factory=list)
    stuck_steps: list[StuckStep] = field(default_factory=list)
    rows_checked: int = 0
    files_checked: int = 0

    @property
    def problems(self) -> int:
        """What needs a look: everything but moves a live mover is making."""
        interrupted = [move for move in self.moves if move.problem != Problem.MOVE_IN_PROGRESS]
        return len(self.missing) + len(self.orphans) + len(interrupted) + len(self.stuck_steps)

    @property
    def is_clean(self) -> bool:
        return self.problems == 0

    def to_dict(self) -> dict:
        def findings(items: list[Finding]) -> list[dict]:
            return [
                {
                    "problem": item.problem.value,
                    "path": item.path,
                    "reason": item.reason,
                    "assetId": item.asset_id or None,
                }
                for item in items
            ]

        return {
            "clean": self.is_clean,
            "problems": self.problems,
            "rowsChecked": self.rows_checked,
            "filesChecked": self.files_checked,
            "missing": findings(self.missing),
            "orphans": findings(self.orphans),
            "moves": findings(self.moves),
            "stuckSteps": [
                {
                    "assetId": step.asset_id,
                    "step": step.step,
                    "worker": step.worker,
                    "heartbeatAt": step.heartbeat_at.isoformat() if step.heartbeat_at else None,
                }
                for step in self.stuck_steps
            ],
        }


Progress = Callable[..., Iterable]  # immich.progress.progress's shape: (items, *, total, label) -> items


def _no_progress(items: Iterable, **_) -> Iterable:
    return items


@dataclass(frozen=True)
class _Expected:
    """A file a row refers to: what it is in words, its asset (if any), and whether its absence is a problem."""

    what: str
    asset_id: str = ""
    required: bool = True


def consistency_check(*, quiet_for: timedelta = STALE_AFTER, progress: Progress = _no_progress) -> ConsistencyReport:
    report = ConsistencyReport()
    root = media_root()
    inside = str(root) + os.sep
    expected = _expected_files(report, progress)
    moving = _journal(report)
    estimate = sum(path.startswith(inside) for path in expected)
    on_disk = set(progress(data_files(root), total=estimate, label="files"))
    report.files_checked = len(on_disk)
    accounted = on_disk | moving  # a file mid-move is reported with its move
    missing = {path: item for path, item in expected.items() if item.required and path not in accounted}
    report.missing = _confirm_missing(missing, inside=inside)
    report.orphans = _confirm_orphans(sorted(on_disk - expected.keys() - moving), quiet_for)
    report.stuck_steps = _stuck_steps()
    return report


# -- what the rows expect ----------------------------------------------------------------------------------------


def _expected_files(report: ConsistencyReport, progress: Progress) -> dict[str, _Expected]:
    expected: dict[str, _Expected] = {}
    assets = Asset.objects.values_list("id", "original_path", "sidecar_path", "status", "is_offline")
    for asset_id, original, sidecar, status, offline in progress(
        assets.iterator(chunk_size=5000), total=Asset.objects.count(), label="assets"
    ):
        report.rows_checked += 1
        # A deleted asset's files are being removed, an offline one's are known to be gone: neither is missing.
        required = status != AssetStatus.DELETED and not offline
        expected[original] = _Expected("original", str(asset_id), required)
        if sidecar:
            expected[sidecar] = _Expected("sidecar", str(asset_id), required)
    generated = AssetFile.objects.values_list("asset_id", "type", "path", "asset__status")
    for asset_id, kind, path, status in generated.iterator(chunk_size=5000):
        report.rows_checked += 1
        expected[path] = _Expected(kind.replace("_", " "), str(asset_id), status != AssetStatus.DELETED)
    for person_id, path in Person.objects.exclude(thumbnail_path="").values_list("id", "thumbnail_path"):
        report.rows_checked += 1
        expected[path] = _Expected(f"thumbnail of person {person_id}")
    unfinished = TusUpload.objects.filter(completed_at__isnull=True).values_list("id", "staging_path")
    for upload_id, path in unfinished:
        report.rows_checked += 1
        expected[path] = _Expected(f"staged bytes of resumable upload {upload_id}")
    return expected


def _failed_moves(report: ConsistencyReport) -> None:
    """Failed moves that need a look, with the journal's reason: those recovery could not settle (files may be at
    both paths) and those that left their asset pointing where no file is; unless a later move of the same file
    was done."""
    done_later = FileMove.objects.filter(
        asset_id=OuterRef("asset_id"), kind=OuterRef("kind"), pk__gt=OuterRef("pk"), state=FileMoveState.DONE
    )
    failed = (
        FileMove.objects.filter(state=FileMoveState.FAILED)
        .exclude(Exists(done_later))
        .select_related("asset")
        .order_by("pk")
    )
    for row in failed.iterator(chunk_size=1000):
        report.rows_checked += 1
        current = getattr(row.asset, PATH_FIELD[row.kind])
        if row.error.startswith(UNSETTLED) or (current and not storage.occupied(current)):
            reason = f"{row.kind} move failed: {row.error}; no file at {current}"
            paths = f"{row.old_path} -> {row.new_path}"
            report.moves.append(Finding(Problem.MOVE_FAILED, paths, reason, str(row.asset_id)))


def _journal(report: ConsistencyReport) -> set[str]:
    """The journal's unfinished moves, reported; returns every path they explain (old, new and temporary)."""
    _failed_moves(report)
    rows = list(FileMove.objects.filter(state__in=FileMove.UNFINISHED).order_by("pk"))
    if not rows:
        return set()
    problem = Problem.MOVE_IN_PROGRESS if moves_active() else Problem.MOVE_INTERRUPTED
    explained = set()
    for row in rows:
        report.rows_checked += 1
        here = [path for path in (row.old_path, row.new_path) if storage.occupied(path)]
        where = ", ".join(here) if here else "neither path"
        report.moves.append(
            Finding(
                problem,
                f"{row.old_path} -> {row.new_path}",
                f"{row.kind} move {row.state}; the file is at {where}",
                str(row.asset_id),
            )
        )
        explained.update((row.old_path, row.new_path, row.temp_path))
    return explained


# -- what the disk holds -----------------------------------------------------------------------------------------


def data_files(root: Path) -> Iterator[str]:
    """Every file (and link) under the data folders, as the absolute paths the rows hold: walked on the local disk,
    listed in an object store."""
    folders = [root / folder for folder in DATA_FOLDERS]
    if not storage.is_local(folders[0]):
        for folder in folders:
            yield from (str(path) for path, _ in storage.files(folder))
        return
    yield from local_files(*folders)


def local_files(*folders: Path) -> Iterator[str]:
    """Every file (and link) under the folders on the local disk."""
    pending = [str(folder) for folder in folders]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                yield entry.path


# -- second looks ------------------------------------------------------------------------------------------------


def chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _confirm_missing(candidates: dict[str, _Expected], *, inside: str) -> list[Finding]:
    """Still referenced (rows re-read: a thumbnail may have been replaced meanwhile), not moving and still not
    there."""
    findings = []
    for chunk in chunks(sorted(candidates)):
        still = referenced(chunk) - moving(chunk)
        for path in chunk:
            if path in still and not storage.occupied(path):
                item = candidates[path]
                where = "" if path.startswith(inside) else " (outside the media location; not marked offline)"
                findings.append(
                    Finding(Problem.MISSING, path, f"the {item.what} file is missing{where}", item.asset_id)
                )
    return findings


def _confirm_orphans(candidates: list[str], quiet_for: timedelta) -> list[Finding]:
    """Still there, unchanged for `quiet_for`, and still not referenced (rows re-read: an upload in flight renames
    its file into place before its row commits)."""
    settled_before = timezone.now().timestamp() - quiet_for.total_seconds()
    findings = []
    for chunk in chunks(candidates):
        explained = referenced(chunk) | moving(chunk)
        for path in chunk:
            written_at = changed_at(path)
            if written_at is None or path in explained or written_at > settled_before:
                continue
            findings.append(Finding(Problem.ORPHAN, path, _orphan_reason(os.path.basename(path))))
    return findings


def changed_at(path: str) -> float | None:
    """When the file was last written (None: gone meanwhile); on a local disk its inode change counts too."""
    if storage.is_local(path):
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            return None
        return max(found.st_mtime, found.st_ctime)
    found = storage.stat(path)
    return found.mtime_ns / 1e9 if found else None


# A worker's temporary output beside its final name (`.<name>.<token>.partial`) and the encoder's pass logs.
_TEMPORARY_OUTPUT = re.compile(r"\..+\.(partial|passlog(\.mbtree|\.cutree)?(\.temp)?)")


def debris_kind(name: str) -> str | None:
    """What a file of this name is when a process writes it only while it runs (an upload's bytes in transit, a
    worker's temporary output); None for any other name. Originals and generated files never have such names."""
    if name.endswith(PARTIAL_SUFFIX):
        return "partial upload: debris of an upload whose process was killed (.part)"
    if _TEMPORARY_OUTPUT.fullmatch(name):
        return "temporary output of a worker killed mid-job (thumbnail, encode or copy)"
    return None


def _orphan_reason(name: str) -> str:
    return debris_kind(name) or "no asset, person or upload refers to this file"


def referenced(paths: list[str]) -> set[str]:
    """Which of `paths` a row refers to now."""
    found: set[str] = set()
    assets = Asset.objects.filter(Q(original_path__in=paths) | Q(sidecar_path__in=paths))
    for original, sidecar in assets.values_list("original_path", "sidecar_path"):
        found.update((original, sidecar))
    found.update(AssetFile.objects.filter(path__in=paths).values_list("path", flat=True))
    found.update(Person.objects.filter(thumbnail_path__in=paths).values_list("thumbnail_path", flat=True))
    found.update(
        TusUpload.objects.filter(completed_at__isnull=True, staging_path__in=paths).values_list(
            "staging_path", flat=True
        )
    )
    return found


def moving(paths: list[str]) -> set[str]:
    """Which of `paths` a move journalled since the first look explains."""
    rows = FileMove.objects.filter(state__in=FileMove.UNFINISHED).filter(Q(old_path__in=paths) | Q(new_path__in=paths))
    return {path for row in rows for path in (row.old_path, row.new_path)}


def _stuck_steps() -> list[StuckStep]:
    stale = AssetStep.objects.filter(status=StepStatus.RUNNING).filter(
        Q(heartbeat_at__lt=timezone.now() - STALE_AFTER) | Q(heartbeat_at__isnull=True)
    )
    return [
        StuckStep(str(asset_id), step, worker, heartbeat)
        for asset_id, step, worker, heartbeat in stale.order_by("heartbeat_at").values_list(
            "asset_id", "step", "worker", "heartbeat_at"
        )
    ]

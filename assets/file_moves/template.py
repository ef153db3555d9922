"""The storage template, applied: where each original belongs, moving it there (journalled, see `file_moves`),
the migration of every asset (the jobs page's storageTemplateMigration "Start"), its dry run, and the preview.

Where a file belongs: `<media>/library/<storageLabel or userId>/<rendered template>[+N].<ext>`, its sidecar next to
it as `<that path>.xmp`, a live photo's motion part named after its still. Dates are the asset's `fileCreatedAt`
read in `storageTemplate.timeZone` when set, else in the asset's own zone (EXIF offset) when known, else in the
server's zone (`TIME_ZONE`). Album dates use the configured or server zone, so one album lands in one folder.

Nothing is skipped silently: each asset not moved is reported with its reason, and the migration records every
outcome in the storage-template step state, so failures appear on the jobs page with their reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings as django_settings
from django.db.models import Max, Min
from django.utils import timezone as django_timezone

from assets.file_moves.journal import (
    MoveRequest, media_trees, moves_execute, moves_lock, moves_resume, remove_empty_folders,
)
from assets.models import AlbumAsset, Asset, AssetStatus, AssetType, FileMove
from immich import storage
from immich.storage import media_root
from jobs.models import Step
from jobs.queues import Queue
from jobs.services import steps_record_outcomes
from jobs.system_config import config_get
from workers.media import storage_template as engine

logger = logging.getLogger(__name__)

BATCH = 500
MAX_COLLISIONS = 10_000
REASON_EXTERNAL = "external library asset: its files stay in the library's own folders"
REASON_LOW_CONFIDENCE = "date of low confidence (file time only): kept in place (storageTemplate.skipLowConfidenceDates)"


class TemplateDisabled(Exception):
    pass


class MoveFailed(Exception):
    """The asset cannot be moved (its file is missing, the template cannot place it...): permanent, with reason."""


# -- settings and values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSettings:
    enabled: bool
    hash_verification: bool
    template: engine.Template
    time_zone: str  # "" = the asset's own zone when known, else the server's
    skip_low_confidence: bool
    version: str


def template_settings(*, template: str | None = None) -> TemplateSettings:
    """The stored settings; `template` replaces the stored one (dry runs and previews of a draft)."""
    config = config_get()["storageTemplate"]  # fresh: one query per step or run, and a change applies at once
    if template is not None:
        config = {**config, "template": template}
    return TemplateSettings(
        enabled=config["enabled"],
        hash_verification=config["hashVerificationEnabled"],
        template=engine.parse(config["template"]),
        time_zone=config.get("timeZone", ""),
        skip_low_confidence=config.get("skipLowConfidenceDates", False),
        version=hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16],
    )


_OFFSET_LABEL = re.compile(r"^UTC(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)


def zone_from_label(label: str | None) -> tzinfo | None:
    """"UTC", "UTC+2", "UTC-5:30", "UTC+05:30" or an IANA name -> tzinfo; None when absent or unreadable."""
    if not label:
        return None
    match = _OFFSET_LABEL.match(label.strip())
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta) if delta <= timedelta(hours=14) else None
    try:
        return ZoneInfo(label.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def server_zone() -> tzinfo:
    return zone_from_label(django_settings.TIME_ZONE) or timezone.utc


def date_is_low_confidence(exif) -> bool:
    """Only a file time to go by: no date in the file. Uses the confidence the metadata step records when there
    is one (`date_confidence == "file-time"`); without it, a missing date or a missing zone means file time."""
    recorded = getattr(exif, "date_confidence", None)
    if recorded:
        return recorded == "file-time"
    return exif is None or exif.date_time_original is None or not exif.time_zone


@dataclass(frozen=True)
class _Album:
    name: str
    start: datetime | None
    end: datetime | None


def _albums_of(assets: list[Asset]) -> dict:
    """Each asset's most recently created album among its owner's albums, with that album's date range."""
    owners = {asset.pk: asset.owner_id for asset in assets}
    chosen: dict = {}
    rows = (
        AlbumAsset.objects.filter(asset_id__in=list(owners))
        .order_by("asset_id", "-album__created_at")
        .values_list("asset_id", "album_id", "album__album_name", "album__owner_id")
    )
    for asset_id, album_id, name, owner_id in rows:
        if asset_id not in chosen and owner_id == owners[asset_id]:
            chosen[asset_id] = (album_id, name)
    ranges = {
        row["album_id"]: (row["start"], row["end"])
        for row in AlbumAsset.objects.filter(album_id__in={album_id for album_id, _ in chosen.values()})
        .exclude(asset__status=AssetStatus.DELETED)
        .values("album_id")
        .annotate(start=Min("asset__file_created_at"), end=Max("asset__file_created_at"))
    }
    return {asset_id: _Album(name, *ranges.get(album_id, (None, None))) for asset_id, (album_id, name) in chosen.items()}


def _exif(asset: Asset):
    try:
        return asset.exif
    except Asset.exif.RelatedObjectDoesNotExist:
        return None


def template_values(asset: Asset, *, still: Asset | None, album: _Album | None, settings: TemplateSettings) -> engine.TemplateValues:
    """What the template sees for `asset`; a live photo's motion part takes its still's date, name and album."""
    source = still or asset
    exif = _exif(source)
    fixed = zone_from_label(settings.time_zone)
    zone = fixed or zone_from_label(exif.time_zone if exif else None) or server_zone()
    album_zone = fixed or server_zone()
    own_exif = _exif(asset)
    return engine.TemplateValues(
        asset_id=str(asset.pk),
        taken=source.file_created_at.astimezone(zone),
        original_file_name=source.original_file_name,
        extension=os.path.splitext(asset.original_path)[1],
        is_image=asset.type == AssetType.IMAGE,
        album=album.name if album else None,
        album_start=album.start.astimezone(album_zone) if album and album.start else None,
        album_end=album.end.astimezone(album_zone) if album and album.end else None,
        make=own_exif.make if own_exif else None,
        model=own_exif.model if own_exif else None,
        lens_model=own_exif.lens_model if own_exif else None,
    )


def library_root(owner) -> Path:
    label = engine.sanitize_component(owner.storage_label or "")
    return media_root() / "library" / (label or str(owner.pk))


# -- planning --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMove:
    asset_id: str
    kind: str
    old_path: str
    new_path: str
    collision: int  # the +N the name needed, 0 when none
    low_confidence: bool


@dataclass(frozen=True)
class NotMoved:
    asset_id: str
    path: str
    reason: str
    failed: bool  # True: something is wrong (listed as a failure); False: kept in place by design


@dataclass
class AssetPlan:
    asset: Asset
    moves: list[PlannedMove] = field(default_factory=list)
    not_moved: NotMoved | None = None
    notes: list[str] = field(default_factory=list)


class Planner:
    """Decides where each asset goes. Paths already taken (on disk, or by a move planned earlier in this run)
    give `+1`, `+2`...; a file already at `<target>+N` counts as in place, so re-runs do not rename it again."""

    def __init__(self, settings: TemplateSettings, *, dry_run: bool = False) -> None:
        self.settings = settings
        self.dry_run = dry_run
        self.reserved: set[str] = set(
            FileMove.objects.filter(state__in=FileMove.UNFINISHED).values_list("new_path", flat=True)
        )
        self.vacated: set[str] = set()  # dry run: paths the moves of earlier batches would have freed
        self._inside: dict[str, bool] = {}

    def _free(self, path: str) -> bool:
        return path not in self.reserved and (path in self.vacated or not storage.occupied(path))

    def _confined(self, folder: Path, root: Path) -> bool:
        """No folder between the user's library root and `folder` is a symbolic link (the root itself may be one:
        a library on another disk). The names are sanitised, so a link is the only way out; one lstat per folder."""
        key = str(folder)
        if key not in self._inside:
            self._inside[key] = folder == root or (self._confined(folder.parent, root) and not os.path.islink(folder))
        return self._inside[key]

    def plan(self, asset: Asset, *, still: Asset | None = None, album: _Album | None = None) -> AssetPlan:
        plan = AssetPlan(asset=asset)
        if asset.library_id or asset.is_external:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, REASON_EXTERNAL, failed=False)
            return plan
        low = date_is_low_confidence(_exif(still or asset))
        if low and self.settings.skip_low_confidence:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, REASON_LOW_CONFIDENCE, failed=False)
            return plan
        if not storage.exists(asset.original_path):
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, f"the original file is missing: {asset.original_path}", failed=True)
            return plan
        try:
            rendered = engine.render(self.settings.template, template_values(asset, still=still, album=album, settings=self.settings))
        except engine.TemplateError as error:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, str(error), failed=True)
            return plan
        root = library_root(asset.owner)
        folder = root.joinpath(*rendered.folders)
        if not self._confined(folder, root):
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, f"{folder} leads outside {root} (a symbolic link)", failed=True)
            return plan
        sidecar = asset.sidecar_path if asset.sidecar_path and storage.exists(asset.sidecar_path) else None
        if asset.sidecar_path and not sidecar:
            plan.notes.append(f"sidecar file missing, left as recorded: {asset.sidecar_path}")
        target, collision = self._target(asset.original_path, folder, rendered, with_sidecar=bool(sidecar))
        if target is None:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, f"no free name for {rendered.relative()} after {MAX_COLLISIONS} tries", failed=True)
            return plan
        moves = []
        if target != asset.original_path:
            moves.append(PlannedMove(str(asset.pk), "original", asset.original_path, target, collision, low))
        if sidecar and sidecar != target + ".xmp":
            if moves or self._free(target + ".xmp"):  # a new target was chosen with its sidecar name free
                moves.append(PlannedMove(str(asset.pk), "sidecar", sidecar, target + ".xmp", collision, low))
            else:
                plan.notes.append(f"sidecar kept at {sidecar}: {target}.xmp is taken")
        self.reserved.update(move.new_path for move in moves)
        plan.moves = moves
        return plan

    def _target(self, current: str, folder: Path, rendered: engine.RenderedPath, *, with_sidecar: bool) -> tuple[str | None, int]:
        """(new path, N); the current path itself when it already is `<target>` or `<target>+N`."""
        here = Path(current)
        if here.parent == folder:
            suffix = re.search(r"\+(\d+)(?:\.[^.+]*)?$", here.name)
            for collision in (0, int(suffix.group(1)) if suffix else 0):
                if here.name == rendered.file_name(collision):
                    return current, collision
        for collision in range(MAX_COLLISIONS):
            candidate = str(folder / rendered.file_name(collision))
            if self._free(candidate) and (not with_sidecar or self._free(candidate + ".xmp")):
                return candidate, collision
        return None, 0


def _requests(plans: list[AssetPlan], settings: TemplateSettings) -> list[MoveRequest]:
    requests = []
    for plan in plans:
        asset = plan.asset
        for move in plan.moves:
            original = move.kind == "original"
            checksum = bytes(asset.checksum) if original and settings.hash_verification and asset.checksum_algorithm == "sha1" else None
            size = asset.file_size if original and asset.file_size else None
            requests.append(MoveRequest(asset_id=move.asset_id, kind=move.kind, old_path=move.old_path,
                                        new_path=move.new_path, size=size, checksum=checksum))
    return requests


def _with_relations(queryset):
    return queryset.select_related("owner", "exif")


def _stills_of(asset_ids: list) -> dict:
    """Motion part id -> its live photo still (name, date and album come from the still)."""
    stills = _with_relations(Asset.objects.filter(live_photo_video_id__in=asset_ids).exclude(status=AssetStatus.DELETED))
    return {still.live_photo_video_id: still for still in stills}


def _plan_batch(planner: Planner, assets: list[Asset]) -> list[AssetPlan]:
    stills = _stills_of([asset.pk for asset in assets])
    albums = _albums_of([stills.get(asset.pk, asset) for asset in assets])
    plans = []
    for asset in assets:
        still = stills.get(asset.pk)
        plans.append(planner.plan(asset, still=still, album=albums.get((still or asset).pk)))
    return plans


# -- one asset (the upload chain's step) ----------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyOutcome:
    moved: list[str]  # new paths
    skipped_reason: str = ""


def storage_template_apply(*, asset_id) -> ApplyOutcome:
    """Move one asset (and its live photo's motion part) to its template path. Raises TemplateDisabled when off,
    MoveFailed with the reason when it cannot be moved."""
    try:
        settings = template_settings()
    except engine.TemplateError as error:
        raise MoveFailed(str(error)) from error
    if not settings.enabled:
        raise TemplateDisabled()
    with moves_lock():
        moves_resume(hash_verification=settings.hash_verification)
        asset = _with_relations(Asset.objects.exclude(status=AssetStatus.DELETED)).get(pk=asset_id)
        batch = [asset]
        if asset.live_photo_video_id:
            motion = _with_relations(Asset.objects.exclude(status=AssetStatus.DELETED)).filter(pk=asset.live_photo_video_id).first()
            batch += [motion] if motion else []
        plans = _plan_batch(Planner(settings), batch)
        own = plans[0]
        if own.not_moved and own.not_moved.failed:
            raise MoveFailed(own.not_moved.reason)
        results = moves_execute(_requests(plans, settings))
        remove_empty_folders([result.old_path for result in results if result.moved], stop_at=media_trees())
    failures = [result.error for result in results if not result.moved]
    if failures:
        raise MoveFailed("; ".join(failures))
    return ApplyOutcome(moved=[result.new_path for result in results], skipped_reason=own.not_moved.reason if own.not_moved else "")


# -- every asset (the migration job, its dry run and the command) ---------------------------------------------


@dataclass
class MigrationReport:
    dry_run: bool
    total: int = 0
    moved: int = 0  # assets with at least one file moved (dry run: that would be moved)
    in_place: int = 0
    collisions: int = 0
    resumed: int = 0
    removed_folders: int = 0
    planned: list[PlannedMove] = field(default_factory=list)  # dry run: every planned move
    not_moved: list[NotMoved] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[NotMoved]:
        return [item for item in self.not_moved if item.failed]

    def summary(self) -> dict:
        return {
            "dryRun": self.dry_run, "total": self.total, "moved": self.moved, "inPlace": self.in_place,
            "collisions": self.collisions, "resumed": self.resumed, "removedFolders": self.removed_folders,
            "notMoved": dict(Counter(item.reason if not item.failed else "failed" for item in self.not_moved)),
            "failed": len(self.failed),
        }


class StorageMigration:
    """`run()` yields how many assets each batch settled (after the batch is done), for progress bars."""

    def __init__(self, *, dry_run: bool = False, template: str | None = None, batch_size: int = BATCH,
                 record_steps: bool = True, stop_after: str | None = None) -> None:
        self.settings = template_settings(template=template)
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.record_steps = record_steps and not dry_run
        self.stop_after = stop_after
        self.assets = Asset.objects.exclude(status=AssetStatus.DELETED)
        self.total = self.assets.count()
        self.report = MigrationReport(dry_run=dry_run, total=self.total, notes=engine.lint(self.settings.template))

    def run(self) -> Iterator[int]:
        if not self.dry_run:
            with moves_lock():
                self.report.resumed = moves_resume(hash_verification=self.settings.hash_verification, stop_after=self.stop_after)
                FileMove.objects.exclude(state__in=FileMove.UNFINISHED).delete()  # the journal shows this run
        planner = Planner(self.settings, dry_run=self.dry_run)
        for batch in self._batches():
            with moves_lock():
                if not self.dry_run:
                    planner.reserved |= set(FileMove.objects.filter(state__in=FileMove.UNFINISHED).values_list("new_path", flat=True))
                plans = _plan_batch(planner, batch)
                results = [] if self.dry_run else moves_execute(_requests(plans, self.settings), stop_after=self.stop_after)
                if self.dry_run:  # as if this batch had moved: its old paths are free for the next ones
                    planner.vacated.update(move.old_path for plan in plans for move in plan.moves)
                moved_from = [result.old_path for result in results if result.moved]
                self.report.removed_folders += remove_empty_folders(moved_from, stop_at=media_trees())
            self._account(plans, results)
            yield len(batch)
        if not self.dry_run:
            with moves_lock():
                self.report.removed_folders += _remove_empty_library_folders()
        logger.info("storage template migration: %s", self.report.summary())

    def _batches(self) -> Iterator[list[Asset]]:
        """Keyset pages in upload order, so older assets keep the plain names and newer ones get the +N."""
        queryset = _with_relations(self.assets).order_by("created_at", "id")
        last = None
        while True:
            page = queryset
            if last is not None:
                page = page.filter(created_at__gte=last.created_at).exclude(created_at=last.created_at, id__lte=last.id)
            batch = list(page[: self.batch_size])
            if not batch:
                return
            last = batch[-1]
            yield batch

    def _account(self, plans: list[AssetPlan], results) -> None:
        failed_moves: dict[str, list[str]] = {}
        for result in results:
            if not result.moved:
                failed_moves.setdefault(result.asset_id, []).append(result.error)
        outcomes = []
        for plan in plans:
            asset_id = str(plan.asset.pk)
            self.report.notes.extend(f"{asset_id}: {note}" for note in plan.notes)
            if plan.not_moved:
                self.report.not_moved.append(plan.not_moved)
                if plan.not_moved.failed and not self.dry_run:
                    logger.warning("storage template: asset %s not moved: %s", asset_id, plan.not_moved.reason)
                if plan.not_moved.reason != REASON_EXTERNAL:
                    outcomes.append((asset_id, "failed" if plan.not_moved.failed else "skipped", plan.not_moved.reason))
            elif asset_id in failed_moves:
                reason = "; ".join(failed_moves[asset_id])
                self.report.not_moved.append(NotMoved(asset_id, plan.asset.original_path, reason, failed=True))
                outcomes.append((asset_id, "failed", reason))
            elif plan.moves:
                self.report.moved += 1
                self.report.collisions += any(move.kind == "original" and move.collision for move in plan.moves)
                self.report.planned.extend(plan.moves)
                outcomes.append((asset_id, "done", ""))
            else:
                self.report.in_place += 1
                outcomes.append((asset_id, "done", ""))
        if self.record_steps:
            steps_record_outcomes(
                step=Step.STORAGE_TEMPLATE, outcomes=outcomes, settings_version=self.settings.version
            )


def _remove_empty_library_folders() -> int:
    """Immich's last step of a migration: every empty folder under library/ goes (deepest first)."""
    root = media_root() / "library"
    removed = 0
    for folder, subfolders, files in os.walk(root, topdown=False):
        if folder != str(root) and not files and not os.listdir(folder):
            try:
                os.rmdir(folder)
                removed += 1
            except OSError:
                pass
    return removed


def storage_template_migrate(**options) -> MigrationReport:
    migration = StorageMigration(**options)
    for _ in migration.run():
        pass
    return migration.report


def storage_template_migration_run() -> dict:
    """The StorageTemplateMigration task: the whole migration if the template is enabled (as Immich, which skips
    the job otherwise); returns the report's summary."""
    try:
        if not template_settings().enabled:
            logger.warning("storage template migration skipped: the template is disabled")
            return {"skipped": "the storage template is disabled"}
    except engine.TemplateError as error:
        logger.error("storage template migration skipped: %s", error)
        return {"skipped": str(error)}
    return storage_template_migrate().summary()


def storage_template_dry_run(*, template: str | None = None) -> MigrationReport:
    return storage_template_migrate(dry_run=True, template=template)


def storage_template_migration_start() -> int:
    """The jobs page's Start for storageTemplateMigration: one background migration of every asset (archived and
    trashed included), recorded as a run (one at a time; a killed one is sent again by the reconciler) and sent
    after commit. Returns how many assets it will look at."""
    from assets.file_moves.tasks import storage_template_migration
    from jobs.runs import job_run_request
    from jobs.commands import InvalidCommand

    if not template_settings().enabled:
        raise InvalidCommand("The storage template is disabled: enable storageTemplate.enabled before migrating")
    job_run_request(name=storage_template_migration.name, queue=Queue.STORAGE_TEMPLATE_MIGRATION)
    return Asset.objects.exclude(status=AssetStatus.DELETED).count()


# -- preview ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    path: str = ""  # relative to the media location
    asset_id: str = ""
    error: str = ""
    notes: tuple[str, ...] = ()


def storage_template_preview(*, template: str, asset_id=None) -> Preview:
    """Where `template` would put one asset (the given one, else the newest uploaded one, else a sample)."""
    try:
        parsed = engine.parse(template)
        settings = template_settings(template=template)
    except engine.TemplateError as error:
        return Preview(error=str(error))
    assets = _with_relations(Asset.objects.exclude(status=AssetStatus.DELETED).filter(library__isnull=True))
    asset = assets.filter(pk=asset_id).first() if asset_id else assets.order_by("-created_at").first()
    if asset is None:
        values = engine.sample_values()
        rendered = engine.render(parsed, values)
        return Preview(path=f"library/admin/{rendered.relative()}", error="" if not asset_id else f"no asset {asset_id}; showing a sample",
                       notes=tuple(engine.lint(parsed, values)))
    stills = _stills_of([asset.pk])
    still = stills.get(asset.pk)
    album = _albums_of([still or asset]).get((still or asset).pk)
    values = template_values(asset, still=still, album=album, settings=settings)
    try:
        rendered = engine.render(parsed, values)
    except engine.TemplateError as error:
        return Preview(asset_id=str(asset.pk), error=str(error))
    path = (library_root(asset.owner) / rendered.relative()).relative_to(media_root())
    notes = engine.lint(parsed, values)
    if date_is_low_confidence(_exif(still or asset)):
        notes.append("this asset's date is of low confidence (file time only)")
    return Preview(path=str(path), asset_id=str(asset.pk), notes=tuple(notes))

"""The storage template's planner: where each asset belongs, and the moves that take it there.

Where a file belongs: `<media>/library/<storageLabel or userId>/<rendered template>[+N].<ext>`, its sidecar next to
it as `<that path>.xmp`, a live photo's motion part named after its still. Dates are the asset's `fileCreatedAt`
read in `storageTemplate.timeZone` when set, else in the asset's own zone (EXIF offset) when known, else in the
server's zone (`TIME_ZONE`). Album dates use the configured or server zone, so one album lands in one folder.

Nothing is skipped silently: each asset not moved gets a `NotMoved` with its reason. The moves themselves are the
journal's (`file_moves.journal`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings as django_settings
from django.db.models import Max, Min

from assets.file_moves.journal import MoveRequest
from assets.models import Asset, AssetStatus, AssetType, FileMove
from immich import storage
from immich.storage import media_root
from jobs.system_config import config_get
from workers.media import storage_template as engine
from workers.media.template_values import TemplateValues, sanitize_component

MAX_COLLISIONS = 10_000
REASON_EXTERNAL = "external library asset: its files stay in the library's own folders"
REASON_LOW_CONFIDENCE = (
    "date of low confidence (file time only): kept in place (storageTemplate.skipLowConfidenceDates)"
)


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
    """ "UTC", "UTC+2", "UTC-5:30", "UTC+05:30" or an IANA name -> tzinfo; None when absent or unreadable."""
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
class Album:
    name: str
    start: datetime | None
    end: datetime | None


def albums_of(assets: list[Asset]) -> dict:
    """Each asset's most recently created album among its owner's albums, with that album's date range. Read through
    the relation the albums app declares (`Asset.albums`, its AlbumAsset rows), so assets import no album code."""
    owners = {asset.pk: asset.owner_id for asset in assets}
    chosen: dict = {}
    links = Asset.albums.through.objects
    rows = (
        links.filter(asset_id__in=list(owners))
        .order_by("asset_id", "-album__created_at")
        .values_list("asset_id", "album_id", "album__album_name", "album__owner_id")
    )
    for asset_id, album_id, name, owner_id in rows:
        if asset_id not in chosen and owner_id == owners[asset_id]:
            chosen[asset_id] = (album_id, name)
    ranges = {
        row["album_id"]: (row["start"], row["end"])
        for row in links.filter(album_id__in={album_id for album_id, _ in chosen.values()})
        .exclude(asset__status=AssetStatus.DELETED)
        .values("album_id")
        .annotate(start=Min("asset__file_created_at"), end=Max("asset__file_created_at"))
    }
    return {asset_id: Album(name, *ranges.get(album_id, (None, None))) for asset_id, (album_id, name) in chosen.items()}


def exif_of(asset: Asset):
    try:
        return asset.exif
    except Asset.exif.RelatedObjectDoesNotExist:
        return None


def template_values(
    asset: Asset, *, still: Asset | None, album: Album | None, settings: TemplateSettings
) -> TemplateValues:
    """What the template sees for `asset`; a live photo's motion part takes its still's date, name and album."""
    source = still or asset
    exif = exif_of(source)
    fixed = zone_from_label(settings.time_zone)
    zone = fixed or zone_from_label(exif.time_zone if exif else None) or server_zone()
    album_zone = fixed or server_zone()
    own_exif = exif_of(asset)
    return TemplateValues(
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
    label = sanitize_component(owner.storage_label or "")
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

    def plan(self, asset: Asset, *, still: Asset | None = None, album: Album | None = None) -> AssetPlan:
        plan = AssetPlan(asset=asset)
        if asset.library_id or asset.is_external:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, REASON_EXTERNAL, failed=False)
            return plan
        low = date_is_low_confidence(exif_of(still or asset))
        if low and self.settings.skip_low_confidence:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, REASON_LOW_CONFIDENCE, failed=False)
            return plan
        if not storage.exists(asset.original_path):
            plan.not_moved = NotMoved(
                str(asset.pk), asset.original_path, f"the original file is missing: {asset.original_path}", failed=True
            )
            return plan
        try:
            rendered = engine.render(
                self.settings.template, template_values(asset, still=still, album=album, settings=self.settings)
            )
        except engine.TemplateError as error:
            plan.not_moved = NotMoved(str(asset.pk), asset.original_path, str(error), failed=True)
            return plan
        root = library_root(asset.owner)
        folder = root.joinpath(*rendered.folders)
        if not self._confined(folder, root):
            plan.not_moved = NotMoved(
                str(asset.pk), asset.original_path, f"{folder} leads outside {root} (a symbolic link)", failed=True
            )
            return plan
        sidecar = asset.sidecar_path if asset.sidecar_path and storage.exists(asset.sidecar_path) else None
        if asset.sidecar_path and not sidecar:
            plan.notes.append(f"sidecar file missing, left as recorded: {asset.sidecar_path}")
        target, collision = self._target(asset.original_path, folder, rendered, with_sidecar=bool(sidecar))
        if target is None:
            plan.not_moved = NotMoved(
                str(asset.pk),
                asset.original_path,
                f"no free name for {rendered.relative()} after {MAX_COLLISIONS} tries",
                failed=True,
            )
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

    def _target(
        self, current: str, folder: Path, rendered: engine.RenderedPath, *, with_sidecar: bool
    ) -> tuple[str | None, int]:
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


def move_requests(plans: list[AssetPlan], settings: TemplateSettings) -> list[MoveRequest]:
    requests = []
    for plan in plans:
        asset = plan.asset
        for move in plan.moves:
            original = move.kind == "original"
            checksum = (
                bytes(asset.checksum)
                if original and settings.hash_verification and asset.checksum_algorithm == "sha1"
                else None
            )
            size = asset.file_size if original and asset.file_size else None
            requests.append(
                MoveRequest(
                    asset_id=move.asset_id,
                    kind=move.kind,
                    old_path=move.old_path,
                    new_path=move.new_path,
                    size=size,
                    checksum=checksum,
                )
            )
    return requests


def with_relations(queryset):
    return queryset.select_related("owner", "exif")


def stills_of(asset_ids: list) -> dict:
    """Motion part id -> its live photo still (name, date and album come from the still)."""
    stills = with_relations(Asset.objects.filter(live_photo_video_id__in=asset_ids).exclude(status=AssetStatus.DELETED))
    return {still.live_photo_video_id: still for still in stills}


def plan_batch(planner: Planner, assets: list[Asset]) -> list[AssetPlan]:
    stills = stills_of([asset.pk for asset in assets])
    albums = albums_of([stills.get(asset.pk, asset) for asset in assets])
    plans = []
    for asset in assets:
        still = stills.get(asset.pk)
        plans.append(planner.plan(asset, still=still, album=albums.get((still or asset).pk)))
    return plans

"""The per-asset pipeline: what each step does for one asset, and the upload chain
metadata -> storage template -> thumbnails (-> video encode, with the transcoding issue).

Each work function re-reads the asset and raises PermanentFailure for bad input; the jobs runner records it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone as django_timezone

from assets.hooks import MetadataRead, keywords_read, locations_changed, metadata_read
from assets.live import assets_announce_update
from assets.models import Asset, AssetExif, AssetStatus, AssetType, Visibility
from assets.pipeline.step_inputs import unusable_input_fails
from assets.pipeline.thumbnails import MAX_PIXELS, asset_thumbnails_generate
from assets.pipeline.transcode import asset_video_encode
from assets.pipeline.transcode import settings_version as transcode_settings_version
from assets.storage import local_original, original_roots
from immich import live_events, storage
from immich.limits import DESCRIPTION_MAX_LENGTH, EXTRACTED_TEXT_MAX_LENGTH
from jobs.models import Step, StepStatus
from jobs.services import PermanentFailure
from jobs.steps import StepDefinition
from jobs.system_config import config_cached
from workers.media import fs, metadata

METADATA_VERSION = "metadata-4"  # + zones from GPS, TIFF, IPTC, video orientation, Immich's precedence


def _version(payload: object) -> str:
    return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def asset_extract_metadata(asset_id: str) -> StepStatus:
    asset = Asset.objects.get(pk=asset_id)
    with unusable_input_fails(missing=f"the original file is missing: {asset.original_path}"):
        with local_original(asset) as path, _local_sidecar(asset, path) as sidecar:
            _extract_metadata(asset, path, sidecar)
    if asset.files.exists():  # read again (not an upload, told of with its first thumbnails): the apps show it
        assets_announce_update(asset_ids=[asset.id])
    return StepStatus.DONE


@contextmanager
def _local_sidecar(asset: Asset, original: Path) -> Iterator[Path | None]:
    """The recorded sidecar (a missing one is reported by the reader), else one found beside the original."""
    if not asset.sidecar_path:
        found = metadata.find_sidecar(original)
        try:
            if found is not None and storage.is_local(found):
                storage.stat(found, roots=original_roots(asset))
        except fs.OutsideRoots:
            found = None  # a sidecar beside the original that leads out of its folders is not read
        yield found
        return
    with local_original(asset, asset.sidecar_path) as sidecar:
        yield sidecar


def _extract_metadata(asset: Asset, path: Path, sidecar: Path | None) -> None:
    """Read the local copy of the original (and its sidecar) and record what it says."""
    options = {
        "sidecar": sidecar,
        "default_zone": config_cached()["metadata"]["defaultTimeZone"],
        "fallback_date": asset.file_created_at,
    }
    if asset.type == AssetType.VIDEO:
        facts = metadata.video_facts(path, **options)
    else:
        facts = metadata.image_facts(path, max_pixels=MAX_PIXELS, **options)
    width, height = facts.displayed_size
    warnings = list(facts.warnings)
    asset_id = asset.id
    with transaction.atomic():
        # Locked first: an edit of the asset waits for this step to commit, then wins (never the other way round).
        locked = _locked_properties(asset_id)
        changes = {"width": width, "height": height, "file_modified_at": _mtime(path)}
        if facts.date_time_original is not None and "dateTimeOriginal" not in locked:
            changes["file_created_at"] = facts.date_time_original
            # The timeline groups by the wall clock where the photo was taken, stored relabelled as UTC.
            changes["local_date_time"] = facts.date_time_original.replace(tzinfo=timezone.utc)
        if facts.duration_ms is not None:
            changes["duration_ms"] = facts.duration_ms
        Asset.objects.filter(pk=asset_id).update(**changes)
        # What other apps read from the same file (people: the face regions), in this transaction.
        read = MetadataRead(asset_id, asset.type, path, sidecar, facts.orientation, width, height)
        warnings.extend(metadata_read(read))
        fields = _unlocked({**_bounded(_exif_fields(facts, path), warnings), "warnings": warnings}, locked)
        # One INSERT ... ON CONFLICT: fields the step does not read (reverse geocoding's) keep their values.
        AssetExif.objects.bulk_create(
            [AssetExif(asset_id=asset_id, **fields)],
            update_conflicts=True,
            unique_fields=["asset"],
            update_fields=list(fields),
        )
        locations_changed([asset_id])  # its place, from the coordinates now recorded (the owner's, if set)
        _link_live_photo(asset, facts.live_photo_cid)
        keywords_read(asset, facts.keywords)


def _link_live_photo(asset: Asset, content_identifier: str | None) -> None:
    """Pair the halves of a live photo once both are here, whichever came first, as Immich does by Apple's
    ContentIdentifier: the still names the video, and the video leaves the timeline and the albums."""
    if not content_identifier or asset.type not in (AssetType.IMAGE, AssetType.VIDEO):
        return
    other_type = AssetType.VIDEO if asset.type == AssetType.IMAGE else AssetType.IMAGE
    other = (
        Asset.objects.filter(
            owner_id=asset.owner_id,
            library_id=asset.library_id,
            type=other_type,
            exif__live_photo_cid=content_identifier,
        )
        .exclude(pk=asset.pk)
        .exclude(status=AssetStatus.DELETED)
        .values_list("pk", flat=True)
        .first()
    )
    if other is None:
        return
    still, video = (asset.pk, other) if asset.type == AssetType.IMAGE else (other, asset.pk)
    now = django_timezone.now()
    Asset.objects.filter(pk=still).update(live_photo_video_id=video, updated_at=now)
    was_shown = Asset.objects.filter(pk=video).exclude(visibility=Visibility.HIDDEN).exists()
    Asset.objects.filter(pk=video).update(visibility=Visibility.HIDDEN, updated_at=now)
    if was_shown:
        live_events.send_to_user("on_asset_hidden", asset.owner_id, str(video))  # an app told of it drops it
    Asset.albums.through.objects.filter(asset_id=video).delete()  # albums' AlbumAsset, through the relation


# The columns each property a user can lock covers (the date's source and confidence describe the file's date).
_LOCKED_COLUMNS = {
    "description": ("description",),
    "rating": ("rating",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "dateTimeOriginal": ("date_time_original", "date_source", "date_confidence"),
    "timeZone": ("time_zone",),
}


def _locked_properties(asset_id) -> set[str]:
    row = AssetExif.objects.select_for_update().filter(asset_id=asset_id).values_list("locked_properties", flat=True)
    return set(row.first() or ())


def _unlocked(fields: dict, locked: set[str]) -> dict:
    """The EXIF fields read from the file, without those the user set (what the user set stays)."""
    kept = {column for name in locked for column in _LOCKED_COLUMNS.get(name, ())}
    return {column: value for column, value in fields.items() if column not in kept}


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def _text_limit(column: str) -> int:
    if column == "description":
        return DESCRIPTION_MAX_LENGTH
    return getattr(AssetExif._meta.get_field(column), "max_length", None) or EXTRACTED_TEXT_MAX_LENGTH


def _bounded(fields: dict, warnings: list[str]) -> dict:
    """Texts read from the file cut to what is kept (a description of 160 M characters was stored and served
    back with every asset); each cut is a warning."""
    bounded = {}
    for column, value in fields.items():
        limit = _text_limit(column) if isinstance(value, str) else 0
        if limit and len(value) > limit:
            warnings.append(f"{column}: {len(value)} characters, cut to {limit}")
            value = value[:limit]
        bounded[column] = value
    return bounded


def _exif_fields(facts: metadata.MediaFacts, path: Path) -> dict:
    return {
        "exif_image_width": facts.width,
        "exif_image_height": facts.height,
        "orientation": str(facts.reported_orientation) if facts.reported_orientation else None,
        "make": facts.make,
        "model": facts.model,
        "lens_model": facts.lens_model,
        "f_number": facts.f_number,
        "exposure_time": facts.exposure_time,
        "iso": facts.iso,
        "focal_length": facts.focal_length,
        "latitude": facts.latitude,
        "longitude": facts.longitude,
        "altitude": facts.altitude,
        "description": facts.description or "",
        "rating": facts.rating,
        "projection_type": facts.projection_type,
        "profile_description": facts.profile_description,
        "colorspace": facts.colorspace,
        "bits_per_sample": facts.bits_per_sample,
        "fps": facts.fps,
        "live_photo_cid": facts.live_photo_cid,
        "date_time_original": facts.date_time_original,
        "time_zone": facts.time_zone,
        "date_source": facts.date_source,
        "date_confidence": facts.date_confidence,
        "file_size_in_byte": path.stat().st_size,
        "modify_date": _mtime(path),  # Immich's modifyDate: the file's modification time
    }


def asset_apply_storage_template(asset_id: str) -> StepStatus:
    """Move the asset to its storage template path once its metadata (dates) is known. Skipped when the template
    is off, for external-library assets and (if so configured) for dates of low confidence."""
    from assets.file_moves.apply import MoveFailed, TemplateDisabled, storage_template_apply

    asset = Asset.objects.only("id", "library_id", "is_external").get(pk=asset_id)
    if asset.library_id or asset.is_external:
        return StepStatus.SKIPPED
    try:
        outcome = storage_template_apply(asset_id=asset_id)
    except TemplateDisabled:
        return StepStatus.SKIPPED
    except MoveFailed as failure:
        raise PermanentFailure(str(failure)) from failure
    return StepStatus.SKIPPED if outcome.skipped_reason else StepStatus.DONE


def _after_metadata(asset_id: str) -> list[Step]:
    return [Step.STORAGE_TEMPLATE]


def _after_storage_template(asset_id: str) -> list[Step]:
    return [Step.THUMBNAILS]


def _after_thumbnails(asset_id: str) -> list[Step]:
    # Videos go on to transcoding (issue 5); the encode step decides whether anything is written.
    is_video = Asset.objects.filter(pk=asset_id, type=AssetType.VIDEO).exists()
    return [Step.VIDEO_ENCODE] if is_video else []


# The upload chain metadata -> storage template -> thumbnails -> (videos) encode, registered with the jobs engine as
# followers (the apps above assets add theirs after the thumbnails).
CHAIN: tuple[tuple[Step, Callable[[str], list[Step]]], ...] = (
    (Step.METADATA, _after_metadata),
    (Step.STORAGE_TEMPLATE, _after_storage_template),
    (Step.THUMBNAILS, _after_thumbnails),
)


def _candidates(eligible: Q) -> Callable[[], QuerySet[Asset]]:
    """The assets a step applies to, for All and Missing: the eligible ones that are not deleted."""
    return lambda: Asset.objects.exclude(status=AssetStatus.DELETED).filter(eligible)


def definitions(tasks: dict[Step, Any]) -> list[StepDefinition]:
    return [
        StepDefinition(
            step=Step.METADATA,
            task=tasks[Step.METADATA],
            work=asset_extract_metadata,
            candidates=_candidates(Q()),
            settings_version=lambda: METADATA_VERSION,
            gone=Asset.DoesNotExist,
        ),
        StepDefinition(
            step=Step.STORAGE_TEMPLATE,
            task=tasks[Step.STORAGE_TEMPLATE],
            work=asset_apply_storage_template,
            candidates=_candidates(Q(library__isnull=True)),
            settings_version=lambda: _version(config_cached()["storageTemplate"]),
            switched_off=lambda: not config_cached()["storageTemplate"]["enabled"],
            gone=Asset.DoesNotExist,
        ),
        StepDefinition(
            step=Step.THUMBNAILS,
            task=tasks[Step.THUMBNAILS],
            work=asset_thumbnails_generate,
            candidates=_candidates(Q(type__in=[AssetType.IMAGE, AssetType.VIDEO]) & ~Q(visibility="hidden")),
            settings_version=lambda: _version(config_cached()["image"]),
            gone=Asset.DoesNotExist,
        ),
        # Video transcoding (issue 5): decide, then encode, remux or delete a transcode no longer needed.
        StepDefinition(
            step=Step.VIDEO_ENCODE,
            task=tasks[Step.VIDEO_ENCODE],
            work=asset_video_encode,
            candidates=_candidates(Q(type=AssetType.VIDEO)),
            settings_version=lambda: transcode_settings_version(config_cached()["ffmpeg"]),
            gone=Asset.DoesNotExist,
        ),
    ]

"""The per-asset pipeline: what each step does for one asset, and the upload chain
metadata -> storage template -> thumbnails (-> video encode, with the transcoding issue).

Each work function re-reads the asset and raises PermanentFailure for bad input; the jobs runner records it."""

from __future__ import annotations

import hashlib
import json
from datetime import timezone
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from assets.models import Asset, AssetExif, AssetType
from assets.thumbnails import asset_thumbnails_generate
from jobs.models import Step, StepStatus
from jobs.services import PermanentFailure
from jobs.steps import StepDefinition
from jobs.system_config import config_get
from workers.media import metadata

METADATA_VERSION = "metadata-1"


def _version(payload: object) -> str:
    return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def asset_extract_metadata(asset_id: str) -> StepStatus:
    asset = Asset.objects.get(pk=asset_id)
    path = Path(asset.original_path)
    try:
        facts = metadata.video_facts(path) if asset.type == AssetType.VIDEO else metadata.image_facts(path)
    except FileNotFoundError as error:
        raise PermanentFailure(f"the original file is missing: {path}") from error
    except metadata.UnreadableMedia as error:
        raise PermanentFailure(str(error)) from error
    width, height = facts.displayed_size
    with transaction.atomic():
        changes = {"width": width, "height": height}
        if facts.date_time_original is not None:
            changes["file_created_at"] = facts.date_time_original
            # The timeline groups by the wall clock where the photo was taken, stored relabelled as UTC.
            changes["local_date_time"] = facts.date_time_original.replace(tzinfo=timezone.utc)
        if facts.duration_ms is not None:
            changes["duration_ms"] = facts.duration_ms
        Asset.objects.filter(pk=asset_id).update(**changes)
        AssetExif.objects.update_or_create(
            asset_id=asset_id,
            defaults={
                "exif_image_width": facts.width,
                "exif_image_height": facts.height,
                "orientation": str(facts.orientation) if facts.orientation else None,
                "make": facts.make,
                "model": facts.model,
                "date_time_original": facts.date_time_original,
                "time_zone": facts.time_zone,
                "file_size_in_byte": path.stat().st_size,
            },
        )
    return StepStatus.DONE


def asset_apply_storage_template(asset_id: str) -> StepStatus:
    # The storage template is off until its issue lands: uploads stay in upload/, the chain goes on.
    Asset.objects.only("id").get(pk=asset_id)
    return StepStatus.SKIPPED


def _after_metadata(asset_id: str) -> list[Step]:
    return [Step.STORAGE_TEMPLATE]


def _after_storage_template(asset_id: str) -> list[Step]:
    return [Step.THUMBNAILS]


def _after_thumbnails(asset_id: str) -> list[Step]:
    return []


def definitions(tasks: dict) -> list[StepDefinition]:
    return [
        StepDefinition(
            step=Step.METADATA, task=tasks[Step.METADATA], work=asset_extract_metadata, eligible=Q(),
            settings_version=lambda: METADATA_VERSION, next_steps=_after_metadata,
        ),
        StepDefinition(
            step=Step.STORAGE_TEMPLATE, task=tasks[Step.STORAGE_TEMPLATE], work=asset_apply_storage_template,
            eligible=Q(library__isnull=True), settings_version=lambda: _version(config_get()["storageTemplate"]),
            next_steps=_after_storage_template,
        ),
        StepDefinition(
            step=Step.THUMBNAILS, task=tasks[Step.THUMBNAILS], work=asset_thumbnails_generate,
            eligible=Q(type__in=[AssetType.IMAGE, AssetType.VIDEO]) & ~Q(visibility="hidden"),
            settings_version=lambda: _version(config_get()["image"]), next_steps=_after_thumbnails,
        ),
    ]

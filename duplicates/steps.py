"""The duplicateDetection step for one asset: the perceptual hash of the thumbnail the thumbnail step made (a video
by its still; the original is never decoded again), recorded, and the asset's duplicate group settled."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from assets.models import Asset, AssetFileType, AssetStatus, AssetType, Visibility
from assets.pipeline.step_inputs import NotGenerated, generated_file_apply
from duplicates import services
from jobs.models import Step, StepStatus
from jobs.steps import StepDefinition
from jobs.system_config import config_cached
from workers.media import perceptual

COMPARED_TYPES = (AssetType.IMAGE, AssetType.VIDEO)


def _settings() -> dict[str, Any]:
    return config_cached()["machineLearning"]["duplicateDetection"]


def settings_version() -> str:
    """A change of the hash or of the distance, or the switch turned on, makes every asset's result missing (a
    regrouping; the hash itself costs a few milliseconds)."""
    settings = _settings()
    return f"{perceptual.HASH_VERSION}:{settings['maxHammingDistance']}" if settings["enabled"] else "off"


def asset_detect_duplicates(asset_id: str) -> StepStatus:
    asset = Asset.objects.only("id", "owner_id", "type", "status", "visibility", "checksum").get(pk=asset_id)
    shown = asset.status == AssetStatus.ACTIVE and asset.visibility in (Visibility.TIMELINE, Visibility.ARCHIVE)
    if asset.type not in COMPARED_TYPES or not shown or not _settings()["enabled"]:
        services.assets_ungroup(owner_id=asset.owner_id, asset_ids=[asset.id])
        return StepStatus.SKIPPED
    try:
        value = generated_file_apply(asset=asset, kind=AssetFileType.THUMBNAIL, work=perceptual.perceptual_hash)
    except NotGenerated:
        return StepStatus.SKIPPED  # no thumbnail (its step failed, with its reason): nothing to compare
    services.asset_hash_record(
        asset=asset,
        value=value,
        hash_version=perceptual.HASH_VERSION,
        max_distance=_settings()["maxHammingDistance"],
    )
    return StepStatus.DONE


def definition(task: Any) -> StepDefinition:
    return StepDefinition(
        step=Step.DUPLICATES,
        task=task,
        work=asset_detect_duplicates,
        candidates=lambda: Asset.objects.exclude(status=AssetStatus.DELETED).filter(
            Q(type__in=COMPARED_TYPES) & ~Q(visibility=Visibility.HIDDEN)
        ),
        settings_version=settings_version,
        switched_off=lambda: not _settings()["enabled"],
        gone=Asset.DoesNotExist,
    )

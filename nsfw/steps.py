"""The nsfwDetection step: the model's score of an asset's preview (a video's: its still), made by the thumbnail
step, so no original is decoded a second time. Registered with the jobs engine by NsfwConfig.ready."""

from __future__ import annotations

from django.db.models import Q

from assets.models import Asset, AssetFileType, AssetStatus, AssetType
from assets.pipeline.step_inputs import generated_file_apply
from jobs.models import Step, StepStatus
from jobs.steps import StepDefinition
from nsfw.selectors import nsfw_config
from nsfw.services import verdict_record
from workers.media import nsfw as media


def asset_detect_nsfw(asset_id: str) -> StepStatus:
    if not nsfw_config()["enabled"]:
        return StepStatus.SKIPPED
    asset = Asset.objects.only("id", "type").get(pk=asset_id)
    score = generated_file_apply(asset=asset, kind=AssetFileType.PREVIEW, work=media.nsfw_score)
    verdict_record(asset_id=asset.pk, score=score, model=media.model_version())
    return StepStatus.DONE


def settings_version() -> str:
    """The model's name and version while detection is on: a new model makes every score missing again; an asset
    skipped while it was off is missing once it is on."""
    return media.model_version() if nsfw_config()["enabled"] else "off"


def follows_thumbnails(asset_id: str) -> list[Step]:
    """The upload chain examines each asset once its preview is made."""
    return [Step.NSFW]


def definition() -> StepDefinition:
    from nsfw.tasks import detect_nsfw

    return StepDefinition(
        step=Step.NSFW,
        task=detect_nsfw,
        work=asset_detect_nsfw,
        candidates=lambda: Asset.objects.exclude(status=AssetStatus.DELETED).filter(
            Q(type__in=[AssetType.IMAGE, AssetType.VIDEO]) & ~Q(visibility="hidden")
        ),
        settings_version=settings_version,
        switched_off=lambda: not nsfw_config()["enabled"],
        gone=Asset.DoesNotExist,
    )

"""Thumbnail generation for one asset: the settings become specs, the pure media module makes the files, the
rows and the thumbhash are recorded together. Files of an earlier run under other names are removed after."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from assets.live import asset_announce
from assets.models import Asset, AssetFile, AssetFileType, AssetType, Visibility
from assets.pipeline.step_inputs import unusable_input_fails
from assets.storage import local_original, nested_folder
from immich import storage
from jobs.models import StepStatus
from jobs.system_config import config_cached
from workers.media import thumbnails

MAX_PIXELS = 250_000_000
KINDS = (AssetFileType.THUMBNAIL, AssetFileType.PREVIEW)


def thumbnail_specs(image_config: dict) -> tuple[thumbnails.ThumbnailSpec, ...]:
    return tuple(
        thumbnails.ThumbnailSpec(
            kind=kind.value,
            format=image_config[kind.value]["format"],
            size=image_config[kind.value]["size"],
            quality=image_config[kind.value]["quality"],
            progressive=image_config[kind.value].get("progressive", False),
        )
        for kind in KINDS
    )


def thumbnail_path(asset: Asset, spec: thumbnails.ThumbnailSpec) -> Path:
    """`<media>/thumbs/<ownerId>/<xx>/<yy>/<assetId>_<kind>.<format>`"""
    return nested_folder("thumbs", asset.owner_id, str(asset.id)) / f"{asset.id}_{spec.kind}.{spec.format}"


def asset_thumbnails_generate(asset_id: str) -> StepStatus:
    asset = Asset.objects.get(pk=asset_id)
    if asset.visibility == Visibility.HIDDEN or asset.type not in (AssetType.IMAGE, AssetType.VIDEO):
        return StepStatus.SKIPPED
    image_config = config_cached()["image"]
    specs = thumbnail_specs(image_config)
    outputs = {spec.kind: thumbnail_path(asset, spec) for spec in specs}
    with unusable_input_fails(missing=f"the original file is missing: {asset.original_path}"):
        with local_original(asset) as source, storage.outputs(outputs) as written:
            if asset.type == AssetType.VIDEO:
                result = thumbnails.generate_video_thumbnails(source, written, specs)
            else:
                result = thumbnails.generate_image_thumbnails(
                    source,
                    written,
                    specs,
                    max_pixels=MAX_PIXELS,
                    decode_limit=settings.DECODE_MEMORY_LIMIT,
                    colorspace=image_config["colorspace"],
                )
    with transaction.atomic():
        previous = dict(
            AssetFile.objects.filter(asset_id=asset.id, type__in=[k.value for k in KINDS]).values_list("type", "path")
        )
        AssetFile.objects.bulk_create(
            [AssetFile(asset_id=asset.id, type=kind, path=str(path)) for kind, path in outputs.items()],
            update_conflicts=True,
            unique_fields=["asset", "type"],
            update_fields=["path", "updated_at"],
        )
        Asset.objects.filter(pk=asset.id).update(thumbhash=result.thumbhash)
        stale = [old for kind, old in previous.items() if old != str(outputs[kind])]
        transaction.on_commit(lambda: storage.delete(*stale))
    if not previous:  # its first thumbnails: the owner's apps are told of the new asset (not of a regeneration)
        asset_announce(asset_id=asset.id)
    return StepStatus.DONE

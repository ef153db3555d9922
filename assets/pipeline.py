"""The per-asset pipeline steps, as services: each re-reads the asset, so a duplicate delivery is harmless."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

from django.db import transaction

from assets.models import Asset, AssetExif, AssetType
from jobs.models import Step, StepStatus
from jobs.services import PermanentFailure, step_run
from workers.media import metadata


def asset_extract_metadata(*, asset_id) -> StepStatus:
    def work() -> StepStatus:
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

    return step_run(asset_id=asset_id, step=Step.METADATA, work=work)

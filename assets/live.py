"""The live events of assets (Immich's names and payloads; immich/live_events.py sends them): a new asset is announced
once its thumbnails exist, as Immich does, so the app can show it at once: `on_upload_success` with the asset's
AssetResponseDto, and what the apps above assets add (sync: AssetUploadReadyV2). Only assets on the timeline or in
the archive are announced (a live photo's hidden motion part and the locked folder are not)."""

from __future__ import annotations

import logging

from assets import hooks
from assets.models import Asset, Visibility
from assets.responses import AssetResponseDto
from immich import live_events

logger = logging.getLogger(__name__)
ANNOUNCED = (Visibility.TIMELINE, Visibility.ARCHIVE)


def asset_announce(*, asset_id) -> None:
    """Tells the owner's apps of a new asset. A failure here is logged and never fails the step that calls it: the
    sync stream brings the asset anyway."""
    try:
        asset = Asset.objects.select_related("exif").filter(pk=asset_id, visibility__in=ANNOUNCED).first()
        if asset is None or asset.deleted_at is not None:
            return
        live_events.send_to_user("on_upload_success", asset.owner_id, AssetResponseDto(asset).data)
        hooks.asset_ready(asset)
    except Exception:  # noqa: BLE001  (logged with its traceback; the thumbnails are made, only the event is lost)
        logger.exception("live events: asset %s not announced", asset_id)

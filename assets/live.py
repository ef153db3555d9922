"""The live events of assets (Immich's names and payloads; immich/live_events.py sends them): a new asset is announced
once its thumbnails exist, as Immich does, so the app can show it at once: `on_upload_success` with the asset's
AssetResponseDto, and what the apps above assets add (sync: AssetUploadReadyV2). Only assets on the timeline or in
the archive are announced (a live photo's hidden motion part and the locked folder are not).

A change of assets the apps already show (an edit by their owner, single or bulk, or metadata read again from the
file) is `on_asset_update` with each asset's AssetResponseDto, as Immich sends it after an edit's metadata is
written back; assets in the locked folder are left out, as above."""

from __future__ import annotations

import logging

from django.db import transaction

from assets import hooks, tasks
from assets.models import Asset, Visibility
from assets.responses import AssetResponseDto
from immich import live_events

logger = logging.getLogger(__name__)
ANNOUNCED = (Visibility.TIMELINE, Visibility.ARCHIVE)
ANNOUNCED_AT_ONCE = 100  # assets whose update the edit itself announces; beyond, a worker does


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


def assets_announce_update(*, asset_ids) -> None:
    """Tells the owners' apps of changed assets, one `on_asset_update` each, once the change commits: at once for an
    edit of a few, by a worker for a bulk edit of many (reading and writing a thousand responses would hold the
    edit's answer for seconds)."""
    ids = [str(asset_id) for asset_id in asset_ids]
    if len(ids) <= ANNOUNCED_AT_ONCE:
        assets_announce_update_now(asset_ids=ids)
    else:
        transaction.on_commit(lambda: tasks.announce_update.delay(ids))


def assets_announce_update_now(*, asset_ids) -> None:
    """Logged, never raised, as above."""
    try:
        # The rows an asset response reads beside the asset (its EXIF, video, the verdicts the apps above add),
        # joined in the one query rather than one query each per asset.
        beside = [relation.name for relation in Asset._meta.related_objects if relation.one_to_one]
        changed = Asset.objects.select_related(*beside).filter(
            pk__in=list(asset_ids), visibility__in=ANNOUNCED, deleted_at__isnull=True
        )
        live_events.send_to_users(
            "on_asset_update", ((asset.owner_id, AssetResponseDto(asset).data) for asset in changed.iterator(500))
        )
    except Exception:  # noqa: BLE001  (logged with its traceback; the change is made, only the event is lost)
        logger.exception("live events: the update of %d assets not announced", len(asset_ids))

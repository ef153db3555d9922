"""Celery tasks of assets: deleting an asset's files, the nightly purge of the trash, and telling the apps of a bulk
edit's assets."""

from __future__ import annotations

from jobs.queues import Queue
from jobs.system_config import config_get
from jobs.tasks import NO_RETRY, job_task


@job_task(name="AssetDelete", queue=Queue.BACKGROUND_TASK, time_limit=300)
def delete_asset(asset_id: str) -> bool:
    from assets.services import asset_delete_files  # assets.services sends this task

    return asset_delete_files(asset_id=asset_id)


@job_task(name="AssetDeleteCheck", queue=Queue.BACKGROUND_TASK, time_limit=3600, retry=NO_RETRY)
def trash_purge() -> int:
    """Periodic (beat, nightly): trashed assets older than trash.days are deleted for good."""
    from assets.services import trash_purge_expired

    trash = config_get()["trash"]
    return trash_purge_expired(days=trash["days"] if trash["enabled"] else 0)


@job_task(name="AssetUpdateAnnounce", queue=Queue.BACKGROUND_TASK, time_limit=300, retry=NO_RETRY)
def announce_update(asset_ids: list[str]) -> None:
    """The `on_asset_update` events of a bulk edit of many assets (assets.live), off the edit's answer."""
    from assets.live import assets_announce_update_now  # assets.live sends this task

    assets_announce_update_now(asset_ids=asset_ids)

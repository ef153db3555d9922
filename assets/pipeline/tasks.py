"""Celery tasks: one per pipeline step, each taking asset ids and calling the jobs runner, which claims the step
in the database, runs the pipeline's work for it and queues what follows. Routing and limits are explicit; the
steps are registered with jobs by AssetsConfig.ready."""

from __future__ import annotations

from typing import Any

from jobs.models import Step
from jobs.services import SlotBusy, steps_run
from jobs.space import WaitingForSpace, space_wait_s
from jobs.steps import STEP_QUEUE
from jobs.system_config import config_cached
from jobs.tasks import job_task

# Per-queue time limits for one message, sized to the real work (a backfill message carries a group of assets,
# see jobs.publishing.BACKFILL_GROUP): a video encode may take hours, a group of thumbnails never should.
TIME_LIMITS = {
    Step.METADATA: 900,
    Step.STORAGE_TEMPLATE: 3600,
    Step.THUMBNAILS: 900,
    Step.VIDEO_ENCODE: 4 * 3600,
}
SLOT_WAIT_S = 2
SPACE_RETRIES = 1_000_000  # a full disk is waited out (every 5 minutes after the first ones), not given up on


def _run(task: Any, step: Step, asset_ids: list[str]) -> dict[str, str] | str:
    limit = config_cached()["job"][STEP_QUEUE[step].value]["concurrency"]
    try:
        outcomes = steps_run(asset_ids=asset_ids, step=step, concurrency_limit=limit)
    except SlotBusy:
        # The cluster-wide limit is reached: come back shortly, without counting a retry.
        task.apply_async((asset_ids,), countdown=SLOT_WAIT_S, priority=task.request.delivery_info.get("priority"))
        return "waiting"
    except WaitingForSpace as waiting:
        # The disk is full: tried again with a growing delay for as long as it stays full, never given up.
        raise task.retry(
            exc=waiting, countdown=space_wait_s(task.request.retries), max_retries=SPACE_RETRIES
        ) from waiting
    return {asset_id: outcome.value for asset_id, outcome in outcomes.items()}


def step_task(step: Step, name: str, *, time_limit: int | None = None) -> Any:
    """The Celery task of a per-asset step (also used by apps above assets for their own steps)."""
    limit = time_limit or TIME_LIMITS[step]

    @job_task(bind=True, name=name, queue=STEP_QUEUE[step], time_limit=limit, soft_time_limit=limit - 30)
    def run(self: Any, asset_ids: list[str] | str) -> dict[str, str] | str:
        # A message carries one id (uploads) or a group of ids (backfills).
        return _run(self, step, [asset_ids] if isinstance(asset_ids, str) else asset_ids)

    return run


extract_metadata = step_task(Step.METADATA, "AssetExtractMetadata")
apply_storage_template = step_task(Step.STORAGE_TEMPLATE, "StorageTemplateMigrationSingle")
generate_thumbnails = step_task(Step.THUMBNAILS, "AssetGenerateThumbnails")
encode_video = step_task(Step.VIDEO_ENCODE, "AssetEncodeVideo")

STEP_TASKS = {
    Step.METADATA: extract_metadata,
    Step.STORAGE_TEMPLATE: apply_storage_template,
    Step.THUMBNAILS: generate_thumbnails,
    Step.VIDEO_ENCODE: encode_video,
}

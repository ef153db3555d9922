"""Celery tasks: one per pipeline step, each taking an asset id and calling the jobs runner, which claims the
step in the database, runs the pipeline's work for it and queues what follows. Routing and limits are explicit."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from assets import pipeline
from jobs.models import Step
from jobs.queues import Queue
from jobs.services import SlotBusy, step_run
from jobs.steps import STEP_QUEUE, register_step
from jobs.system_config import config_get

TRANSIENT = (OSError, ConnectionError, OperationalError, InterfaceError, DatabaseError)
RELIABLE = dict(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
# Per-queue time limits, sized to the real work: a video encode may take hours, a thumbnail never should.
TIME_LIMITS = {
    Step.METADATA: 300,
    Step.STORAGE_TEMPLATE: 900,
    Step.THUMBNAILS: 600,
    Step.VIDEO_ENCODE: 4 * 3600,
}
SLOT_WAIT_S = 2


def _run(task, step: Step, asset_id: str) -> str | None:
    limit = config_get()["job"][STEP_QUEUE[step].value]["concurrency"]
    try:
        outcome = step_run(asset_id=asset_id, step=step, concurrency_limit=limit)
    except SlotBusy:
        # The cluster-wide limit is reached: come back shortly, without counting a retry.
        task.apply_async((asset_id,), countdown=SLOT_WAIT_S, priority=task.request.delivery_info.get("priority"))
        return "waiting"
    return outcome.value if outcome else None


def _step_task(step: Step, name: str):
    queue = STEP_QUEUE[step].value

    @shared_task(
        bind=True, name=name, queue=queue, time_limit=TIME_LIMITS[step], soft_time_limit=TIME_LIMITS[step] - 30,
        **RELIABLE,
    )
    def run(self, asset_id: str) -> str | None:
        return _run(self, step, asset_id)

    return run


extract_metadata = _step_task(Step.METADATA, "AssetExtractMetadata")
apply_storage_template = _step_task(Step.STORAGE_TEMPLATE, "StorageTemplateMigrationSingle")
generate_thumbnails = _step_task(Step.THUMBNAILS, "AssetGenerateThumbnails")

for definition in pipeline.definitions(
    {
        Step.METADATA: extract_metadata,
        Step.STORAGE_TEMPLATE: apply_storage_template,
        Step.THUMBNAILS: generate_thumbnails,
    }
):
    register_step(definition)


@shared_task(name="AssetDelete", queue=Queue.BACKGROUND_TASK.value, time_limit=300, **RELIABLE)
def delete_asset(asset_id: str) -> bool:
    from assets.services import asset_delete_files

    return asset_delete_files(asset_id=asset_id)

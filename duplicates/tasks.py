"""The duplicateDetection step's Celery task (Immich's job name), run through the jobs runner like every step."""

from __future__ import annotations

from assets.pipeline.tasks import step_task
from jobs.models import Step

# A backfill message carries 64 assets (jobs.publishing.BACKFILL_GROUP) of a few milliseconds each.
detect_duplicates = step_task(Step.DUPLICATES, "AssetDetectDuplicates", time_limit=300)

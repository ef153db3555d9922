"""The Celery task of the nsfwDetection step: asset ids in, the jobs runner records each outcome."""

from __future__ import annotations

from assets.pipeline.tasks import step_task
from jobs.models import Step

# A backfill message carries a group of assets, each ~50 ms of CPU: minutes would already mean a stuck worker.
TIME_LIMIT = 600

detect_nsfw = step_task(Step.NSFW, "AssetDetectNsfw", time_limit=TIME_LIMIT)

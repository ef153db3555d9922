"""Celery tasks of search and the map: the refresh of every asset's place, as a recorded run."""

from __future__ import annotations

from jobs.queues import Queue
from jobs.runs import job_run_execute
from jobs.tasks import NO_RETRY, job_task
from search.places import REFRESH_TASK, places_refresh_all, places_refresh_if_stale


@job_task(name=REFRESH_TASK, queue=Queue.METADATA_EXTRACTION, time_limit=3600, soft_time_limit=3540, retry=NO_RETRY)
def places_refresh(run_id: int) -> dict:
    """Every asset's city, state and country from its coordinates, as the recorded run `run_id`."""
    return job_run_execute(run_id=run_id, work=places_refresh_all)


@job_task(name="ReverseGeocodeCheck", queue=Queue.BACKGROUND_TASK, time_limit=60, expires=55, retry=NO_RETRY)
def places_check() -> int:
    """Asks for a refresh when the place data or the setting changed since the places were computed (1: asked)."""
    return places_refresh_if_stale()

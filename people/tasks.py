"""Person tasks: each takes a person id, re-reads the person and calls one service."""

from __future__ import annotations

from typing import Any

from jobs.queues import Queue
from jobs.services import queue_is_paused
from jobs.tasks import job_task
from people.services import person_thumbnail_generate

QUEUE = Queue.THUMBNAIL_GENERATION.value
PAUSED_RETRY_S = 60


@job_task(
    bind=True, name="PersonGenerateThumbnail", queue=Queue.THUMBNAIL_GENERATION, time_limit=300, soft_time_limit=270
)
def person_generate_thumbnail(self: Any, person_id: str, force: bool = False) -> str:
    if queue_is_paused(QUEUE):
        # The thumbnail queue is paused from the jobs page: come back later (the person stays "missing" in the
        # database meanwhile, so nothing is lost if this message is).
        self.apply_async((person_id, force), countdown=PAUSED_RETRY_S)
        return "waiting"
    return person_thumbnail_generate(person_id=person_id, force=force)

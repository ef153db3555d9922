"""Celery tasks of memories: the nightly "on this day" memories (Immich's MemoryGenerate)."""

from __future__ import annotations

from jobs.queues import Queue
from jobs.tasks import job_task
from memories.services import memories_generate


@job_task(name="MemoryGenerate", queue=Queue.BACKGROUND_TASK, time_limit=3600)
def memory_generate() -> int:
    """Periodic (beat, nightly): the day's memories of every user; a second run the same day makes none."""
    return memories_generate()

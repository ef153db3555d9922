"""The one task decorator every app's Celery tasks use (`job_task`), and the jobs engine's own tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from jobs import commands, reconciler, runs
from jobs.queues import Queue
from jobs.registry import RUN_REQUEST_TASK

# Errors that say "not now" rather than "never": a restarting PostgreSQL or Redis, a filesystem gone for a while.
TRANSIENT: tuple[type[BaseException], ...] = (OSError, ConnectionError, OperationalError, InterfaceError, DatabaseError)


@dataclass(frozen=True)
class Retry:
    """How a task is tried again when it raises one of `on`: after an exponential, jittered backoff starting at
    `backoff` seconds (at most `backoff_max`), `max_retries` times."""

    on: tuple[type[BaseException], ...] = TRANSIENT
    backoff: int = 5
    backoff_max: int = 300
    max_retries: int = 5


TRANSIENT_RETRY = Retry()
# For tasks whose failure is recorded (a run, a notice) or whose next run comes by itself (beat): no retry.
NO_RETRY = Retry(on=(), max_retries=0)


def job_task(
    *,
    name: str,
    queue: Queue,
    time_limit: int,
    soft_time_limit: int | None = None,
    retry: Retry = TRANSIENT_RETRY,
    bind: bool = False,
    expires: int | None = None,
    throws: tuple[type[Exception], ...] = (),
) -> Callable[[Callable[..., Any]], Any]:
    """A Celery task on `queue` named `name` (the name Immich gives the job), acknowledged only once it finished and
    given back when its worker dies (acks_late, reject_on_worker_lost), killed at `time_limit` seconds (warned at
    `soft_time_limit`), and retried as `retry` says. Errors of `throws` are expected failures with a clear message:
    the worker logs that message without a traceback."""
    options: dict[str, Any] = {
        "name": name,
        "queue": queue.value,
        "time_limit": time_limit,
        "bind": bind,
        "acks_late": True,
        "reject_on_worker_lost": True,
    }
    if soft_time_limit is not None:
        options["soft_time_limit"] = soft_time_limit
    if expires is not None:
        options["expires"] = expires
    if throws:
        options["throws"] = throws
    if retry.on:
        options.update(
            autoretry_for=retry.on,
            retry_backoff=retry.backoff,
            retry_backoff_max=retry.backoff_max,
            retry_jitter=True,
            max_retries=retry.max_retries,
        )
    decorator: Callable[[Callable[..., Any]], Any] = shared_task(**options)
    return decorator


@job_task(name="QueueStart", queue=Queue.BACKGROUND_TASK, time_limit=3600, retry=NO_RETRY)
def queue_start(queue: str, force: bool) -> int:
    return commands.queue_start(queue=Queue(queue), force=force)


@job_task(name="Reconcile", queue=Queue.BACKGROUND_TASK, time_limit=300, retry=NO_RETRY)
def reconcile() -> dict[str, dict[str, int]]:
    result = reconciler.reconcile()
    return {"givenBack": result.given_back, "resent": result.resent, "failed": result.failed}


@job_task(name=RUN_REQUEST_TASK, queue=Queue.BACKGROUND_TASK, time_limit=60, retry=NO_RETRY)
def job_run_request(name: str, queue: str) -> int:
    """A scheduled run (jobs.registry.ScheduledTask.run_queue): recorded, then sent to its own queue."""
    run_id: int = runs.job_run_request(name=name, queue=Queue(queue)).pk
    return run_id

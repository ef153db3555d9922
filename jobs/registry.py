"""What the apps own in the jobs engine, registered by each app's AppConfig.ready: the jobs machinery imports no
app, it calls what they registered here. An app registers its steps (jobs.steps.register_step), what Start means
for a queue it owns, what the reconciler re-sends for it, who hears of steps that failed for good, its periodic
tasks and its manual jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs.queues import Queue


@dataclass(frozen=True)
class StepFailure:
    """One asset's step that failed for good, with the reason recorded on it."""

    asset_id: str
    step: str
    reason: str


@dataclass(frozen=True)
class ScheduledTask:
    """One entry of the beat schedule: the task `task` sent every `schedule` (seconds or a crontab). With
    `run_queue`, each time is a recorded run of `task` on that queue (jobs.runs: held while the queue is paused,
    given back when its worker dies), requested by jobs' JobRunRequest task."""

    task: str
    schedule: Any  # float seconds or celery.schedules.crontab
    options: dict[str, Any] = field(default_factory=dict)
    run_queue: Queue | None = None


RUN_REQUEST_TASK = "JobRunRequest"


# Start of a queue (force: "All" rather than "Missing"), returning how many jobs it queued.
QueueStart = Callable[[bool], int]
# Re-sends the queue's lost work recorded before the given moment; returns how many it re-sent.
ReconcileHook = Callable[[datetime], int]
StepFailureHook = Callable[[list[StepFailure]], None]

_queue_starts: dict[Queue, QueueStart] = {}
_reconcile_hooks: list[tuple[Queue, ReconcileHook]] = []
_failure_hooks: list[StepFailureHook] = []
_schedule: dict[str, ScheduledTask] = {}
_manual_jobs: dict[str, Callable[[], None]] = {}


def register_queue_start(queue: Queue, start: QueueStart) -> None:
    """What the jobs page's Start means for `queue` when it is not "every asset's step" (the default)."""
    _queue_starts[queue] = start


def queue_start_of(queue: Queue) -> QueueStart | None:
    return _queue_starts.get(queue)


def register_reconcile_hook(queue: Queue, hook: ReconcileHook) -> None:
    """`hook` runs at each reconciliation while `queue` is empty in Redis; its count shows as re-sent on `queue`."""
    _reconcile_hooks.append((queue, hook))


def reconcile_hooks() -> list[tuple[Queue, ReconcileHook]]:
    return list(_reconcile_hooks)


def on_steps_failed(hook: StepFailureHook) -> None:
    """`hook` hears of steps that failed for good, inside the transaction that records them."""
    _failure_hooks.append(hook)


def steps_failed(failures: list[StepFailure]) -> None:
    if failures:
        for hook in _failure_hooks:
            hook(failures)


def register_schedule(key: str, scheduled: ScheduledTask) -> None:
    _schedule[key] = scheduled


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The registered periodic tasks, as Celery beat's `beat_schedule`."""
    schedule: dict[str, dict[str, Any]] = {}
    for key, entry in _schedule.items():
        schedule[key] = {"task": entry.task, "schedule": entry.schedule, "options": dict(entry.options)}
        if entry.run_queue is not None:
            schedule[key].update(task=RUN_REQUEST_TASK, args=(entry.task, entry.run_queue.value))
    return schedule


def register_manual_job(name: str, run: Callable[[], None]) -> None:
    """A job the administrator runs by name (POST /api/jobs); `run` sends it (callers run it after commit)."""
    _manual_jobs[name] = run


def manual_jobs() -> dict[str, Callable[[], None]]:
    return dict(_manual_jobs)

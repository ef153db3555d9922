"""The per-asset steps: which queue each runs on, and their definitions (registered by the app that owns the media
code, in its AppConfig.ready, so the jobs machinery never imports it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from jobs.models import Step, StepStatus
from jobs.queues import Queue

STEP_QUEUE: dict[Step, Queue] = {
    Step.METADATA: Queue.METADATA_EXTRACTION,
    Step.STORAGE_TEMPLATE: Queue.STORAGE_TEMPLATE_MIGRATION,
    Step.THUMBNAILS: Queue.THUMBNAIL_GENERATION,
    Step.VIDEO_ENCODE: Queue.VIDEO_CONVERSION,
    Step.NSFW: Queue.NSFW_DETECTION,
    Step.DUPLICATES: Queue.DUPLICATE_DETECTION,
}
QUEUE_STEP: dict[Queue, Step] = {queue: step for step, queue in STEP_QUEUE.items()}


@dataclass(frozen=True)
class StepDefinition:
    step: Step
    task: Any  # the Celery task that runs it, taking asset ids
    work: Callable[[str], StepStatus | None]  # does the step for one asset; raises PermanentFailure on bad input
    # The assets this step applies to, for All and Missing: a query whose primary keys are asset ids.
    candidates: Callable[[], QuerySet[Any]]
    settings_version: Callable[[], str]  # outputs made under other settings count as missing
    # True while the step would skip every asset (its feature is switched off): the upload chain then records it
    # skipped without sending it, and goes on to the steps after it.
    switched_off: Callable[[], bool] = lambda: False
    # Raised by `work` when the asset is gone (deleted meanwhile): the step is recorded skipped.
    gone: type[Exception] = ObjectDoesNotExist


_DEFINITIONS: dict[Step, StepDefinition] = {}
_FOLLOWERS: dict[Step, list[Callable[[str], list[Step]]]] = {}


def register_step(definition: StepDefinition) -> None:
    _DEFINITIONS[definition.step] = definition


def step_definition(step: Step) -> StepDefinition:
    return _DEFINITIONS[step]


def register_follower(*, after: Step, follower: Callable[[str], list[Step]]) -> None:
    """The one way a step joins the upload chain: `follower` names the steps to run after `after` for one asset.
    Each app registers its own (in its AppConfig.ready), so an app above assets joins the chain without assets
    knowing of it; followers answer in the order they were registered (the apps' order)."""
    _FOLLOWERS.setdefault(after, []).append(follower)


def steps_after(step: Step, asset_id: str) -> list[Step]:
    """What the upload chain runs after `step` for one asset: what each of its followers names."""
    return [next_step for follower in _FOLLOWERS.get(step, []) for next_step in follower(asset_id)]

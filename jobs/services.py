"""The one lifecycle every per-asset step goes through: queued -> running -> done | skipped | failed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assets.models import Asset
from jobs.models import AssetStep, Step, StepStatus

logger = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The input itself is wrong (corrupt, unsupported): recorded with its reason, never retried."""


def step_mark_queued(*, asset_id, step: Step) -> None:
    AssetStep.objects.update_or_create(
        asset_id=asset_id, step=step, defaults={"status": StepStatus.PENDING, "queued_at": timezone.now()}
    )


def step_enqueue_on_commit(*, asset_id, step: Step, task) -> None:
    """Record the step as pending now and send the id to the broker once the surrounding transaction commits."""
    step_mark_queued(asset_id=asset_id, step=step)
    transaction.on_commit(lambda: task.delay(str(asset_id)))


def step_run(*, asset_id, step: Step, work: Callable[[], StepStatus | None]) -> StepStatus:
    """Run `work` under the recorded lifecycle. `work` returns SKIPPED when there was nothing to do; it raises
    PermanentFailure for bad input; any other exception is transient and propagates for the task to retry."""
    if not Asset.objects.filter(pk=asset_id).exists():
        # Deleted since it was queued: nothing to do and no state to keep.
        return StepStatus.SKIPPED
    row, _ = AssetStep.objects.get_or_create(asset_id=asset_id, step=step)
    AssetStep.objects.filter(pk=row.pk).update(
        status=StepStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    try:
        outcome = work() or StepStatus.DONE
    except PermanentFailure as failure:
        AssetStep.objects.filter(pk=row.pk).update(
            status=StepStatus.FAILED, last_error=str(failure), finished_at=timezone.now()
        )
        logger.warning("%s failed for asset %s: %s", step.label, asset_id, failure)
        return StepStatus.FAILED
    except Exception as error:
        AssetStep.objects.filter(pk=row.pk).update(
            status=StepStatus.FAILED, last_error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    AssetStep.objects.filter(pk=row.pk).update(status=outcome, last_error="", finished_at=timezone.now())
    return outcome

"""Sending step ids to the broker: the two lanes (an upload's id alone, a backfill's ids in groups), pipelined, and
the resend of what waits as pending. Callers send after their transaction commits; a lost send leaves the rows
pending, which the reconciler sends again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from django.utils import timezone

from jobs.models import AssetStep, Priority, Step, StepStatus
from jobs.steps import step_definition

T = TypeVar("T")

BATCH = 2000
_PUBLISH_BATCH = 1000


def chunks(items: list[T], size: int = BATCH) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# An upload's step travels alone, so a free worker starts it at once; a backfill packs ids into each message, so
# 100,000 assets are a few thousand messages and a worker pays Celery's per-message cost once per group. The
# groups stay small enough that an upload waits behind at most one group per worker process.
BACKFILL_GROUP = {
    Step.METADATA: 32,
    Step.STORAGE_TEMPLATE: 64,
    Step.THUMBNAILS: 8,
    Step.VIDEO_ENCODE: 1,
    Step.DUPLICATES: 64,
}


def publish(*, step: Step, asset_ids: Iterable[object], priority: int, alone: bool = False) -> None:
    """Send ids to the broker now (callers run this after commit), pipelined: one Redis round trip per
    _PUBLISH_BATCH messages instead of one each; `alone` sends one id per message in either lane. A failed batch
    leaves its rows pending for the reconciler."""
    task = step_definition(step).task
    group = 1 if alone or priority == Priority.UPLOAD else BACKFILL_GROUP[step]
    ids = [str(asset_id) for asset_id in asset_ids]
    with task.app.producer_or_acquire() as producer, producer.batch(max_size=_PUBLISH_BATCH):
        for chunk in chunks(ids, group):
            task.apply_async((chunk,), priority=priority, producer=producer)


def resend_pending(*, step: Step, queued_before: datetime | None = None) -> int:
    pending = AssetStep.objects.filter(step=step, status=StepStatus.PENDING)
    if queued_before is not None:
        pending = pending.filter(queued_at__lt=queued_before)
    rows = list(pending.values_list("asset_id", "priority"))
    pending.update(queued_at=timezone.now())
    publish_lanes(step=step, rows=rows)
    return len(rows)


def publish_lanes(*, step: Step, rows: Sequence[tuple[object, int]], alone: bool = False) -> None:
    """Send (asset id, priority) pairs, each in its own lane (`alone`: one id per message)."""
    for lane in Priority.values:
        ids = [asset_id for asset_id, priority in rows if priority == lane]
        if ids:
            publish(step=step, asset_ids=ids, priority=lane, alone=alone)

"""Writes of NSFW verdicts: the step's score for an asset, and the administrator's override."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from nsfw.models import AssetNsfw

FLAGGED, SAFE, MODEL = "flagged", "safe", "model"
VERDICTS = (FLAGGED, SAFE, MODEL)  # what the administrator may set: a verdict, or back to the model's


def verdict_record(*, asset_id: Any, score: float, model: str) -> None:
    """The model's score for one asset (an override the administrator set is kept)."""
    AssetNsfw.objects.update_or_create(
        asset_id=asset_id, defaults={"score": score, "model": model, "scored_at": timezone.now()}
    )


@transaction.atomic
def verdicts_override(*, asset_ids: Iterable[Any], verdict: str, by: Any) -> int:
    """The administrator's verdict on these assets (`model`: the score decides again); returns how many exist.
    Their `updatedAt` moves, so clients that cache assets read them again."""
    ids = list(Asset.objects.filter(pk__in=list(asset_ids)).exclude(status="deleted").values_list("pk", flat=True))
    override = {FLAGGED: True, SAFE: False, MODEL: None}[verdict]
    now = timezone.now()
    existing = set(AssetNsfw.objects.filter(pk__in=ids).values_list("pk", flat=True))
    AssetNsfw.objects.bulk_create([AssetNsfw(asset_id=asset_id) for asset_id in ids if asset_id not in existing])
    AssetNsfw.objects.filter(pk__in=ids).update(
        override=override, overridden_by=by if override is not None else None, overridden_at=now
    )
    Asset.objects.filter(pk__in=ids).update(updated_at=now)
    return len(ids)

"""Writes of NSFW verdicts: the step's score for an asset, and the administrator's override."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assets.models import Asset
from jobs.config_defaults import DEFAULTS
from nsfw.models import AssetNsfw
from nsfw.selectors import flagged_condition, is_flagged, nsfw_verdict

FLAGGED, SAFE, MODEL = "flagged", "safe", "model"
VERDICTS = (FLAGGED, SAFE, MODEL)  # what the administrator may set: a verdict, or back to the model's


@transaction.atomic
def verdict_record(*, asset_id: Any, score: float, model: str) -> None:
    """The model's score for one asset (an override the administrator set is kept). When the verdict changes, the
    asset's `updatedAt` moves, so the sync stream sends it again (archived, to a viewer who hides it)."""
    before = AssetNsfw.objects.select_for_update().filter(pk=asset_id).first()
    verdict, _ = AssetNsfw.objects.update_or_create(
        asset_id=asset_id, defaults={"score": score, "model": model, "scored_at": timezone.now()}
    )
    if is_flagged(verdict) != (before is not None and is_flagged(before)):
        Asset.objects.filter(pk=asset_id).update(updated_at=timezone.now())


def _resend(assets: QuerySet[Asset]) -> int:
    """The assets get a new change key (the sync stream's triggers re-key every updated row), in one UPDATE, their
    `updatedAt` left as it is: what they are has not changed, only how a viewer's stream shows them."""
    return Asset.objects.filter(pk__in=assets.values("pk")).update(updated_at=F("updated_at"))


def preferences_changed(user: Any, before: dict, after: dict) -> None:
    """A user's change of what flagged assets do re-sends to their phones the flagged assets their stream shows:
    their own, their partners' and those of the albums they own or are a member of (accounts hook). The album and
    partner relations are read through the ORM's reverse relations: nsfw imports neither app."""
    if before["nsfw"] != after["nsfw"]:
        seen = Q(owner=user) | Q(owner__partners_shared__shared_with=user) | Q(albums__owner=user)
        seen |= Q(albums__members__user=user)
        _resend(Asset.objects.filter(seen).filter(nsfw_verdict(flagged=True)))


def config_changed(before: dict, after: dict) -> None:
    """A new threshold, action or switch of NSFW detection re-sends to the phones the assets whose verdict it
    changes: with the same switch and action, those the old and the new threshold judge differently; else every
    asset flagged under either (jobs.system_config hook)."""
    old, new = before.get("nsfw", DEFAULTS["nsfw"]), after.get("nsfw", DEFAULTS["nsfw"])
    if old == new:
        return
    flagged_before, flagged_after = flagged_condition(old["threshold"]), flagged_condition(new["threshold"])
    if (old["enabled"], old["action"]) == (new["enabled"], new["action"]):
        changed = flagged_before ^ flagged_after
    else:
        changed = flagged_before | flagged_after
    _resend(Asset.objects.filter(pk__in=AssetNsfw.objects.filter(changed).values("asset_id")))


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

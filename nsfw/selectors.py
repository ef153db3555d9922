"""Reads of NSFW verdicts: which assets are flagged (the administrator's override, else the score against the
configured threshold), and what a viewer's preference makes of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When

from accounts.preferences import preferences_of
from jobs.config_defaults import DEFAULTS
from jobs.system_config import config_cached
from nsfw.models import AssetNsfw

SHOW, BLUR, HIDE = "show", "blur", "hide"


def nsfw_config() -> dict[str, Any]:
    config: dict[str, Any] = config_cached().get("nsfw", DEFAULTS["nsfw"])
    return config


def flagged_condition(threshold: float | None = None) -> Q:
    """Verdicts that flag their asset: overridden to flagged, or not overridden and scored at the threshold (the
    configured one unless given) or over."""
    threshold = nsfw_config()["threshold"] if threshold is None else threshold
    return Q(override=True) | Q(override__isnull=True, score__gte=threshold)


def nsfw_verdict(*, flagged: bool) -> Any:
    """A condition on assets: flagged NSFW (`flagged`), or not (never examined counts as not flagged)."""
    found = Exists(AssetNsfw.objects.filter(flagged_condition(), asset=OuterRef("pk")))
    return found if flagged else ~found


def is_flagged(verdict: AssetNsfw) -> bool:
    return _flagged(verdict.override, verdict.score, threshold=nsfw_config()["threshold"])


def _flagged(override: bool | None, score: float | None, *, threshold: float) -> bool:
    if override is not None:
        return override
    return score is not None and score >= threshold


def action_for(viewer: Any) -> str:
    """What flagged assets do for `viewer`: their preference, else the system config's action; always "show" while
    NSFW detection is off."""
    config = nsfw_config()
    if not config["enabled"]:
        return SHOW
    chosen = preferences_of(user=viewer)["nsfw"]["action"] if getattr(viewer, "pk", None) else "default"
    return config["action"] if chosen == "default" else chosen


def shown_condition(viewer: Any) -> Any:
    """What an asset must meet to be shown to `viewer` (assets.hooks): not flagged, for a viewer who hides them."""
    return nsfw_verdict(flagged=False) if action_for(viewer) == HIDE else None


def nsfw_stream_params(*, viewer: Any) -> dict[str, Any]:
    """The sync stream's parameters for `viewer`: whether flagged assets reach them as archived, and the threshold."""
    return {"nsfw_hide": action_for(viewer) == HIDE, "nsfw_threshold": nsfw_config()["threshold"]}


def is_veiled_for(viewer: Any, asset: Any) -> bool:
    """Whether `asset`'s thumbnails are served blurred to `viewer` (assets.hooks)."""
    if action_for(viewer) != BLUR:
        return False
    verdict = AssetNsfw.objects.filter(pk=asset.pk).first()
    return verdict is not None and is_flagged(verdict)


def verdict_fields(asset: Any) -> dict[str, Any]:
    """`isNsfw` and `nsfwScore` of an asset response (assets.hooks): null until the asset is examined, and the
    verdict null while detection is off."""
    try:
        verdict: AssetNsfw | None = asset.nsfw
    except AssetNsfw.DoesNotExist:
        verdict = None
    if verdict is None:
        return {"isNsfw": None, "nsfwScore": None}
    return {"isNsfw": is_flagged(verdict) if nsfw_config()["enabled"] else None, "nsfwScore": verdict.score}


# The verdict's columns for the answers built from rows (assets.rows); `nsfw__asset_id` is null for an asset never
# examined (no verdict row).
VERDICT_COLUMNS = ("nsfw__asset_id", "nsfw__score", "nsfw__override")


def verdict_row_fields() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`verdict_fields` for rows of one answer (assets.hooks): the configuration read once."""
    config = nsfw_config()
    enabled, threshold = config["enabled"], config["threshold"]

    def fields(row: dict[str, Any]) -> dict[str, Any]:
        if row["nsfw__asset_id"] is None:
            return {"isNsfw": None, "nsfwScore": None}
        score = row["nsfw__score"]
        flagged = _flagged(row["nsfw__override"], score, threshold=threshold) if enabled else None
        return {"isNsfw": flagged, "nsfwScore": score}

    return fields


def verdict_row_expressions() -> dict[str, Any]:
    """`verdict_row_fields` as expressions over an asset (assets.hooks), for the bodies PostgreSQL writes."""
    config = nsfw_config()
    unknown = Value(None, output_field=BooleanField())
    flagged = Case(
        When(nsfw__asset_id__isnull=True, then=unknown),
        When(nsfw__override__isnull=False, then=F("nsfw__override")),
        When(nsfw__score__gte=config["threshold"], then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    )  # fmt: skip
    return {"isNsfw": flagged if config["enabled"] else unknown, "nsfwScore": F("nsfw__score")}

"""`POST /api/duplicates/resolve`, as Immich 3.1 resolves a group: every shown asset of the group is either kept or
trashed (ids outside the group are ignored); with exactly one asset kept and some trashed, the kept one first
receives what the group had (albums, tags, favourite, visibility, rating, description, a location they agree on);
then the kept assets leave the group and the others go to the trash (or are deleted, with the trash off).

The caller must own every group named (else the request is refused: Immich's 400); each group then gets its own
outcome, and a group that fails changes nothing."""

from __future__ import annotations

import logging
import math
import uuid

from django.db import transaction

from assets.hooks import duplicates_merged
from assets.models import Asset, Visibility
from assets.services import assets_delete, assets_update
from duplicates import selectors
from duplicates.services import assets_ungroup
from immich import access
from jobs.system_config import config_cached

logger = logging.getLogger(__name__)

BOTH = "An asset cannot be in both keepAssetIds and trashAssetIds"
NEITHER = "Every asset must be in either keepAssetIds or trashAssetIds"
NO_DELETE = "No permission to delete assets"
# The merged visibility: the most private one of the group (Immich's order), hidden only when nothing else is.
VISIBILITY_ORDER = (Visibility.LOCKED, Visibility.ARCHIVE, Visibility.TIMELINE, Visibility.HIDDEN)


def duplicates_resolve(*, actor: access.Actor, groups: list[dict]) -> list[dict]:
    """One outcome per group, in Immich's BulkIdResponseDto."""
    access.require(actor, "duplicate.delete", [group["duplicateId"] for group in groups])
    results = []
    for group in groups:
        group_id = group["duplicateId"]
        try:
            with transaction.atomic():
                error = _resolve_one(actor, group_id, group["keepAssetIds"], group["trashAssetIds"])
        except Exception:  # as Immich: the group is reported unknown, the others are still resolved
            logger.exception("resolving duplicate group %s failed", group_id)
            error = ("unknown", None)
        outcome = {"id": str(group_id), "success": error is None}
        if error is not None:
            outcome["error"] = error[0]
            if error[1]:
                outcome["errorMessage"] = error[1]
        results.append(outcome)
    return results


def _resolve_one(actor: access.Actor, group_id, keep_ids: list, trash_ids: list) -> tuple[str, str | None] | None:
    members = selectors.group_assets(owner=actor.user, duplicate_id=group_id)
    if not members:
        return ("not_found", None)
    member_ids = {asset.id for asset in members}
    keep = [asset_id for asset_id in dict.fromkeys(keep_ids) if asset_id in member_ids]
    trash = [asset_id for asset_id in dict.fromkeys(trash_ids) if asset_id in member_ids]
    if set(keep) & set(trash):
        return ("validation", BOTH)
    if set(keep) | set(trash) != member_ids:
        return ("validation", NEITHER)
    if trash and access.allowed(actor, "asset.delete", trash) != set(trash):
        return ("no_permission", NO_DELETE)
    if len(keep) == 1 and trash:
        _merge_onto(actor, keep[0], members)
    if trash:
        force = not config_cached()["trash"]["enabled"]
        assets_delete(owner=actor.user, ids=trash, force=force, elevated=actor.elevated)
    assets_ungroup(owner_id=actor.user.id, asset_ids=[*keep, *trash])
    return None


def _merge_onto(actor: access.Actor, kept_id: uuid.UUID, members: list[Asset]) -> None:
    """What Immich 3.1 gives the one kept asset: the albums and tags of the group (the apps' merge hooks), and
    favourite if any was, the most private visibility, the highest rating, every distinct line of the descriptions,
    and the location when all located assets agree on it. The EXIF values are set as the owner's edits are (locked
    against metadata extraction)."""
    duplicates_merged(actor, kept_id, [asset.id for asset in members])
    exifs = [asset.exif for asset in members if getattr(asset, "exif", None) is not None]
    changes: dict = {"is_favorite": any(asset.is_favorite for asset in members)}
    visibilities = {asset.visibility for asset in members}
    changes["visibility"] = next(level for level in VISIBILITY_ORDER if level in visibilities)
    rating = max((exif.rating or 0 for exif in exifs), default=0)
    if rating > 0:
        changes["rating"] = rating
    lines = _distinct_lines(exif.description for exif in exifs)
    if lines:
        changes["description"] = "\n".join(lines)
    latitude, longitude = _agreed(exif.latitude for exif in exifs), _agreed(exif.longitude for exif in exifs)
    if latitude is not None and longitude is not None:
        changes.update(latitude=latitude, longitude=longitude)
    assets_update(owner=actor.user, ids=[kept_id], changes=changes, elevated=actor.elevated)


def _distinct_lines(descriptions) -> list[str]:
    """The non-empty lines of the descriptions, trimmed, each once, in order."""
    lines: dict[str, None] = {}
    for description in descriptions:
        for line in (description or "").splitlines():
            if line.strip():
                lines.setdefault(line.strip())
    return list(lines)


def _agreed(values) -> float | None:
    """The one value the located assets share, else None (none located, or two places)."""
    found = {value for value in values if value is not None and math.isfinite(value)}
    return found.pop() if len(found) == 1 else None

"""The upload chain's storage-template step: one asset (and its live photo's motion part) to its template path,
after the journal's interrupted moves are settled."""

from __future__ import annotations

from dataclasses import dataclass

from assets.file_moves.journal import media_trees, moves_execute, moves_lock
from assets.file_moves.planner import Planner, move_requests, plan_batch, template_settings, with_relations
from assets.file_moves.recovery import moves_resume
from assets.models import Asset, AssetStatus
from workers.media import fs
from workers.media import storage_template as engine


class TemplateDisabled(Exception):
    pass


class MoveFailed(Exception):
    """The asset cannot be moved (its file is missing, the template cannot place it...): permanent, with reason."""


@dataclass(frozen=True)
class ApplyOutcome:
    moved: list[str]  # new paths
    skipped_reason: str = ""


def storage_template_apply(*, asset_id) -> ApplyOutcome:
    """Move one asset (and its live photo's motion part) to its template path. Raises TemplateDisabled when off,
    MoveFailed with the reason when it cannot be moved."""
    try:
        settings = template_settings()
    except engine.TemplateError as error:
        raise MoveFailed(str(error)) from error
    if not settings.enabled:
        raise TemplateDisabled()
    with moves_lock():
        moves_resume(hash_verification=settings.hash_verification)
        asset = with_relations(Asset.objects.exclude(status=AssetStatus.DELETED)).get(pk=asset_id)
        batch = [asset]
        if asset.live_photo_video_id:
            motion = (
                with_relations(Asset.objects.exclude(status=AssetStatus.DELETED))
                .filter(pk=asset.live_photo_video_id)
                .first()
            )
            batch += [motion] if motion else []
        plans = plan_batch(Planner(settings), batch)
        own = plans[0]
        if own.not_moved and own.not_moved.failed:
            raise MoveFailed(own.not_moved.reason)
        results = moves_execute(move_requests(plans, settings))
        fs.remove_empty_folders([result.old_path for result in results if result.moved], stop_at=media_trees())
    failures = [result.error for result in results if not result.moved]
    if failures:
        raise MoveFailed("; ".join(failures))
    return ApplyOutcome(
        moved=[result.new_path for result in results], skipped_reason=own.not_moved.reason if own.not_moved else ""
    )

"""The storage-template migration: every asset (archived and trashed included) to its template path, in keyset
batches in upload order under the movers' lock, the journal's interrupted moves settled first (so a re-run after a
crash resumes), each asset's outcome recorded in its storage-template step state, so failures appear on the jobs
page with their reason. The jobs page's storageTemplateMigration "Start", the task and the command run it; with
`dry_run` it plans and moves nothing (see `preview`).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from assets.file_moves.journal import media_trees, moves_execute, moves_lock
from assets.file_moves.planner import (
    REASON_EXTERNAL,
    AssetPlan,
    NotMoved,
    PlannedMove,
    Planner,
    move_requests,
    plan_batch,
    template_settings,
    with_relations,
)
from assets.file_moves.recovery import moves_resume
from assets.models import Asset, AssetStatus, FileMove
from immich.storage import media_root
from jobs.models import Step
from jobs.queues import Queue
from jobs.services import steps_record_outcomes
from workers.media import fs
from workers.media import storage_template as engine

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class MigrationReport:
    dry_run: bool
    total: int = 0
    moved: int = 0  # assets with at least one file moved (dry run: that would be moved)
    in_place: int = 0
    collisions: int = 0
    resumed: int = 0
    removed_folders: int = 0
    planned: list[PlannedMove] = field(default_factory=list)  # dry run: every planned move
    not_moved: list[NotMoved] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[NotMoved]:
        return [item for item in self.not_moved if item.failed]

    def summary(self) -> dict:
        return {
            "dryRun": self.dry_run,
            "total": self.total,
            "moved": self.moved,
            "inPlace": self.in_place,
            "collisions": self.collisions,
            "resumed": self.resumed,
            "removedFolders": self.removed_folders,
            "notMoved": dict(Counter(item.reason if not item.failed else "failed" for item in self.not_moved)),
            "failed": len(self.failed),
        }


class StorageMigration:
    """`run()` yields how many assets each batch settled (after the batch is done), for progress bars."""

    def __init__(
        self, *, dry_run: bool = False, template: str | None = None, batch_size: int = BATCH, record_steps: bool = True
    ) -> None:
        self.settings = template_settings(template=template)
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.record_steps = record_steps and not dry_run
        self.assets = Asset.objects.exclude(status=AssetStatus.DELETED)
        self.total = self.assets.count()
        self.report = MigrationReport(dry_run=dry_run, total=self.total, notes=engine.lint(self.settings.template))

    def run(self) -> Iterator[int]:
        if not self.dry_run:
            with moves_lock():
                self.report.resumed = moves_resume(hash_verification=self.settings.hash_verification)
                FileMove.objects.exclude(state__in=FileMove.UNFINISHED).delete()  # the journal shows this run
        planner = Planner(self.settings, dry_run=self.dry_run)
        for batch in self._batches():
            with moves_lock():
                if not self.dry_run:
                    planner.reserved |= set(
                        FileMove.objects.filter(state__in=FileMove.UNFINISHED).values_list("new_path", flat=True)
                    )
                plans = plan_batch(planner, batch)
                results = [] if self.dry_run else moves_execute(move_requests(plans, self.settings))
                if self.dry_run:  # as if this batch had moved: its old paths are free for the next ones
                    planner.vacated.update(move.old_path for plan in plans for move in plan.moves)
                moved_from = [result.old_path for result in results if result.moved]
                self.report.removed_folders += fs.remove_empty_folders(moved_from, stop_at=media_trees())
            self._account(plans, results)
            yield len(batch)
        if not self.dry_run:
            with moves_lock():
                self.report.removed_folders += _remove_empty_library_folders()
        logger.info("storage template migration: %s", self.report.summary())

    def _batches(self) -> Iterator[list[Asset]]:
        """Keyset pages in upload order, so older assets keep the plain names and newer ones get the +N."""
        queryset = with_relations(self.assets).order_by("created_at", "id")
        last = None
        while True:
            page = queryset
            if last is not None:
                page = page.filter(created_at__gte=last.created_at).exclude(created_at=last.created_at, id__lte=last.id)
            batch = list(page[: self.batch_size])
            if not batch:
                return
            last = batch[-1]
            yield batch

    def _account(self, plans: list[AssetPlan], results) -> None:
        failed_moves: dict[str, list[str]] = {}
        for result in results:
            if not result.moved:
                failed_moves.setdefault(result.asset_id, []).append(result.error)
        outcomes = []
        for plan in plans:
            asset_id = str(plan.asset.pk)
            self.report.notes.extend(f"{asset_id}: {note}" for note in plan.notes)
            if plan.not_moved:
                self.report.not_moved.append(plan.not_moved)
                if plan.not_moved.failed and not self.dry_run:
                    logger.warning("storage template: asset %s not moved: %s", asset_id, plan.not_moved.reason)
                if plan.not_moved.reason != REASON_EXTERNAL:
                    outcomes.append((asset_id, "failed" if plan.not_moved.failed else "skipped", plan.not_moved.reason))
            elif asset_id in failed_moves:
                reason = "; ".join(failed_moves[asset_id])
                self.report.not_moved.append(NotMoved(asset_id, plan.asset.original_path, reason, failed=True))
                outcomes.append((asset_id, "failed", reason))
            elif plan.moves:
                self.report.moved += 1
                self.report.collisions += any(move.kind == "original" and move.collision for move in plan.moves)
                self.report.planned.extend(plan.moves)
                outcomes.append((asset_id, "done", ""))
            else:
                self.report.in_place += 1
                outcomes.append((asset_id, "done", ""))
        if self.record_steps:
            steps_record_outcomes(step=Step.STORAGE_TEMPLATE, outcomes=outcomes, settings_version=self.settings.version)


def _remove_empty_library_folders() -> int:
    """Immich's last step of a migration: every empty folder under library/ goes (deepest first)."""
    root = media_root() / "library"
    removed = 0
    for folder, _subfolders, files in os.walk(root, topdown=False):
        if folder != str(root) and not files and not os.listdir(folder):
            try:
                os.rmdir(folder)
                removed += 1
            except OSError:
                pass
    return removed


def storage_template_migrate(**options) -> MigrationReport:
    migration = StorageMigration(**options)
    for _ in migration.run():
        pass
    return migration.report


def storage_template_migration_run() -> dict:
    """The StorageTemplateMigration task: the whole migration if the template is enabled (as Immich, which skips
    the job otherwise); returns the report's summary."""
    try:
        if not template_settings().enabled:
            logger.warning("storage template migration skipped: the template is disabled")
            return {"skipped": "the storage template is disabled"}
    except engine.TemplateError as error:
        logger.error("storage template migration skipped: %s", error)
        return {"skipped": str(error)}
    return storage_template_migrate().summary()


def storage_template_migration_start() -> int:
    """The jobs page's Start for storageTemplateMigration: one background migration of every asset (archived and
    trashed included), recorded as a run (one at a time; a killed one is sent again by the reconciler) and sent
    after commit. Returns how many assets it will look at."""
    from assets.file_moves.tasks import storage_template_migration
    from jobs.commands import InvalidCommand
    from jobs.runs import job_run_request

    if not template_settings().enabled:
        raise InvalidCommand("The storage template is disabled: enable storageTemplate.enabled before migrating")
    job_run_request(name=storage_template_migration.name, queue=Queue.STORAGE_TEMPLATE_MIGRATION)
    return Asset.objects.exclude(status=AssetStatus.DELETED).count()

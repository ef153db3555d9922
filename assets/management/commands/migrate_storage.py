import json

from django.core.management.base import BaseCommand, CommandError

from assets.file_moves.migration import StorageMigration
from immich.progress import progress
from workers.media.storage_template import TemplateError


class Command(BaseCommand):
    help = (
        "Move every asset (archived and trashed included) to its storage template path, as the storageTemplateMigration "
        "job does; moves are journalled and a re-run finishes any a crash interrupted. --dry-run lists every planned "
        "move and collision and moves nothing. Whatever is not moved is listed with its reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="plan only: print each move, collision and skip")
        parser.add_argument("--template", help="with --dry-run: try this template instead of the stored one")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args, dry_run: bool, template: str | None, batch_size: int, as_json: bool, **options):
        if template and not dry_run:
            raise CommandError(
                "--template only tries a template (with --dry-run); save it in the system config to use it"
            )
        try:
            migration = StorageMigration(dry_run=dry_run, template=template, batch_size=batch_size)
        except TemplateError as error:
            raise CommandError(str(error)) from error
        if not dry_run and not migration.settings.enabled:
            raise CommandError(
                "The storage template is disabled (storageTemplate.enabled); --dry-run shows what it would do"
            )

        def settled():
            for count in migration.run():
                yield from range(count)

        for _ in progress(settled(), total=migration.total, label="dry run" if dry_run else "migrating"):
            pass
        report = migration.report
        if as_json:
            self.stdout.write(_json(report))
            return
        for move in report.planned if dry_run else []:
            flags = [f"collision +{move.collision}"] if move.collision else []
            flags += ["low-confidence date"] if move.low_confidence else []
            self.stdout.write(
                f"MOVE     {move.old_path} -> {move.new_path}" + (f"  ({', '.join(flags)})" if flags else "")
            )
        for item in report.not_moved:
            self.stdout.write(f"{'FAILED' if item.failed else 'KEPT':8} {item.path}: {item.reason}")
        for note in report.notes:
            self.stdout.write(f"NOTE     {note}")
        summary = report.summary()
        verb = "would move" if dry_run else "moved"
        self.stdout.write(
            f"{summary['total']} assets: {summary['moved']} {verb} ({summary['collisions']} with a +N name), "
            f"{summary['inPlace']} in place, {len(report.not_moved)} not moved ({summary['failed']} failed), "
            f"{summary['resumed']} interrupted moves finished, {summary['removedFolders']} empty folders removed."
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} assets could not be moved (listed above)")


def _json(report) -> str:
    return json.dumps(
        {
            **report.summary(),
            "planned": [vars(move) for move in report.planned],
            "notMovedItems": [vars(item) for item in report.not_moved],
            "notes": report.notes,
        },
        indent=2,
    )

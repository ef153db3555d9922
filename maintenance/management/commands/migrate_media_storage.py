from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from immich.progress import progress
from maintenance.media_migration import MediaMigration


class Command(BaseCommand):
    help = (
        "Move every stored file (originals, sidecars, thumbnails, encoded videos, backups) from the other storage "
        "backend to --to, each verified by checksum before its source is deleted; the database does not change. "
        "Resumable: run it again after an interruption. Stop the API and workers first, then set "
        "IMMICH_STORAGE_BACKEND to the new backend."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, choices=["s3", "filesystem"], help="the backend to move into")
        parser.add_argument("--dry-run", action="store_true", help="count what would move, move nothing")

    def handle(self, *args, to: str, dry_run: bool, **options):
        try:
            migration = MediaMigration(to=to, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        label = "counting" if dry_run else f"{migration.report.source} -> {to}"
        for _ in progress(migration.run(), total=migration.report.total, label=label):
            pass
        for key in migration.report.skipped:
            self.stdout.write(f"SKIPPED  {key}: in transit (an upload being received or a temporary file)")
        for key, reason in migration.report.failed:
            self.stdout.write(f"FAILED   {key}: {reason}")
        self.stdout.write(migration.summary())
        if migration.report.failed:
            raise CommandError(f"{len(migration.report.failed)} files were not moved (listed above); run it again")
        if not dry_run and settings.STORAGE_BACKEND != to:
            self.stdout.write(f"Now set IMMICH_STORAGE_BACKEND={to} for the API and every worker, and start them.")

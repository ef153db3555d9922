from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from immich.progress import progress
from maintenance.backup import BackupError, database_restore, originals_verify, read_manifest


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database (all or nothing), then check every original of its manifest "
        "is present with the right checksum. --verify-only checks the originals without touching the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="a folder under <media>/backups/")
        parser.add_argument("--verify-only", action="store_true")

    def handle(self, *args, backup: Path, verify_only: bool, **options):
        try:
            manifest = read_manifest(backup) if verify_only else database_restore(backup=backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not verify_only:
            self.stdout.write(f"Database restored from {backup}.")
        originals = manifest["originals"]
        result = originals_verify(
            manifest=manifest, progress=lambda items: progress(items, total=len(originals), label="verifying")
        )
        for path in result.missing:
            self.stdout.write(f"MISSING  {path}")
        for path in result.mismatched:
            self.stdout.write(f"CHANGED  {path}")
        summary = (
            f"{result.checked} originals checked, {len(result.missing)} missing, {len(result.mismatched)} changed."
        )
        if not result.ok:
            raise CommandError(summary)
        self.stdout.write(summary)

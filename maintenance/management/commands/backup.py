from django.core.management.base import BaseCommand, CommandError

from jobs.system_config import config_get
from maintenance.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent database dump and a manifest of every original (with checksums) to <media>/backups/."

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, default=None, help="how many backups to keep (default: system config)")

    def handle(self, *args, keep, **options):
        keep = keep if keep is not None else config_get()["backup"]["database"]["keepLastAmount"]
        try:
            result = backup_create(keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {result.path} ({result.originals} originals listed).")
        for old in result.removed:
            self.stdout.write(f"Removed old backup {old.name}")

"""`python manage.py scan_library <id>... | --all`: the same as `library scan`, under the name of a plain command."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Scan external libraries now, with a progress bar (same as `library scan`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", help="library ids")
        parser.add_argument("--all", action="store_true", help="every library")
        parser.add_argument("--queue", action="store_true", help="queue the scans for the workers instead")

    def handle(self, *args, ids: list[str], all: bool, queue: bool, **options) -> None:
        arguments = ["scan", *ids] + (["--all"] if all else []) + (["--queue"] if queue else [])
        call_command("library", *arguments, stdout=self.stdout._out, stderr=self.stderr._out)

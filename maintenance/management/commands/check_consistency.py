import json
from datetime import timedelta
from functools import partial

from django.core.management.base import BaseCommand, CommandError

from immich.progress import progress
from jobs.reconciler import STALE_AFTER
from maintenance.consistency import Problem, consistency_check

LABELS = {
    Problem.MISSING: "MISSING",
    Problem.ORPHAN: "ORPHAN",
    Problem.MOVE_IN_PROGRESS: "MOVING",
    Problem.MOVE_INTERRUPTED: "INTERRUPTED",
}


class Command(BaseCommand):
    help = (
        "Compare the database with the media location: rows whose file is missing, files no row refers to (with "
        "what they are: partial uploads, a killed worker's temporary files), moves of the storage template's journal "
        "in progress or interrupted, and steps stuck in running. Changes nothing; exits with status 1 when it finds "
        "a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")
        parser.add_argument(
            "--in-flight-seconds",
            type=float,
            default=STALE_AFTER.total_seconds(),
            help="files changed this recently are taken as work in flight, not orphans (default: %(default)s; "
            "0 when the server is stopped)",
        )

    def handle(self, *args, as_json: bool, in_flight_seconds: float, **options):
        report = consistency_check(
            quiet_for=timedelta(seconds=in_flight_seconds), progress=partial(progress, stream=self.stderr)
        )
        if as_json:
            self.stdout.write(json.dumps(report.to_dict(), indent=2))
        else:
            for finding in [*report.missing, *report.orphans, *report.moves]:
                asset = f" (asset {finding.asset_id})" if finding.asset_id else ""
                self.stdout.write(f"{LABELS[finding.problem]:<12} {finding.path}: {finding.reason}{asset}")
            for step in report.stuck_steps:
                beat = step.heartbeat_at.isoformat(timespec="seconds") if step.heartbeat_at else "never"
                self.stdout.write(
                    f"{'STUCK':<12} {step.step} of asset {step.asset_id}: running on "
                    f"{step.worker or 'no worker'}, last heartbeat {beat}"
                )
            interrupted = sum(move.problem == Problem.MOVE_INTERRUPTED for move in report.moves)
            self.stdout.write(
                f"{report.rows_checked} rows and {report.files_checked} files checked: {len(report.missing)} missing, "
                f"{len(report.orphans)} orphans, {len(report.moves)} unfinished moves ({interrupted} interrupted), "
                f"{len(report.stuck_steps)} stuck steps."
            )
        if not report.is_clean:
            raise CommandError(f"{report.problems} problems found", returncode=1)

"""`python manage.py library scan <id>... | --all`, `library list`, `library watch`."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from immich.progress import ProgressBar
from jobs.queues import Queue
from jobs.runs import RunBusy, job_run_here
from libraries import scan as library_scan
from libraries.models import Library, ScanState
from libraries.selectors import library_scan_status
from libraries.services import SCAN, library_subject

PHASES = {"walk": "walking", "import": "importing"}


def _scan_here(library: Library, progress: Callable[[str, int, int | None], None]) -> library_scan.ScanOutcome:
    """Scan in this process, recorded as the library's scan run (RunBusy while another run holds the library)."""
    outcomes: list[library_scan.ScanOutcome] = []

    def work(library_id: str) -> dict:
        outcomes.append(library_scan.library_scan(library_id=library_id, progress=progress))
        return outcomes[-1].record()

    job_run_here(
        name=SCAN,
        queue=Queue.LIBRARY,
        subject=library_subject(library.pk),
        args={"library_id": str(library.pk)},
        work=work,
    )
    return outcomes[0]


class Command(BaseCommand):
    help = "External libraries: scan now (with progress), list, or watch the import paths."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        scan = commands.add_parser("scan", help="scan libraries now, in this process")
        scan.add_argument("ids", nargs="*", help="library ids")
        scan.add_argument("--all", action="store_true", help="every library")
        scan.add_argument("--queue", action="store_true", help="queue the scans for the workers instead")
        commands.add_parser("list", help="list libraries and how their last scan went")
        watch = commands.add_parser("watch", help="watch import paths (when library.watch.enabled is true)")
        watch.add_argument("--poll", dest="poll", action="store_true", default=None, help="poll (network shares)")
        watch.add_argument("--no-poll", dest="poll", action="store_false", help="never poll, use inotify")
        watch.add_argument("--settle", type=float, default=5.0, help="seconds a file must stay unchanged (5)")
        watch.add_argument("--poll-interval", type=float, default=2.0, help="seconds between polls (2)")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _libraries(self, ids: list[str], every: bool) -> list[Library]:
        if every == bool(ids):
            raise CommandError("give library ids or --all (not both)")
        libraries = Library.objects.filter(deleted_at__isnull=True).order_by("created_at")
        if not every:
            found = list(libraries.filter(pk__in=ids))
            missing = set(ids) - {str(library.pk) for library in found}
            if missing:
                raise CommandError(f"no such library: {', '.join(sorted(missing))}")
            return found
        return list(libraries)

    def _scan(self, ids: list[str], all: bool, queue: bool, **options) -> None:
        try:
            libraries = self._libraries(ids, all)
        except Exception as error:
            raise CommandError(str(error)) from error
        if queue:
            from libraries.services import library_scan_request

            for library in libraries:
                library_scan_request(library=library)
            self.stdout.write(f"queued {len(libraries)} library scans")
            return
        refused = 0
        for library in libraries:
            bar = ProgressBar(self.stderr, label=library.name, unit="files")

            def progress(
                phase: str, done: int, total: int | None, name: str = library.name, bar: ProgressBar = bar
            ) -> None:
                bar.update(done, total, label=f"{name}: {PHASES.get(phase, phase)}")

            started = time.monotonic()
            try:
                outcome = _scan_here(library, progress)
            except RunBusy as busy:
                bar.close()
                self.stderr.write(f"{library.name}: skipped, {busy}")
                continue
            bar.close()
            counts = outcome.counts
            summary = ", ".join(
                f"{counts.get(key, 0):,} {key}"
                for key in ("seen", "new", "changed", "moved", "online", "offline", "problems")
            )
            self.stdout.write(
                f"{library.name} ({library.pk}): {outcome.state} in {time.monotonic() - started:.1f} s: {summary}"
            )
            for problem in outcome.problems[:20]:
                self.stdout.write(f"  problem: {problem}")
            if outcome.state != ScanState.DONE:
                refused += 1
                self.stderr.write(f"  {outcome.error}")
        if refused:
            raise CommandError(f"{refused} of {len(libraries)} scans did not complete")

    def _list(self, **options) -> None:
        for library in Library.objects.filter(deleted_at__isnull=True).order_by("created_at"):
            status = library_scan_status(library)
            scanned = status.finished_at.isoformat() if status.finished_at else "never"
            self.stdout.write(
                f"{library.pk}  {library.name}  owner={library.owner.email}  paths={':'.join(library.import_paths)}  "
                f"files={library.files.count():,}  last scan: {status.state} ({scanned}) {status.error}"
            )

    def _watch(self, poll: bool | None, settle: float, poll_interval: float, **options) -> None:
        from jobs.broker import client
        from libraries.watcher import cluster_lock, run_watcher

        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("library watcher started (it acts while library.watch.enabled is true); Ctrl-C stops it")
        run_watcher(
            stop=stop,
            settle_s=settle,
            poll=poll,
            poll_interval_ms=int(poll_interval * 1000),
            lock=cluster_lock(client()),
            log=self.stdout.write,
        )

"""`manage.py worker`: a Celery worker for some (or all) queues, the unit an operator scales and routes with.

    python manage.py worker --queues thumbnailGeneration,metadataExtraction --concurrency 4
    python manage.py worker --queues videoConversion --concurrency 1     # a machine that only encodes videos
    python manage.py worker                                              # every queue

Start as many as you like, on any machine that reaches PostgreSQL, Redis and the media storage. The queue names
are checked here (a typo would otherwise start a worker that silently consumes nothing), then the process becomes
`celery -A immich worker` (exec: signals, exit status and logs are Celery's own).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from immich.env import ENV, REPO_ROOT
from jobs.queues import WORKED_QUEUES


def parse_queues(raw: str | None) -> list[str]:
    """Comma-separated queue names -> the names, in the order given; none -> every queue that has work."""
    if not raw:
        return [queue.value for queue in WORKED_QUEUES]
    names = [name.strip() for name in raw.split(",") if name.strip()]
    valid = {queue.value for queue in WORKED_QUEUES}
    unknown = [name for name in names if name not in valid]
    if unknown or not names:
        raise CommandError(
            f"Unknown queue {', '.join(unknown) or '(none given)'}; valid queues: {', '.join(q.value for q in WORKED_QUEUES)}"
        )
    return list(dict.fromkeys(names))


def celery_executable() -> str:
    """The celery beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "celery"
    if beside.exists():
        return str(beside)
    found = shutil.which("celery")
    if found is None:
        raise CommandError(f"celery not found beside {sys.executable} nor on PATH")
    return found


def celery_argv(*, queues: list[str], concurrency: int | None, name: str, loglevel: str) -> list[str]:
    argv = [celery_executable(), "-A", "immich", "worker", "-Q", ",".join(queues)]
    if concurrency:
        argv += ["-c", str(concurrency)]
    return argv + ["-l", loglevel, "--prefetch-multiplier", "1", "-n", f"{name}@%h"]


def default_name(queues: list[str]) -> str:
    """Unique per process, so two workers on one host never share a node name."""
    base = "all" if len(queues) == len(WORKED_QUEUES) else "-".join(queues)
    return f"{base[:60]}-{os.getpid()}"


class Command(BaseCommand):
    help = "Run a Celery worker for the given queues (default: all). Start more of them to scale out."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queues",
            "-Q",
            default="",
            help=f"comma-separated queues to consume (default: all): {', '.join(q.value for q in WORKED_QUEUES)}",
        )
        parser.add_argument(
            "--concurrency",
            "-c",
            type=int,
            default=None,
            help="worker processes (default: IMMICH_WORKER_CONCURRENCY, else the number of CPUs)",
        )
        parser.add_argument("--name", "-n", default="", help="node name before '@host' (default: queues and pid)")
        parser.add_argument("--loglevel", "-l", default=ENV.log_level, help="log level (default: IMMICH_LOG_LEVEL)")

    def handle(self, *args, queues: str, concurrency: int | None, name: str, loglevel: str, **options) -> None:
        names = parse_queues(queues)
        if concurrency is not None and concurrency < 1:
            raise CommandError("--concurrency must be at least 1")
        argv = celery_argv(queues=names, concurrency=concurrency, name=name or default_name(names), loglevel=loglevel)
        # `-A immich` must import from the repository whatever the current directory is.
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
        self.stdout.write(f"worker: {' '.join(argv[1:])}")
        self.stdout.flush()
        os.execvp(argv[0], argv)

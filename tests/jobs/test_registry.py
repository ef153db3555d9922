"""The jobs engine knows no app: the apps register what they own (steps, Start of their queues, reconcile hooks,
failure hooks, periodic tasks), and every task carries the one task decorator's reliability options."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

from celery.signals import beat_init

import jobs
from immich.celery import app

APPS = {"assets", "libraries", "people", "notifications", "accounts"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_jobs_imports_no_app_not_even_inside_a_function():
    root = Path(jobs.__file__).parent
    offenders = {
        f"{path.relative_to(root)}: {module}"
        for path in root.rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in APPS
    }
    assert offenders == set()


class _Beat:
    """Stands for celery.beat.Service, the sender of beat_init: only its app's configuration is read."""

    def __init__(self) -> None:
        self.app = SimpleNamespace(conf=SimpleNamespace(beat_schedule={}))


def test_beat_runs_the_periodic_tasks_every_app_registered():
    beat = _Beat()
    beat_init.send(sender=beat)
    beat_app = beat.app
    tasks = {entry["task"] for entry in beat_app.conf.beat_schedule.values()}
    assert tasks == {
        "Reconcile",
        "LibraryScanSchedule",
        "TusUploadsExpire",
        "JobRunRequest",
        "AssetDeleteCheck",
        "DebrisRemove",
        "AuditTableCleanup",
        "MemoryGenerate",
    }
    assert beat_app.conf.beat_schedule["database-backup"]["args"] == ("DatabaseBackup", "backupDatabase")


def test_every_task_is_acknowledged_late_and_given_back_when_its_worker_dies():
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert ours and all(task.acks_late and task.reject_on_worker_lost and task.time_limit for task in ours)

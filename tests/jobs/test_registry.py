"""The jobs engine knows no app: the apps register what they own (steps, Start of their queues, reconcile hooks,
failure hooks, periodic tasks), and every task carries the one task decorator's reliability options."""

from __future__ import annotations

import ast
from pathlib import Path

from celery import beat
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


def test_beat_runs_the_periodic_tasks_every_app_registered(tmp_path):
    service = beat.Service(app=app, schedule_filename=str(tmp_path / "celerybeat-schedule"))
    scheduler = service.scheduler  # Celery makes the scheduler before it sends beat_init (beat.Service.start)
    try:
        beat_init.send(sender=service)
        schedule = scheduler.schedule
        assert {entry.task for entry in schedule.values()} - {"celery.backend_cleanup"} == {
            "Reconcile",
            "LibraryScanSchedule",
            "TusUploadsExpire",
            "JobRunRequest",
            "AssetDeleteCheck",
            "DebrisRemove",
            "AuditTableCleanup",
            "MemoryGenerate",
            "ReverseGeocodeCheck",
        }
        assert schedule["database-backup"].args == ("DatabaseBackup", "backupDatabase")
        # Beat wakes for the reconciler (every 30 s), not after its 5-minute maximum interval.
        assert scheduler.tick() <= 30
    finally:
        scheduler.close()


def test_every_task_is_acknowledged_late_and_given_back_when_its_worker_dies():
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert ours and all(task.acks_late and task.reject_on_worker_lost and task.time_limit for task in ours)

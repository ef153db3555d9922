"""The Celery application. Every queue of `jobs.queues.Queue` is declared in the settings, so a worker started
without -Q consumes all of them, and `-Q thumbnailGeneration,videoConversion` picks some."""

import os

from celery import Celery
from celery.signals import beat_init, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.embedded")

app = Celery("immich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The assets app keeps its tasks by concern, one module per sub-package.
app.autodiscover_tasks(["assets.pipeline", "assets.uploads", "assets.file_moves"])


@beat_init.connect
def _beat_schedule(sender, **_) -> None:
    """Beat's periodic tasks are the ones the apps registered with jobs (Django is set up by now: beat's loader
    imported the tasks modules). Celery sends beat_init after its scheduler read the configuration, so the entries
    go into that scheduler itself (the configuration alone would be read by nobody)."""
    from jobs.registry import beat_schedule

    schedule = beat_schedule()
    sender.app.conf.beat_schedule = schedule
    sender.scheduler.update_from_dict(schedule)


@worker_process_init.connect
def _remove_scratch_debris(**_) -> None:
    """A worker process starts (also as the replacement of a killed one): scratch copies of dead ones go."""
    from immich.storage import scratch_debris_remove

    scratch_debris_remove()


@task_prerun.connect
def _database_connection_checked(task, **_) -> None:
    """Django's rule for a kept connection, at each task as at each request: reused while younger than CONN_MAX_AGE,
    checked before its first query, replaced when an error left it unusable (PostgreSQL restarted). Not for a task
    run eagerly: that one runs on its caller's connection, perhaps inside its transaction."""
    from django.db import close_old_connections

    if not task.request.is_eager:
        close_old_connections()

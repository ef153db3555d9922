"""The Celery application. Every queue of `jobs.queues.Queue` is declared in the settings, so a worker started
without -Q consumes all of them, and `-Q thumbnailGeneration,videoConversion` picks some."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.embedded")

app = Celery("immich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _remove_scratch_debris(**_) -> None:
    """A worker process starts (also as the replacement of a killed one): scratch copies of dead ones go."""
    from immich.storage import scratch_debris_remove

    scratch_debris_remove()

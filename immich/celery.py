"""The Celery application. Every queue of `jobs.queues.Queue` is declared in the settings, so a worker started
without -Q consumes all of them, and `-Q thumbnailGeneration,videoConversion` picks some."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.embedded")

app = Celery("immich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

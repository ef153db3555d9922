"""The scheduled scan: `library.scan` in the system configuration ({enabled, cronExpression}, daily at midnight by
default). Beat ticks every minute; a library is due when the cron has fired since it was last scanned or queued,
so the schedule state is the libraries' own timestamps and a restarted beat neither skips nor repeats a run."""

from __future__ import annotations

import logging
from datetime import datetime

from celery.schedules import ParseException, crontab
from django.utils import timezone

from jobs.system_config import config_get
from libraries.models import Library
from libraries.selectors import library_scan_status
from libraries.services import library_scan_request

logger = logging.getLogger(__name__)


def cron_schedule(expression: str, now: datetime | None = None) -> crontab:
    """A five-field cron expression (minute hour day-of-month month day-of-week) as a Celery crontab."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, not {len(fields)}: {expression!r}")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            nowfun=(lambda: now) if now is not None else timezone.now,
        )
    except ParseException as error:
        raise ValueError(f"invalid cron expression {expression!r}: {error}") from error


def libraries_scan_due(*, now: datetime | None = None) -> int:
    config = config_get()["library"]["scan"]
    if not config["enabled"]:
        return 0
    try:
        schedule = cron_schedule(config["cronExpression"], now)
    except ValueError as error:
        logger.error("library.scan.cronExpression is invalid, no scheduled scans: %s", error)
        return 0
    queued = 0
    for library in Library.objects.filter(deleted_at__isnull=True):
        requested = library_scan_status(library).requested_at
        last = max(moment for moment in (library.created_at, library.refreshed_at, requested) if moment)
        if schedule.is_due(last).is_due:
            library_scan_request(library=library)
            queued += 1
    return queued

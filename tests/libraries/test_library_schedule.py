"""Scheduled scans follow `library.scan` (enabled, cronExpression; daily at midnight by default)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jobs.models import JobRun
from jobs.system_config import config_get, config_update
from libraries import tasks
from libraries.models import Library
from libraries.schedule import cron_schedule, libraries_scan_due


def _scan_runs() -> list[str]:
    return [run.args["library_id"] for run in JobRun.objects.filter(name=tasks.library_scan.name)]


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def _library(user, scanned_at) -> Library:
    library = Library.objects.create(owner=user)
    Library.objects.filter(pk=library.pk).update(created_at=_at(2024, 1, 1), refreshed_at=scanned_at)
    return library


def test_a_library_scanned_before_midnight_is_due_after_it(user):
    library = _library(user, _at(2024, 3, 1, 22, 0))
    assert libraries_scan_due(now=_at(2024, 3, 1, 23, 59)) == 0
    assert libraries_scan_due(now=_at(2024, 3, 2, 0, 1)) == 1
    assert _scan_runs() == [str(library.pk)]


def test_a_queued_scan_is_not_queued_again_by_the_next_tick(user):
    library = _library(user, _at(2024, 3, 1, 22, 0))
    libraries_scan_due(now=_at(2024, 3, 2, 0, 1))
    JobRun.objects.update(queued_at=_at(2024, 3, 2, 0, 1))
    assert libraries_scan_due(now=_at(2024, 3, 2, 0, 2)) == 0
    assert _scan_runs() == [str(library.pk)]


def test_the_cron_expression_and_the_enabled_flag_are_honoured(user):
    _library(user, _at(2024, 3, 1, 22, 0))
    config = config_get()
    config["library"]["scan"]["cronExpression"] = "30 */6 * * *"
    config_update(new_config=config)
    assert libraries_scan_due(now=_at(2024, 3, 2, 0, 1)) == 0
    assert libraries_scan_due(now=_at(2024, 3, 2, 0, 31)) == 1
    config["library"]["scan"]["enabled"] = False
    config_update(new_config=config)
    assert libraries_scan_due(now=_at(2024, 3, 9)) == 0


def test_an_invalid_cron_expression_schedules_nothing(user):
    _library(user, _at(2024, 3, 1))
    config = config_get()
    config["library"]["scan"]["cronExpression"] = "every day"
    config_update(new_config=config)
    assert libraries_scan_due(now=_at(2024, 3, 9)) == 0
    with pytest.raises(ValueError):
        cron_schedule("61 * * * *")


def test_beat_ticks_the_schedule_every_minute():
    from jobs.registry import beat_schedule

    entry = beat_schedule()["library-scan-schedule"]
    assert entry["task"] == "LibraryScanSchedule" and entry["schedule"] == 60.0

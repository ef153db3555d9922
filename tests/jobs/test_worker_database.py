"""A worker keeps its PostgreSQL connection from job to job (Celery's Django fixup would open one per job), and
still replaces it after PostgreSQL restarts (tests/jobs/test_postgres_restart.py)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from tests.jobs.live_workers import CHAIN_QUEUES, redis_server, settled, upload_photos, wait_for, workers  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sessions_opened() -> int:
    """How many sessions this database has seen (PostgreSQL counts them as each backend reports its statistics)."""
    time.sleep(1.5)  # an idle backend reports at most every second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_worker_keeps_its_database_connection_from_job_to_job(api, tmp_path, workers):
    workers.start("worker", CHAIN_QUEUES, concurrency=1)
    upload_photos(api, tmp_path / "first", count=1, size=(64, 64))
    wait_for(settled(1), 60, "the first asset to be processed")
    before = sessions_opened()

    upload_photos(api, tmp_path / "more", count=10, size=(64, 64))
    wait_for(settled(11), 60, "ten more assets to be processed")

    assert sessions_opened() - before < 10  # 30 jobs ran: a connection per job would be 30 sessions

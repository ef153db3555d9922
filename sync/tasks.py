"""Celery tasks of the sync area: the nightly audit table cleanup (Immich's AuditTableCleanup)."""

from __future__ import annotations

from celery import shared_task

from assets.tasks import RELIABLE
from jobs.queues import Queue
from sync.services import sync_audit_prune


@shared_task(name="AuditTableCleanup", queue=Queue.BACKGROUND_TASK.value, time_limit=3600, **RELIABLE)
def audit_table_cleanup() -> int:
    """Periodic (beat, nightly): deletes older than the sync retention; sessions that would need them reset."""
    return sync_audit_prune()

"""Celery tasks of the sync area: the nightly audit table cleanup (Immich's AuditTableCleanup)."""

from __future__ import annotations

from jobs.queues import Queue
from jobs.tasks import job_task
from sync.services import sync_audit_prune


@job_task(name="AuditTableCleanup", queue=Queue.BACKGROUND_TASK, time_limit=3600)
def audit_table_cleanup() -> int:
    """Periodic (beat, nightly): deletes older than the sync retention; sessions that would need them reset."""
    return sync_audit_prune()

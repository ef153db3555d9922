"""Celery tasks of maintenance: the nightly debris sweep and the database backup."""

from __future__ import annotations

from accounts.services import USER_DELETE_TASK
from jobs.queues import Queue
from jobs.runs import job_run_execute
from jobs.system_config import config_get
from jobs.tasks import NO_RETRY, job_task
from maintenance.backup import BackupError, backup_create
from maintenance.debris import debris_remove
from maintenance.user_removal import user_remove
from notifications.services import notify_backup_failed


@job_task(name="DebrisRemove", queue=Queue.BACKGROUND_TASK, time_limit=3600)
def remove_debris() -> int:
    """Periodic (beat, nightly): temporary files that killed processes left in the media location."""
    return debris_remove()


def _backup() -> dict[str, str]:
    settings = config_get()["backup"]["database"]
    if not settings["enabled"]:
        return {"skipped": "backup.database.enabled is off"}
    try:
        return {"path": str(backup_create(keep=settings["keepLastAmount"]).path)}
    except BackupError as error:
        # A known cause (pg_dump missing or refusing): the reason alone is the story, no traceback to read.
        notify_backup_failed(reason=str(error))
        raise
    except Exception as error:
        notify_backup_failed(reason=f"{type(error).__name__}: {error}")
        raise


@job_task(
    name="DatabaseBackup", queue=Queue.BACKUP_DATABASE, time_limit=6 * 3600, retry=NO_RETRY, throws=(BackupError,)
)
def database_backup(run_id: int) -> dict[str, str]:
    """Periodic (beat), as a recorded run: a dump of the database, when backup.database.enabled; a failure tells
    the administrators."""
    return job_run_execute(run_id=run_id, work=_backup)


@job_task(name=USER_DELETE_TASK, queue=Queue.BACKGROUND_TASK, time_limit=6 * 3600, retry=NO_RETRY)
def user_delete(run_id: int) -> dict:
    """A user deleted with `force`: their files and rows, as a recorded run (the reconciler resumes it)."""
    return job_run_execute(run_id=run_id, work=user_remove)

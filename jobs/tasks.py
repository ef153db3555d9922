from __future__ import annotations

from celery import shared_task

from jobs import reconciler, services
from jobs.queues import Queue

RELIABLE = dict(acks_late=True, reject_on_worker_lost=True)


@shared_task(name="QueueStart", queue=Queue.BACKGROUND_TASK.value, time_limit=3600, **RELIABLE)
def queue_start(queue: str, force: bool) -> int:
    return services.queue_start(queue=Queue(queue), force=force)


@shared_task(name="Reconcile", queue=Queue.BACKGROUND_TASK.value, time_limit=300, **RELIABLE)
def reconcile() -> dict:
    result = reconciler.reconcile()
    return {"givenBack": result.given_back, "resent": result.resent, "failed": result.failed}


@shared_task(name="DatabaseBackup", queue=Queue.BACKUP_DATABASE.value, time_limit=6 * 3600, **RELIABLE)
def database_backup() -> str | None:
    from assets.maintenance.backup import backup_create
    from jobs.system_config import config_get

    settings = config_get()["backup"]["database"]
    if not settings["enabled"]:
        return None
    try:
        return str(backup_create(keep=settings["keepLastAmount"]).path)
    except Exception as error:
        from notifications.services import notify_backup_failed

        notify_backup_failed(reason=f"{type(error).__name__}: {error}")
        raise


@shared_task(name="AssetDeleteCheck", queue=Queue.BACKGROUND_TASK.value, time_limit=3600, **RELIABLE)
def trash_purge() -> int:
    from assets.services import trash_purge_expired
    from jobs.system_config import config_get

    trash = config_get()["trash"]
    return trash_purge_expired(days=trash["days"] if trash["enabled"] else 0)

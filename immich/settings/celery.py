"""Celery settings (read by `immich.celery` through the CELERY_ namespace)."""

from celery.schedules import crontab

from immich.env import ENV

CELERY_BROKER_URL = ENV.redis_url
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message taken by a worker that dies comes back after the visibility timeout; it must exceed the longest
# task time limit (video encodes), or a slow but healthy task would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_WORKER_CONCURRENCY = ENV.worker_concurrency or None
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes the database connection before and after every task unless this is set: a new
# PostgreSQL connection per job was a tenth of a no-op job's cost. Connections are kept instead, under Django's own
# rules (CONN_MAX_AGE, CONN_HEALTH_CHECKS), applied at each task by `immich.celery`; the fixup then only closes
# them every 2 x this many tasks.
CELERY_DB_REUSE_MAX = 1000

from jobs.queues import Queue, celery_queues  # noqa: E402  (pure module: no Django import)

CELERY_TASK_QUEUES = celery_queues()
CELERY_TASK_DEFAULT_QUEUE = Queue.BACKGROUND_TASK.value

# Periodic work (celery beat): the reconciler rebuilds lost or orphaned work from the database.
CELERY_BEAT_SCHEDULE = {
    "reconcile": {"task": "Reconcile", "schedule": 30.0, "options": {"expires": 25}},
    # Queues the library scans that `library.scan` (system config: enabled, cronExpression) says are due.
    "library-scan-schedule": {"task": "LibraryScanSchedule", "schedule": 60.0, "options": {"expires": 55}},
    # Unfinished resumable uploads past IMMICH_TUS_EXPIRY_HOURS: rows, staged bytes and quota reservations.
    "tus-uploads-expire": {"task": "TusUploadsExpire", "schedule": 3600.0, "options": {"expires": 3000}},
    # The reference default of backup.database.cronExpression ("0 02 * * *"); the task honours backup.enabled.
    "database-backup": {"task": "DatabaseBackup", "schedule": crontab(minute=0, hour=2)},
    # nightlyTasks.startTime's default ("00:00"): trashed assets older than trash.days are deleted for good.
    "trash-purge": {"task": "AssetDeleteCheck", "schedule": crontab(minute=0, hour=0)},
    # Uploads and temporary outputs that killed processes left in the media location, once a day old.
    "debris-remove": {"task": "DebrisRemove", "schedule": crontab(minute=0, hour=1)},
    # Deletes recorded for the mobile sync stream, past their retention (sessions that still needed them reset).
    "audit-table-cleanup": {"task": "AuditTableCleanup", "schedule": crontab(minute=30, hour=0)},
}
CELERY_BROKER_TRANSPORT_OPTIONS.update({"queue_order_strategy": "priority", "priority_steps": [0, 9]})

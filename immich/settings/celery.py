"""Celery settings (read by `immich.celery` through the CELERY_ namespace)."""

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
# A pool process that grew past this (a large decode: libvips, libheif and Pillow keep what they allocated) is
# replaced after its job, instead of every process keeping its peak for good (in KiB, as Celery counts).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = ENV.worker_max_memory_mb * 1024 or None
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes the database connection before and after every task unless this is set: a new
# PostgreSQL connection per job was a tenth of a no-op job's cost. Connections are kept instead, under Django's own
# rules (CONN_MAX_AGE, CONN_HEALTH_CHECKS), applied at each task by `immich.celery`; the fixup then only closes
# them every 2 x this many tasks.
CELERY_DB_REUSE_MAX = 1000

from jobs.queues import Queue, celery_queues  # noqa: E402  (pure module: no Django import)

CELERY_TASK_QUEUES = celery_queues()
CELERY_TASK_DEFAULT_QUEUE = Queue.BACKGROUND_TASK.value

CELERY_BROKER_TRANSPORT_OPTIONS.update({"queue_order_strategy": "priority", "priority_steps": [0, 9]})

# Periodic work (celery beat): each app registers its own entries with jobs.registry; `immich.celery` hands them
# to beat when it starts.

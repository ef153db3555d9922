from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    """Work over the whole installation: backup and restore, the consistency check, the debris sweep, moves between
    storage backends and user data transfer. It sits above every other app (it reads all of them); none imports it."""

    name = "maintenance"

    def ready(self) -> None:
        from celery.schedules import crontab

        from jobs.queues import Queue
        from jobs.registry import ScheduledTask, register_schedule

        # The reference default of backup.database.cronExpression ("0 02 * * *"); the task honours backup.enabled.
        register_schedule(
            "database-backup",
            ScheduledTask("DatabaseBackup", crontab(minute=0, hour=2), run_queue=Queue.BACKUP_DATABASE),
        )
        # Uploads and temporary outputs that killed processes left in the media location, once a day old.
        register_schedule("debris-remove", ScheduledTask("DebrisRemove", crontab(minute=0, hour=1)))

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Mobile sync stream"

    def ready(self) -> None:
        from celery.schedules import crontab

        from assets.hooks import register_ready_hook
        from jobs.registry import ScheduledTask, register_schedule
        from sync.live import asset_upload_ready

        register_ready_hook(asset_upload_ready)

        # Deletes recorded for the mobile sync stream, past their retention (sessions that still needed them reset).
        register_schedule("audit-table-cleanup", ScheduledTask("AuditTableCleanup", crontab(minute=30, hour=0)))

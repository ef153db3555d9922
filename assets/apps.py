from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets import access
        from assets.file_moves import admin as file_moves_admin  # noqa: F401  (the move journal and the template page)
        from assets.pipeline import admin as pipeline_admin  # noqa: F401  (video transcoding: decisions, settings, dry run)

        access.register()
        self._register_jobs()

    @staticmethod
    def _register_jobs() -> None:
        """What assets own in the jobs engine: the pipeline's steps, the storage template migration's Start, the
        re-sending of lost deletions and the periodic tasks."""
        from celery.schedules import crontab

        from assets.file_moves.migration import storage_template_migration_start
        from assets.pipeline.steps import CHAIN, definitions
        from assets.pipeline.tasks import STEP_TASKS
        from assets.services import deletions_resend
        from jobs.queues import Queue
        from jobs.registry import ScheduledTask, register_queue_start, register_reconcile_hook, register_schedule
        from jobs.steps import register_follower, register_step

        for definition in definitions(STEP_TASKS):
            register_step(definition)
        for after, follower in CHAIN:
            register_follower(after=after, follower=follower)
        # Immich's one Start of storageTemplateMigration: every asset, archived and trashed too, as a recorded run.
        register_queue_start(Queue.STORAGE_TEMPLATE_MIGRATION, lambda force: storage_template_migration_start())
        register_reconcile_hook(Queue.BACKGROUND_TASK, lambda before: deletions_resend(deleted_before=before))
        # Unfinished resumable uploads past IMMICH_TUS_EXPIRY_HOURS: rows, staged bytes and quota reservations.
        register_schedule("tus-uploads-expire", ScheduledTask("TusUploadsExpire", 3600.0, {"expires": 3000}))
        # nightlyTasks.startTime's default ("00:00"): trashed assets older than trash.days are deleted for good.
        register_schedule("trash-purge", ScheduledTask("AssetDeleteCheck", crontab(minute=0, hour=0)))

from django.apps import AppConfig


class MemoriesConfig(AppConfig):
    name = "memories"
    verbose_name = "Memories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.schedules import crontab

        from jobs.registry import ScheduledTask, register_manual_job, register_schedule
        from memories import tasks

        # Immich's MemoryGenerate: "on this day" memories for the days around today, every night.
        register_schedule("memory-generate", ScheduledTask("MemoryGenerate", crontab(minute=15, hour=0)))
        register_manual_job("memory-generate", tasks.memory_generate.delay)

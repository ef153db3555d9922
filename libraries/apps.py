from django.apps import AppConfig


class LibrariesConfig(AppConfig):
    name = "libraries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.queues import Queue
        from jobs.registry import ScheduledTask, register_queue_start, register_schedule
        from libraries.services import libraries_scan_all

        # The jobs page's "Rescan" of the library queue: scan every library.
        register_queue_start(Queue.LIBRARY, lambda force: libraries_scan_all())
        # Queues the library scans that `library.scan` (system config: enabled, cronExpression) says are due.
        register_schedule("library-scan-schedule", ScheduledTask("LibraryScanSchedule", 60.0, {"expires": 55}))

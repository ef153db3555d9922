from django.apps import AppConfig


class LibrariesConfig(AppConfig):
    name = "libraries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.hooks import register_offline_hook
        from jobs.queues import Queue
        from jobs.registry import ScheduledTask, register_queue_start, register_schedule
        from libraries.services import libraries_scan_all, library_file_outside

        # An asset whose original leads out of its folders is offline; its library file says why.
        register_offline_hook(library_file_outside)

        # The jobs page's "Rescan" of the library queue: scan every library.
        register_queue_start(Queue.LIBRARY, lambda force: libraries_scan_all())
        # Queues the library scans that `library.scan` (system config: enabled, cronExpression) says are due.
        register_schedule("library-scan-schedule", ScheduledTask("LibraryScanSchedule", 60.0, {"expires": 55}))

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.registry import on_steps_failed
        from notifications.services import notify_step_failures

        # The owner of a file a step failed on for good is told so.
        on_steps_failed(notify_step_failures)

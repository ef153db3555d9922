from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.registry import ScheduledTask, register_manual_job, register_schedule
        from jobs.tasks import reconcile

        register_manual_job("reconcile", reconcile.delay)
        # The reconciler rebuilds lost or orphaned work from the database.
        register_schedule("reconcile", ScheduledTask("Reconcile", 30.0, {"expires": 25}))

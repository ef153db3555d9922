from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.registry import ScheduledTask, register_manual_job, register_schedule
        from jobs.tasks import reconcile

        register_manual_job("reconcile", reconcile.delay)
        # The reconciler rebuilds lost or orphaned work from the database.
        register_schedule("reconcile", ScheduledTask("Reconcile", 30.0, {"expires": 25}))
        # Every start runs the migrations first (`serve`, the image's entrypoint): the version is recorded then.
        post_migrate.connect(_record_server_version, sender=self)


def _record_server_version(using: str = "default", **kwargs: object) -> None:
    from jobs.server_versions import server_version_record

    server_version_record(using=using)

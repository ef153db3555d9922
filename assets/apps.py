from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets import storage_template_admin  # noqa: F401  (registers the move journal and its template page)
        from assets import transcode_admin  # noqa: F401  (video transcoding: decisions, settings, dry run)

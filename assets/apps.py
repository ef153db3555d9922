from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.file_moves import admin as file_moves_admin  # noqa: F401  (the move journal and the template page)
        from assets.pipeline import admin as pipeline_admin  # noqa: F401  (video transcoding: decisions, settings, dry run)

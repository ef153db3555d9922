from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "tags"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.pipeline.hooks import on_keywords_read
        from tags.services import tags_from_keywords

        on_keywords_read(tags_from_keywords)

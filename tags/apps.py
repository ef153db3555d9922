from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "tags"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.hooks import register_keywords_hook, register_merge_hook
        from tags.services import tags_from_keywords, tags_merge_duplicates

        register_keywords_hook(tags_from_keywords)
        register_merge_hook(tags_merge_duplicates)

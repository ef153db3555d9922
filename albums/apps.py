from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from albums import access
        from albums.services import album_copy_memberships, album_merge_duplicates
        from assets.copy import register_copy_step
        from assets.hooks import register_merge_hook

        access.register()
        register_copy_step("albums", album_copy_memberships)
        register_merge_hook(album_merge_duplicates)

from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from albums import access

        access.register()
        from albums.services import album_copy_memberships
        from assets.copy import register_copy_step

        register_copy_step("albums", album_copy_memberships)
        from albums.services import album_merge_duplicates
        from assets.hooks import register_merge_hook

        register_merge_hook(album_merge_duplicates)

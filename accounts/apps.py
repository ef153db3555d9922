from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import (
            pin,
            schema,  # noqa: F401  (registers the OpenAPI description of the credentials)
        )
        from immich import access

        access.register_elevation(pin.is_elevated)

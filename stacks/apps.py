from django.apps import AppConfig


class StacksConfig(AppConfig):
    name = "stacks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.copy import register_copy_step
        from stacks.services import stack_copy

        register_copy_step("stack", stack_copy)

from django.apps import AppConfig


class NsfwConfig(AppConfig):
    """NSFW detection (issue 25): a pipeline step after the thumbnails, the verdict in asset responses, and what a
    viewer's preference makes of flagged assets (blurred thumbnails, or kept out of their views)."""

    name = "nsfw"
    verbose_name = "NSFW detection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.preferences import on_preferences_changed
        from assets.hooks import (
            register_asset_fields,
            register_asset_row_fields,
            register_shown_filter,
            register_veiled_check,
        )
        from jobs.models import Step
        from jobs.steps import register_follower, register_step
        from jobs.system_config import on_config_update
        from nsfw import selectors, services
        from nsfw.steps import definition, follows_thumbnails

        register_step(definition())
        register_follower(after=Step.THUMBNAILS, follower=follows_thumbnails)
        register_shown_filter(selectors.shown_condition)
        register_veiled_check(selectors.is_veiled_for)
        register_asset_fields(selectors.verdict_fields)
        register_asset_row_fields(
            selectors.VERDICT_COLUMNS, selectors.verdict_row_fields, selectors.verdict_row_expressions
        )
        on_preferences_changed(services.preferences_changed)
        on_config_update(services.config_changed)

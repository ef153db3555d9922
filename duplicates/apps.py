from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "duplicates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The duplicateDetection step (after thumbnails in the upload chain) and who may read and dismiss groups."""
        from assets.hooks import register_ungroup_hook
        from duplicates import access
        from duplicates.services import assets_ungroup
        from duplicates.steps import definition
        from duplicates.tasks import detect_duplicates
        from jobs.models import Step
        from jobs.steps import register_follower, register_step

        register_step(definition(detect_duplicates))
        register_follower(after=Step.THUMBNAILS, follower=lambda asset_id: [Step.DUPLICATES])
        access.register()
        register_ungroup_hook(lambda owner, ids: assets_ungroup(owner_id=owner.id, asset_ids=ids))

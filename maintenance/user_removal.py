"""The removal of a user deleted with `force` (Immich's UserDelete job): their files, then their rows. It runs as a
recorded run (jobs/runs.py), so a run killed mid-way, or lost with Redis, is sent again by the reconciler and carries
on: each asset goes with asset_delete_files (files, then the row), the user's row goes last, and a run that finds
the user already gone does nothing. External libraries' originals are the user's own folders: never deleted."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, AssetStatus, TusUpload
from assets.services import asset_delete_files
from immich import storage
from people.models import Person


def user_remove(*, user_id: str) -> dict[str, int | str]:
    """Remove everything of a user marked `removing`; returns what went."""
    user = User.objects.filter(pk=user_id, removing=True).first()
    if user is None:
        return {"skipped": f"user {user_id} is not being removed (already gone, or restored)"}
    owned = Asset.objects.filter(owner=user)
    owned.exclude(status=AssetStatus.DELETED).update(status=AssetStatus.DELETED, deleted_at=timezone.now())
    assets = 0
    for asset_id in owned.values_list("id", flat=True).iterator():
        assets += asset_delete_files(asset_id=asset_id)
    for upload in TusUpload.objects.filter(owner=user):
        Path(upload.staging_path).unlink(missing_ok=True)
    people = list(Person.objects.filter(owner=user).exclude(thumbnail_path="").values_list("thumbnail_path", flat=True))
    storage.delete(*people, user.profile_image_path or None)
    with transaction.atomic():
        User.objects.filter(pk=user.pk, removing=True).delete()  # albums, tags, stacks, people... go with it
    return {"assets": assets, "people": len(people)}

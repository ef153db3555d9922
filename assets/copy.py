"""`PUT /api/assets/copy`: what an asset had, given to another asset of the same owner (immich-go replaces a smaller
server copy by uploading the better file, copying onto it, then deleting the old one; clients.md §2, G15).

Each of Immich's AssetCopyDto options is one copy step. Favourite and sidecar are the asset's own; albums and stacks
are other apps', which register their steps here from their AppConfig.ready, so assets import neither. An option
whose step nobody registered (shared links, while this server has none) copies nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import transaction

from accounts.models import User
from assets.models import Asset, AssetStatus
from assets.uploads.handler import upload_path
from immich import storage
from immich.errors import BadRequest
from jobs.models import Priority, Step
from jobs.services import steps_enqueue

CopyStep = Callable[[Asset, Asset], None]  # (source, target), inside the copy's transaction
OPTIONS = ("albums", "favorite", "sharedLinks", "sidecar", "stack")
_steps: dict[str, CopyStep] = {}


def register_copy_step(option: str, step: CopyStep) -> None:
    if option not in OPTIONS:
        raise ValueError(f"Unknown copy option {option}")
    _steps[option] = step


def asset_copy(*, owner: User, source_id: uuid.UUID, target_id: uuid.UUID, options: dict[str, bool]) -> None:
    """Copy what the options ask (each defaults to true, as Immich) from source to target, both the owner's."""
    if source_id == target_id:
        raise BadRequest("Source and target id must be distinct")
    with transaction.atomic():
        assets = {
            asset.id: asset
            for asset in Asset.objects.select_for_update()
            .filter(owner=owner, pk__in=[source_id, target_id])
            .exclude(status=AssetStatus.DELETED)
        }
        if len(assets) != 2:
            raise BadRequest("Not found or no asset.copy access")
        source, target = assets[source_id], assets[target_id]
        for option in OPTIONS:
            step = _steps.get(option)
            if step is not None and options.get(option, True):
                step(source, target)


def _copy_favorite(source: Asset, target: Asset) -> None:
    Asset.objects.filter(pk=target.pk).update(is_favorite=source.is_favorite)


def _copy_sidecar(source: Asset, target: Asset) -> None:
    """The source's sidecar, copied to a new file of the target, whose metadata is then read again. A library
    asset's sidecar is the user's file beside it: it is never replaced."""
    if not source.sidecar_path or target.is_external:
        return
    new_path = str(upload_path(target.owner_id, uuid.uuid4(), ".xmp"))
    storage.copy(source.sidecar_path, new_path)
    old_path = target.sidecar_path
    Asset.objects.filter(pk=target.pk).update(sidecar_path=new_path)
    if old_path:
        transaction.on_commit(lambda: storage.delete(old_path))
    steps_enqueue(asset_ids=[target.pk], step=Step.METADATA, priority=Priority.UPLOAD)


register_copy_step("favorite", _copy_favorite)
register_copy_step("sidecar", _copy_sidecar)

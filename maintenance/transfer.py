"""Moving all of one user's data to another (which Immich leaves to hand-written SQL): albums, libraries, assets,
people, tags and stacks change owner in one transaction; assets whose checksum the destination already has stay
behind and are listed (their tags pass to the destination's copy; they leave their stacks); thumbnails are regenerated (and, with the storage template on, originals re-filed) under the new owner."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from accounts.models import User
from albums.models import Album, AlbumAsset
from assets.models import Asset, AssetStatus
from libraries.models import Library
from people.models import Person
from stacks.models import Stack
from tags.models import Tag


class TransferError(ValueError):
    pass


@dataclass
class TransferPlan:
    source: User
    destination: User
    albums: int = 0
    libraries: int = 0
    people: int = 0  # the source's people: moved, or merged into the destination's person of the same name
    tags: int = 0  # the source's tags: moved, or merged into the destination's tag of the same path
    stacks: int = 0
    assets: list = field(default_factory=list)  # ids that move
    duplicates: list = field(default_factory=list)  # (source asset id, file name, destination asset id)
    moved_bytes: int = 0
    applied: bool = False

    def summary(self) -> str:
        verb = "Moved" if self.applied else "Would move"
        return (
            f"{verb} {len(self.assets)} assets ({self.moved_bytes} bytes), {self.albums} albums, {self.libraries} "
            f"libraries, {self.people} people, {self.tags} tags and {self.stacks} stacks from {self.source.email} to "
            f"{self.destination.email}; "
            f"{len(self.duplicates)} duplicates stay "
            f"with {self.source.email}."
        )


def _plan(source: User, destination: User) -> TransferPlan:
    if source.pk == destination.pk:
        raise TransferError("source and destination are the same user")
    plan = TransferPlan(source=source, destination=destination)
    owned = Asset.objects.filter(owner=source).exclude(status=AssetStatus.DELETED)
    taken = {
        bytes(checksum): asset_id
        for checksum, asset_id in Asset.objects.filter(owner=destination, library__isnull=True)
        .filter(checksum__in=owned.filter(library__isnull=True).values("checksum"))
        .values_list("checksum", "id")
    }
    for asset_id, name, checksum, library_id, size in owned.values_list(
        "id", "original_file_name", "checksum", "library_id", "file_size"
    ):
        existing = taken.get(bytes(checksum)) if library_id is None else None
        if existing:
            plan.duplicates.append((asset_id, name, existing))
        else:
            plan.assets.append(asset_id)
            plan.moved_bytes += size if library_id is None else 0
    plan.albums = Album.objects.filter(owner=source).count()
    plan.libraries = Library.objects.filter(owner=source).count()
    plan.people = Person.objects.filter(owner=source).count()
    plan.tags = Tag.objects.filter(owner=source).count()
    plan.stacks = Stack.objects.filter(owner=source).count()
    return plan


def transfer_plan(*, source: User, destination: User) -> TransferPlan:
    return _plan(source, destination)


def transfer_apply(*, source: User, destination: User, delete_duplicates: bool = False) -> TransferPlan:
    from assets.services import assets_delete
    from jobs.models import Priority, Step
    from jobs.services import steps_enqueue
    from people.services import people_transfer
    from stacks.services import stacks_transfer
    from tags.services import tags_transfer

    with transaction.atomic():
        # Lock both users: uploads for either (which update the quota row) wait until the transfer is done.
        list(User.objects.select_for_update().filter(pk__in=[source.pk, destination.pk]))
        plan = _plan(source, destination)
        duplicate_of = {source_id: destination_id for source_id, _, destination_id in plan.duplicates}
        # An album that moves keeps its place for a duplicate: the destination's own copy takes it.
        for link in AlbumAsset.objects.filter(album__owner=source, asset_id__in=duplicate_of):
            if AlbumAsset.objects.filter(album_id=link.album_id, asset_id=duplicate_of[link.asset_id]).exists():
                link.delete()
            else:
                AlbumAsset.objects.filter(pk=link.pk).update(asset_id=duplicate_of[link.asset_id])
        Album.objects.filter(owner=source).update(owner=destination)
        Library.objects.filter(owner=source).update(owner=destination)
        Asset.objects.filter(pk__in=plan.assets).update(owner=destination)
        plan.people = people_transfer(source=source, destination=destination)  # after the assets: people follow faces
        plan.tags = tags_transfer(source=source, destination=destination, duplicate_of=duplicate_of)
        plan.stacks = stacks_transfer(source=source, destination=destination)
        User.objects.filter(pk=source.pk).update(quota_usage_in_bytes=F("quota_usage_in_bytes") - plan.moved_bytes)
        User.objects.filter(pk=destination.pk).update(quota_usage_in_bytes=F("quota_usage_in_bytes") + plan.moved_bytes)
        if plan.assets:
            steps_enqueue(asset_ids=plan.assets, step=Step.THUMBNAILS, priority=Priority.BACKFILL)
            steps_enqueue(asset_ids=plan.assets, step=Step.STORAGE_TEMPLATE, priority=Priority.BACKFILL)
        if delete_duplicates and duplicate_of:
            assets_delete(owner=source, ids=list(duplicate_of), force=True)
    plan.applied = True
    return plan

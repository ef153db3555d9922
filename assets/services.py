"""Writes on assets: updates, trash, deletion, jobs. Views call these; they call the pipeline through jobs.
Uploads are in `assets.uploads.services`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone as django_timezone

from accounts.models import User
from assets import tasks
from assets.hooks import locations_changed
from assets.live import assets_announce_update
from assets.models import Asset, AssetExif, AssetStatus, AssetType, Visibility
from immich import live_events, storage
from jobs.models import Priority, Step
from jobs.services import steps_enqueue

logger = logging.getLogger(__name__)


# What a user can set that metadata extraction also reads, by Immich's name: the user's value sticks (it is
# "locked") until the user sets it again.
EDITABLE_EXIF = {"description": "description", "rating": "rating", "latitude": "latitude", "longitude": "longitude"}


def owned_assets(*, owner: User, ids: list, elevated: bool):
    """The owner's assets among `ids`: in the locked folder only with `elevated` (a session unlocked by the PIN)."""
    owned = Asset.objects.filter(owner=owner, pk__in=ids).exclude(status=AssetStatus.DELETED)
    return owned if elevated else owned.exclude(visibility=Visibility.LOCKED)


def assets_update(*, owner: User, ids: list, changes: dict, elevated: bool = False) -> int:
    """Apply the same changes to the owner's assets among `ids`; other ids are ignored (never revealed), and so are
    locked ones without `elevated`. The EXIF properties set here are locked against metadata extraction, whenever
    it runs. Assets moved into the locked folder leave every album, as in Immich."""
    asset_changes = {}
    if "is_favorite" in changes:
        asset_changes["is_favorite"] = changes["is_favorite"]
    if "isArchived" in changes:
        asset_changes["visibility"] = Visibility.ARCHIVE if changes["isArchived"] else Visibility.TIMELINE
    if "visibility" in changes:
        asset_changes["visibility"] = changes["visibility"]
    exif_changes = {field: changes[key] for key, field in EDITABLE_EXIF.items() if key in changes}
    locks = [key for key in EDITABLE_EXIF if key in changes]
    if "dateTimeOriginal" in changes:
        taken = changes["dateTimeOriginal"]  # with the offset the client wrote: the photo's time zone
        moment = taken.astimezone(timezone.utc)  # PostgreSQL refuses offsets past 15:59; the zone is kept by name
        exif_changes.update(date_time_original=moment, time_zone=zone_name(taken))
        asset_changes["file_created_at"] = moment
        # The timeline groups by the wall clock where the photo was taken, stored relabelled as UTC.
        asset_changes["local_date_time"] = taken.replace(tzinfo=timezone.utc)
        locks += ["dateTimeOriginal", "timeZone"]
    with transaction.atomic():
        owned = owned_assets(owner=owner, ids=ids, elevated=elevated)
        owned_ids = list(owned.values_list("id", flat=True))
        if asset_changes.get("visibility") == Visibility.LOCKED:
            Asset.albums.through.objects.filter(asset__in=owned).delete()  # albums' AlbumAsset, through the relation
        if exif_changes:  # EXIF rows first, in the order metadata extraction locks them (no deadlock between the two)
            AssetExif.objects.bulk_create(
                [AssetExif(asset_id=asset_id) for asset_id in owned_ids], ignore_conflicts=True
            )
            exifs = list(AssetExif.objects.select_for_update().filter(asset_id__in=owned_ids))
            for exif in exifs:
                for field, value in exif_changes.items():
                    setattr(exif, field, value)
                exif.locked_properties = sorted({*exif.locked_properties, *locks})
            AssetExif.objects.bulk_update(exifs, [*exif_changes, "locked_properties"], batch_size=1000)
            if {"latitude", "longitude"} & exif_changes.keys():
                locations_changed(owned_ids)
        updated = Asset.objects.filter(pk__in=owned_ids).update(**asset_changes, updated_at=django_timezone.now())
    assets_announce_update(asset_ids=owned_ids)
    return updated


def assets_shift_dates(
    *, owner: User, ids: list, minutes: int = 0, time_zone: str | None = None, elevated: bool = False
) -> int:
    """Immich's bulk `dateTimeRelative` and `timeZone`: each of the owner's assets among `ids` (locked ones only with
    `elevated`) has its date moved by `minutes` and its zone set (its local time follows); the date and the zone are
    then locked against metadata extraction."""
    shift = timedelta(minutes=minutes)
    if not minutes and not time_zone:
        return 0
    locks = ["dateTimeOriginal", "timeZone"]  # the date and its zone are set together, as Immich writes them
    with transaction.atomic():
        owned_ids = list(owned_assets(owner=owner, ids=ids, elevated=elevated).values_list("id", flat=True))
        AssetExif.objects.bulk_create([AssetExif(asset_id=asset_id) for asset_id in owned_ids], ignore_conflicts=True)
        exifs = {exif.asset_id: exif for exif in AssetExif.objects.select_for_update().filter(asset_id__in=owned_ids)}
        assets = list(Asset.objects.select_for_update().filter(pk__in=owned_ids))
        for asset in assets:
            exif = exifs[asset.id]
            taken = (exif.date_time_original or asset.file_created_at) + shift
            exif.date_time_original = asset.file_created_at = taken
            if time_zone:
                exif.time_zone = time_zone
                asset.local_date_time = taken.astimezone(ZoneInfo(time_zone)).replace(tzinfo=timezone.utc)
            else:
                asset.local_date_time = asset.local_date_time + shift
            exif.locked_properties = sorted({*exif.locked_properties, *locks})
            asset.updated_at = django_timezone.now()
        AssetExif.objects.bulk_update(exifs.values(), ["date_time_original", "time_zone", "locked_properties"])
        Asset.objects.bulk_update(assets, ["file_created_at", "local_date_time", "updated_at"], batch_size=1000)
    assets_announce_update(asset_ids=owned_ids)
    return len(assets)


def zone_name(moment: datetime) -> str:
    """The zone of a date as metadata extraction names it: "UTC", "UTC+2", "UTC-3:30"."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    if not minutes:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def assets_delete(*, owner: User, ids: list, force: bool, elevated: bool = False) -> int:
    """Move to the trash, or with `force` mark deleted and remove the files in the background."""
    owned = owned_assets(owner=owner, ids=ids, elevated=elevated)
    with transaction.atomic():
        if not force:
            trashed = list(owned.select_for_update().values_list("id", flat=True))
            Asset.objects.filter(pk__in=trashed).update(
                status=AssetStatus.TRASHED, deleted_at=django_timezone.now(), updated_at=django_timezone.now()
            )
            if trashed:
                live_events.send_to_user("on_asset_trash", owner.id, [str(asset_id) for asset_id in trashed])
            return len(trashed)
        return _mark_deleted(owned)


def _mark_deleted(assets) -> int:
    doomed = list(assets.values_list("id", "owner_id"))
    Asset.objects.filter(pk__in=[asset_id for asset_id, _ in doomed]).update(
        status=AssetStatus.DELETED, deleted_at=django_timezone.now(), updated_at=django_timezone.now()
    )
    for asset_id, owner_id in doomed:
        transaction.on_commit(lambda asset_id=asset_id: tasks.delete_asset.delay(str(asset_id)))
        live_events.send_to_user("on_asset_delete", owner_id, str(asset_id))
    return len(doomed)


def trash_restore(*, owner: User, ids: list | None = None) -> int:
    trashed = Asset.objects.filter(owner=owner, status=AssetStatus.TRASHED)
    if ids is not None:
        trashed = trashed.filter(pk__in=ids)
    with transaction.atomic():
        restored = list(trashed.select_for_update().values_list("id", flat=True))
        Asset.objects.filter(pk__in=restored).update(
            status=AssetStatus.ACTIVE, deleted_at=None, updated_at=django_timezone.now()
        )
        if restored:
            live_events.send_to_user("on_asset_restore", owner.id, [str(asset_id) for asset_id in restored])
    return len(restored)


def trash_empty(*, owner: User) -> int:
    with transaction.atomic():
        return _mark_deleted(Asset.objects.filter(owner=owner, status=AssetStatus.TRASHED))


def trash_purge_expired(*, days: int) -> int:
    """The nightly purge: trashed assets older than `days` are deleted for good (files of uploads included;
    external originals are never touched, see asset_delete_files)."""
    cutoff = django_timezone.now() - timedelta(days=days)
    with transaction.atomic():
        return _mark_deleted(Asset.objects.filter(status=AssetStatus.TRASHED, deleted_at__lte=cutoff))


LOST_DELETIONS_PER_RUN = 1000


def deletions_resend(*, deleted_before: datetime) -> int:
    """Send again the removal of assets deleted before `deleted_before` whose row is still there: their AssetDelete
    message was lost with Redis (until then their files stay, and their owner's quota stays charged). A duplicate
    finds the row gone and does nothing. At most LOST_DELETIONS_PER_RUN at a time (the rest, next time)."""
    lost = Asset.objects.filter(status=AssetStatus.DELETED, deleted_at__lt=deleted_before).order_by("deleted_at")
    ids = [str(asset_id) for asset_id in lost.values_list("id", flat=True)[:LOST_DELETIONS_PER_RUN]]
    for asset_id in ids:
        tasks.delete_asset.delay(asset_id)
    return len(ids)


def asset_delete_files(*, asset_id) -> bool:
    """Remove a deleted asset's files, then its row. Idempotent: a re-run after a crash finishes the job.
    External originals are never deleted: they belong to the user's own folders."""
    asset = Asset.objects.filter(pk=asset_id, status=AssetStatus.DELETED).first()
    if asset is None:
        return False
    generated = list(asset.files.values_list("path", flat=True))
    owned_originals = [] if asset.is_external else [asset.original_path, asset.sidecar_path]
    storage.delete(*generated, *owned_originals)
    with transaction.atomic():
        if not asset.is_external:
            User.objects.filter(pk=asset.owner_id, quota_usage_in_bytes__gte=asset.file_size).update(
                quota_usage_in_bytes=F("quota_usage_in_bytes") - asset.file_size
            )
        asset.delete()
    return True


ASSET_JOB_STEPS = {
    "refresh-metadata": Step.METADATA,
    "regenerate-thumbnail": Step.THUMBNAILS,
    "transcode-video": Step.VIDEO_ENCODE,
}


def assets_run_job(*, owner: User, ids: list, name: str, elevated: bool = False) -> int:
    """Per-asset commands from the asset viewer: run one step again for the owner's assets, ahead of backfills."""
    step = ASSET_JOB_STEPS[name]
    owned = owned_assets(owner=owner, ids=ids, elevated=elevated)
    if step == Step.VIDEO_ENCODE:
        owned = owned.filter(type=AssetType.VIDEO)  # "refresh encoded video": only videos have one
    with transaction.atomic():
        return steps_enqueue(asset_ids=owned.values_list("id", flat=True), step=step, priority=Priority.UPLOAD)

"""An upload becomes an asset: checks, duplicates by checksum, the owner's quota, the stored files and the row, and
what to do when the commit's answer was lost. Shared by the multipart upload and resumable (tus) uploads."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from assets import media_types
from assets.models import Asset, AssetExif, AssetStatus, AssetType, Visibility
from assets.uploads.handler import StreamedUpload, upload_path
from immich import live_events, storage
from immich.errors import BadRequest
from jobs.models import Step
from jobs.services import step_enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadFields:
    file_created_at: datetime
    file_modified_at: datetime
    filename: str | None = None
    is_favorite: bool = False
    visibility: str = "timeline"
    duration_ms: int | None = None
    live_photo_video_id: object | None = None
    device_asset_id: str | None = None
    device_id: str | None = None
    metadata: list | None = None


@dataclass(frozen=True)
class UploadResult:
    id: str
    duplicate: bool


def _checksum_owner_duplicate(*, owner: User, checksum: bytes) -> Asset | None:
    return Asset.objects.filter(owner=owner, library__isnull=True, checksum=checksum).only("id").first()


def asset_upload(
    *,
    owner: User,
    upload: StreamedUpload,
    sidecar: StreamedUpload | None,
    fields: UploadFields,
    quota_reserved: int = 0,
) -> UploadResult:
    """Turn a streamed upload into an asset. The partial files are stored at their paths here (renamed into place on
    the filesystem); whatever is not kept is removed by the caller's handler cleanup, so a refusal at any point
    leaves nothing on disk or in the bucket. `quota_reserved`: bytes of this upload already counted in the owner's
    usage (a resumable upload's reservation), which the asset's charge replaces; a duplicate leaves them counted."""
    original_name = fields.filename or upload.name or ""
    asset_type = media_types.asset_type_for(original_name)
    if asset_type is None:
        raise BadRequest(f"Unsupported file type {original_name}")
    if upload.size == 0:
        raise BadRequest(f"{original_name} is empty (0 bytes)")
    if sidecar is not None and not media_types.is_sidecar(sidecar.name or ""):
        raise BadRequest(f"Unsupported sidecar file type {sidecar.name}")
    if fields.live_photo_video_id:
        _check_live_photo_video(owner=owner, video_id=fields.live_photo_video_id)

    existing = _checksum_owner_duplicate(owner=owner, checksum=upload.sha1)
    if existing is not None:
        return UploadResult(id=str(existing.id), duplicate=True)

    original_path = upload_path(owner.id, upload.file_id, media_types.stored_extension(original_name))
    sidecar_path = upload_path(owner.id, sidecar.file_id, ".xmp") if sidecar else None
    # Inside a caller's transaction (a resumable upload's end) the caller commits, and answers for it.
    commits_here = not transaction.get_connection().in_atomic_block
    reached_commit = False
    try:
        # Stored before the row's transaction, which would otherwise hold the owner's quota row while a large file
        # travels to the object store; a row that does not commit takes its files with it.
        modified = fields.file_modified_at.timestamp()
        os.utime(upload.partial_path, (modified, modified))
        storage.put(upload.partial_path, original_path)
        if sidecar_path:
            storage.put(sidecar.partial_path, sidecar_path)
        with transaction.atomic():
            _charge_quota(owner=owner, size=upload.size, reserved=quota_reserved)
            asset = Asset.objects.create(
                owner=owner,
                type=asset_type,
                original_path=str(original_path),
                original_file_name=original_name,
                sidecar_path=str(sidecar_path) if sidecar_path else None,
                file_size=upload.size,
                checksum=upload.sha1,
                checksum_algorithm="sha1",
                file_created_at=fields.file_created_at,
                file_modified_at=fields.file_modified_at,
                local_date_time=fields.file_created_at,
                is_favorite=fields.is_favorite,
                visibility=fields.visibility,
                duration_ms=fields.duration_ms,
                live_photo_video_id=fields.live_photo_video_id,
                device_asset_id=fields.device_asset_id,
                device_id=fields.device_id,
                client_metadata=fields.metadata or [],
            )
            AssetExif.objects.create(asset=asset, file_size_in_byte=upload.size)
            if fields.live_photo_video_id:
                # The motion part of a live photo leaves the timeline (an archived one stays archived, as Immich).
                hidden = Asset.objects.filter(pk=fields.live_photo_video_id, visibility=Visibility.TIMELINE).update(
                    visibility=Visibility.HIDDEN, updated_at=timezone.now()
                )
                if hidden:  # an app that was told of the video drops it
                    live_events.send_to_user("on_asset_hidden", owner.id, str(fields.live_photo_video_id))
            step_enqueue_on_commit(asset_id=asset.id, step=Step.METADATA)
            reached_commit = commits_here
    except IntegrityError:
        # A concurrent upload of the same file by the same owner won the unique index.
        storage.delete(original_path, sidecar_path)
        existing = _checksum_owner_duplicate(owner=owner, checksum=upload.sha1)
        if existing is None:
            raise
        return UploadResult(id=str(existing.id), duplicate=True)
    except BaseException as error:
        if not commits_here and not isinstance(error, BadRequest):
            raise  # failed in the caller's transaction (a resumable upload's end): the caller keeps the file for a retry
        if not (
            reached_commit
            and saved_after_all(
                error, rows=Asset.objects.filter(pk=asset.id), what=f"asset {asset.id} ({original_path})"
            )
        ):
            # The row was rolled back: the stored files must go too (the partial ones are the caller's to remove).
            storage.delete(original_path, sidecar_path)
            raise
    return UploadResult(id=str(asset.id), duplicate=False)


def _check_live_photo_video(*, owner: User, video_id) -> None:
    """Immich's refusals of a still's `livePhotoVideoId`; another user's asset is "not found", like a missing one."""
    video_type = (
        Asset.objects.filter(pk=video_id, owner=owner)
        .exclude(status=AssetStatus.DELETED)
        .values_list("type", flat=True)
        .first()
    )
    if video_type is None:
        raise BadRequest("Live photo video not found")
    if video_type != AssetType.VIDEO:
        raise BadRequest("Live photo video must be a video")


def saved_after_all(error: BaseException, *, rows, what: str) -> bool:
    """Whether a transaction that raised `error` at or after its COMMIT is saved all the same (before the COMMIT it
    was rolled back): the answer may have been lost with the connection (a restart, a network cut) after the server
    applied it, or an on-commit hook failed (the broker down). `rows`, made only by that transaction, are looked for
    on a fresh connection. True: go on as if it had answered; False: undo what it put on disk. Where the database
    cannot say, or this process is being stopped, `error` is raised again here and whatever it placed stays."""
    connection.close()
    try:
        saved = rows.exists()
    except DatabaseError:
        saved = None
    if saved is None:
        logger.error("%s may be saved (its commit failed: %s); its files stay", what, error)
    if saved is None or (saved and not isinstance(error, Exception)):
        raise error
    if saved:
        logger.warning("%s was saved although its commit reported: %s", what, error)
    return saved


def _charge_quota(*, owner: User, size: int, reserved: int = 0) -> None:
    users = User.objects.filter(pk=owner.pk)
    if owner.quota_size_in_bytes is not None:
        users = users.filter(quota_usage_in_bytes__lte=owner.quota_size_in_bytes - size + reserved)
    if not users.update(quota_usage_in_bytes=Greatest(F("quota_usage_in_bytes") + size - reserved, Value(size))):
        raise BadRequest("Quota has been exceeded!")

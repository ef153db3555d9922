"""Resumable uploads (tus 1.0): create, append, finish, terminate and expire.

Bytes are appended to a staging file `<media>/upload/<owner>/<xx>/<yy>/<id>.part`, the very folder and name a
plain upload streams to (with the S3 backend: that path under this API machine's scratch folder), while the row
keeps the running SHA-1 of exactly the bytes acknowledged so far (`assets.uploads.resumable_sha1`): the staged file is never
read back. When the last byte arrives the file goes through `assets.uploads.services.asset_upload` like a plain upload (same
duplicate rules, quota, stored in place: renamed without a copy on the filesystem, put to its key with S3, mtime,
pipeline). The database row is the truth: bytes past its `offset` (a writer that crashed mid-chunk) are cut off
by the next append. Chunks are not fsynced, as plain uploads are not: a machine crash that loses acknowledged
bytes from the page cache is detected (the file is shorter than the offset) and ends that upload with 410.

Only one request writes to an upload at a time: it holds an exclusive `flock` on the staging file while it
streams (across threads and processes), so a second one is answered 423 at once, and it reads the row only once
it holds that lock. The row is written in short statements, never while bytes travel over the network: a chunk
commits with one conditional UPDATE (only if the offset is still the one it started from), finishing and removal
lock the row (`select_for_update`) for their transaction. A transaction held open for a whole chunk would keep a
database connection "idle in transaction" for minutes, and on the embedded SQLite database block every other
writer of the server.

Staging space counts against the owner's quota: `Upload-Length` is added to their usage at creation (refused
past the quota) and given back when the upload finishes (where the asset is charged instead, in the same
transaction), is terminated, or expires.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from assets import media_types
from assets.models import TusUpload
from assets.uploads.handler import PARTIAL_SUFFIX, StreamedUpload, upload_path
from assets.uploads.resumable_sha1 import ResumableSha1
from assets.uploads.services import UploadFields, asset_upload, saved_after_all
from immich import storage
from immich.errors import ApplicationError, BadRequest
from workers.media.fs import write_fully

logger = logging.getLogger(__name__)

PIECE = 1024 * 1024  # bytes read from the request and written per step: memory stays flat whatever the chunk size
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}


class TusError(ApplicationError):
    """A refusal with its HTTP status (some, like 460 Checksum Mismatch, exist only in tus); the tus views answer it
    in tus's way."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class ChunkChecksum:
    algorithm: str
    digest: bytes


def _expiry() -> datetime:
    return timezone.now() + timedelta(hours=settings.TUS_EXPIRY_HOURS)


def _fields_to_json(fields: UploadFields) -> dict:
    data = dataclasses.asdict(fields)
    data["file_created_at"] = fields.file_created_at.isoformat()
    data["file_modified_at"] = fields.file_modified_at.isoformat()
    if fields.live_photo_video_id is not None:
        data["live_photo_video_id"] = str(fields.live_photo_video_id)
    return data


def _fields_from_json(data: dict) -> UploadFields:
    known = {field.name for field in dataclasses.fields(UploadFields)}
    values = {key: value for key, value in data.items() if key in known}
    values["file_created_at"] = datetime.fromisoformat(values["file_created_at"])
    values["file_modified_at"] = datetime.fromisoformat(values["file_modified_at"])
    return UploadFields(**values)


# ---------------------------------------------------------------------------------------------- quota


def _reserve_quota(*, owner: User, size: int) -> None:
    users = User.objects.filter(pk=owner.pk)
    if owner.quota_size_in_bytes is not None:
        users = users.filter(quota_usage_in_bytes__lte=owner.quota_size_in_bytes - size)
    if not users.update(quota_usage_in_bytes=F("quota_usage_in_bytes") + size):
        raise TusError(413, "Quota has been exceeded!")


def _release_quota(upload: TusUpload) -> None:
    """Give back what the upload reserved; call on a row locked in the current transaction, then save it."""
    if upload.reserved_bytes:
        User.objects.filter(pk=upload.owner_id).update(
            quota_usage_in_bytes=Greatest(F("quota_usage_in_bytes") - upload.reserved_bytes, Value(0))
        )
        upload.reserved_bytes = 0


# ---------------------------------------------------------------------------------------------- reads


def tus_upload_get(*, owner: User, upload_id: uuid.UUID) -> TusUpload:
    """The owner's upload; another user's, a removed one and an unknown id are all 404, an expired one 410."""
    upload = TusUpload.objects.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise TusError(404, "Upload not found")
    if not upload.is_complete and upload.expires_at <= timezone.now():
        raise TusError(410, "Upload expired: start a new one")
    return upload


# ---------------------------------------------------------------------------------------------- create


def staging_path(*, owner_id: object, upload_id: uuid.UUID) -> Path:
    """Where an upload's bytes are staged: the folder and name a plain upload of the same file id streams to, so
    on the filesystem backend the finished file is renamed into place within its folder (with S3: this API
    machine's scratch folder, then put to its key)."""
    return storage.staging_path(upload_path(owner_id, upload_id, PARTIAL_SUFFIX))


def tus_upload_create(*, owner: User, length: int, metadata: dict[str, str], fields: UploadFields) -> TusUpload:
    if length <= 0:
        raise TusError(400, "Upload-Length must be a positive number of bytes (empty files are refused)")
    if settings.TUS_MAX_SIZE and length > settings.TUS_MAX_SIZE:
        raise TusError(413, f"Upload-Length {length} exceeds Tus-Max-Size {settings.TUS_MAX_SIZE}")
    name = fields.filename or ""
    if media_types.asset_type_for(name) is None:
        raise TusError(400, f"Unsupported file type {name}")
    upload_id = uuid.uuid4()
    staging = staging_path(owner_id=owner.id, upload_id=upload_id)
    with transaction.atomic():
        _reserve_quota(owner=owner, size=length)
        upload = TusUpload.objects.create(
            id=upload_id,
            owner=owner,
            length=length,
            metadata=metadata,
            upload_fields=_fields_to_json(fields),
            staging_path=str(staging),
            sha1_state=ResumableSha1().state(),
            reserved_bytes=length,
            expires_at=_expiry(),
        )
        staging.parent.mkdir(parents=True, exist_ok=True)
        open(staging, "xb").close()
    logger.info("tus upload %s created: %s, %d bytes, owner %s", upload.id, name, length, owner.id)
    return upload


# ---------------------------------------------------------------------------------------------- append


class StagingMissing(TusError):
    def __init__(self):
        super().__init__(410, "The staged bytes of this upload are gone: start a new upload")


@contextmanager
def _staging_locked(path: Path) -> Iterator[BinaryIO]:
    """The staging file opened for writing under an exclusive lock; 423 when another request holds it."""
    try:
        handle = open(path, "r+b", buffering=0)
    except FileNotFoundError:
        raise StagingMissing() from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TusError(423, "Another request is writing to this upload; retry when it has ended") from None
        yield handle
    finally:
        handle.close()


def tus_upload_append(
    *,
    owner: User,
    upload_id: uuid.UUID,
    offset: int,
    body: BinaryIO,
    body_length: int | None,
    checksum: ChunkChecksum | None = None,
) -> TusUpload:
    """Append one chunk at `offset`. Without a checksum, the bytes of a chunk cut short (dropped connection) are
    kept and the upload resumes after them; with one, a chunk is kept whole and verified or not at all (460)."""
    path = staging_path(owner_id=owner.id, upload_id=upload_id)
    try:
        with _staging_locked(path) as staging:
            upload = tus_upload_get(owner=owner, upload_id=upload_id)  # read under the lock: no one else writes
            return _append_locked(upload, staging=staging, offset=offset, body=body, body_length=body_length,
                                  checksum=checksum)  # fmt: skip
    except StagingMissing:
        upload = tus_upload_get(owner=owner, upload_id=upload_id)  # 404 (unknown, another user's) or 410
        if upload.is_complete:  # its file became the asset: a client repeating the last request gets the outcome
            if offset != upload.offset:
                raise TusError(
                    409, f"Upload-Offset {offset} does not match the upload's offset {upload.offset}"
                ) from None
            if body_length:
                raise TusError(413, "The upload is already complete") from None
            return upload
        tus_upload_discard(upload_id=upload_id)
        raise


def _append_locked(upload: TusUpload, *, staging, offset, body, body_length, checksum) -> TusUpload:
    if offset != upload.offset:
        raise TusError(409, f"Upload-Offset {offset} does not match the upload's offset {upload.offset}")
    remaining = upload.length - upload.offset
    if body_length is not None and body_length > remaining:
        raise TusError(413, f"The chunk ({body_length} bytes) goes past Upload-Length ({remaining} bytes left)")
    start = upload.offset
    size = os.fstat(staging.fileno()).st_size
    if size < start:
        # Acknowledged bytes are missing (the machine lost its page cache in a crash before writeback): the SHA-1
        # state cannot be rewound, so the upload cannot go on.
        raise StagingMissing()
    if size > start:
        staging.truncate(start)  # whatever a crashed writer left past the acknowledged offset
    staging.seek(start)
    hasher = ResumableSha1(upload.sha1_state)
    written = _receive(staging, body, hasher=hasher, length=body_length, limit=remaining, checksum=checksum,
                       start=start)  # fmt: skip
    if body_length is None and written == remaining and body.read(1):
        staging.truncate(start)
        raise TusError(413, "The chunk goes past Upload-Length")
    # One statement, and only if nothing changed the row meanwhile (a termination or expiry deletes it).
    upload.offset, upload.sha1_state, upload.expires_at = start + written, hasher.state(), _expiry()
    if not TusUpload.objects.filter(pk=upload.pk, offset=start).update(
        offset=upload.offset, sha1_state=upload.sha1_state, expires_at=upload.expires_at, updated_at=timezone.now()
    ):
        raise TusError(404, "Upload not found (terminated while this chunk arrived)")
    if upload.offset == upload.length:
        return _finish(upload, sha1=hasher.digest())
    return upload


def _receive(
    staging, body, *, hasher: ResumableSha1, length: int | None, limit: int, checksum: ChunkChecksum | None, start: int
) -> int:
    """Stream the chunk (`length` bytes, or up to `limit` of a chunked body) into the staging file and the
    hashers, 1 MiB at a time. (Hashing the chunk's own checksum on a side thread was tried: handing each piece
    between threads through the GIL made it slower, not faster.)"""
    chunk_hash = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
    expected = limit if length is None else length
    written = 0
    cut_short = False
    while written < expected:
        try:
            piece = body.read(min(PIECE, expected - written))
        except OSError:  # the client went away (Django's UnreadablePostError, gunicorn's NoMoreData)
            cut_short = True
            break
        if not piece:
            cut_short = length is not None  # a chunked body just ends; a sized one ending early was cut
            break
        hasher.update(piece)
        if chunk_hash is not None:
            chunk_hash.update(piece)
        try:
            write_fully(staging.write, piece)
        except OSError:
            staging.truncate(start)
            raise
        written += len(piece)
    if chunk_hash is not None:
        if cut_short:
            staging.truncate(start)
            raise TusError(400, "The chunk ended before its announced length: it cannot be verified and was discarded")
        if chunk_hash.digest() != checksum.digest:
            staging.truncate(start)
            raise TusError(460, "Checksum Mismatch: the chunk was discarded")
    return written


# ---------------------------------------------------------------------------------------------- finish


def _finish(upload: TusUpload, *, sha1: bytes) -> TusUpload:
    """The last byte is in: make the asset exactly as a plain upload does, and give the reservation back."""
    fields = _fields_from_json(upload.upload_fields)
    name = fields.filename or ""
    staging = Path(upload.staging_path)
    streamed = StreamedUpload(
        partial_path=staging, file_id=upload.id, name=name, size=upload.length, sha1=sha1,
        content_type=media_types.mime_type_for(name),
    )  # fmt: skip
    placed = upload_path(upload.owner_id, upload.id, media_types.stored_extension(name))  # where asset_upload stores it
    reached_commit = False
    try:
        with transaction.atomic():
            row = TusUpload.objects.select_for_update().get(pk=upload.pk)
            # The reservation becomes the asset's charge after the file is stored, so the owner's row is not held
            # while a large file travels to the object store.
            result = asset_upload(
                owner=row.owner, upload=streamed, sidecar=None, fields=fields, quota_reserved=row.reserved_bytes
            )
            if result.duplicate:
                _release_quota(row)
            else:
                row.reserved_bytes = 0  # now the asset's charge
            row.asset_id = result.id
            row.duplicate = result.duplicate
            row.completed_at = timezone.now()
            row.expires_at = _expiry()  # the outcome stays readable (HEAD) for a client that lost the answer
            row.save(update_fields=["reserved_bytes", "asset", "duplicate", "completed_at", "expires_at", "updated_at"])
            reached_commit = True
    except BadRequest:
        # Refused (type, quota, live photo...): nothing of it is kept.
        tus_upload_discard(upload_id=upload.id)
        raise
    except BaseException as error:
        finished = TusUpload.objects.filter(pk=upload.pk, completed_at__isnull=False)
        if not (reached_commit and saved_after_all(error, rows=finished, what=f"tus upload {upload.id}")):
            # The transaction did not commit: if the file was already stored, it becomes the staged bytes again.
            if not staging.exists() and storage.exists(placed):
                storage.retrieve(placed, staging)
            raise
    if result.duplicate:
        storage.remove_quietly(staging)
    outcome = "duplicate" if result.duplicate else "created"
    logger.info("tus upload %s finished: asset %s (%s)", row.id, result.id, outcome)
    return row


# ---------------------------------------------------------------------------------------------- terminate, expire


def tus_upload_discard(*, upload_id: uuid.UUID, expired_before: datetime | None = None) -> bool:
    """Remove an upload's row and staged bytes and give its quota reservation back. With `expired_before`, only
    if it is still expired once locked (a chunk may have just refreshed it)."""
    with transaction.atomic():
        rows = TusUpload.objects.select_for_update().filter(pk=upload_id)
        if expired_before is not None:
            rows = rows.filter(expires_at__lt=expired_before)
        upload = rows.first()
        if upload is None:
            return False
        _release_quota(upload)
        upload.delete()
    if not upload.is_complete:
        storage.remove_quietly(upload.staging_path)
    return True


def tus_upload_terminate(*, owner: User, upload_id: uuid.UUID) -> None:
    """The tus termination extension: the client gives up. A finished upload's asset stays; only the row goes."""
    if not TusUpload.objects.filter(pk=upload_id, owner=owner).exists():
        raise TusError(404, "Upload not found")
    tus_upload_discard(upload_id=upload_id)


def tus_uploads_expire(*, now: datetime | None = None) -> int:
    """Remove every upload past its expiry with its staging file; one being written to right now is skipped.
    Safe to run any number of times at once. Returns how many were removed."""
    now = now or timezone.now()
    removed = 0
    expired = TusUpload.objects.filter(expires_at__lt=now).values_list("id", "staging_path", "completed_at")
    for upload_id, path, completed_at in list(expired):
        if completed_at is not None:
            removed += tus_upload_discard(upload_id=upload_id, expired_before=now)
            continue
        try:
            with _staging_locked(Path(path)):
                removed += tus_upload_discard(upload_id=upload_id, expired_before=now)
        except StagingMissing:
            removed += tus_upload_discard(upload_id=upload_id, expired_before=now)
        except TusError:
            logger.info("tus upload %s expired but a chunk is arriving: kept for now", upload_id)
    if removed:
        logger.info("removed %d expired tus upload(s)", removed)
    return removed

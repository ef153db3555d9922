"""What each entity type of the stream reads (one SQL query over a synced or audit table, in change-key order) and how
a row becomes Immich's `data` object (SyncAssetV2, SyncAssetExifV1, ... of the 3.1 SDK)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def duration_text(milliseconds: int | None) -> str:
    """AssetV1's duration, as Immich 2.x answered it: "H:MM:SS.ffffff" ("0:00:00.00000" for stills)."""
    if not milliseconds:
        return "0:00:00.00000"
    seconds, millis = divmod(int(milliseconds), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis * 1000:06d}"


# The window every query reads: rows written by transactions older than every one of this database still running (or
# by the caller's own transaction), after the checkpoint, so that what follows an ack can never gain a row before it.
WINDOW = (
    "(t.sync_xid < %(visible_before)s OR t.sync_xid = %(own_xid)s) "
    "AND (t.sync_xid, t.sync_seq) > (%(after_xid)s, %(after_seq)s)"
)
ORDER = "ORDER BY t.sync_xid, t.sync_seq"


@dataclass(frozen=True)
class Entity:
    type: str
    sql: str  # selects sync_xid, sync_seq, then the values `data` receives
    data: Callable[[tuple], dict]
    # Streamed only once the phone has a checkpoint of this type, which bounds `%(bound_xid)s, %(bound_seq)s`
    # (AlbumAssetUpdateV2: updates of the album assets the phone already has, those up to its AlbumAssetCreateV2).
    bound_by: str | None = None
    # After the first line, a SyncAckV1 acking this type up to now (AlbumAssetCreateV2 carries the assets as they
    # are now: their earlier updates need not come again as AlbumAssetUpdateV2).
    acks_first: str | None = None


# A backfill's rows: those of one parent (`%(parent_id)s`) after `%(after_xid)s, %(after_seq)s` and up to the end
# checkpoint `%(end_xid)s, %(end_seq)s` (the later ones come with the type's upserts), in change-key order.
BACKFILL_RANGE = (
    "(t.sync_xid, t.sync_seq) > (%(after_xid)s, %(after_seq)s) "
    "AND (t.sync_xid, t.sync_seq) <= (%(end_xid)s, %(end_seq)s)"
)
# A backfill's parents (the caller's partnerships or album memberships) created in the window, from
# `%(after_xid)s, %(after_seq)s` on (included: the parent of a backfill acked part way).
CREATED_WINDOW = (
    "(t.sync_created_xid < %(visible_before)s OR t.sync_created_xid = %(own_xid)s) "
    "AND (t.sync_created_xid, t.sync_created_seq) >= (%(after_xid)s, %(after_seq)s)"
)
CREATED_ORDER = "ORDER BY t.sync_created_xid, t.sync_created_seq"


@dataclass(frozen=True)
class Backfill:
    """What a phone lacks when a partnership or an album membership is created after it synced the type `end_type`:
    the parent's rows up to that checkpoint (Immich's PartnerAssetBackfillV2, AlbumToAssetBackfillV1...). Its acks
    name the parent's creation key and the last row sent, or `complete`."""

    type: str
    end_type: str
    parents_sql: str  # selects sync_created_xid, sync_created_seq, the parent's id
    sql: str  # selects sync_xid, sync_seq, then the values `data` receives, within BACKFILL_RANGE
    data: Callable[[tuple], dict]


def _iso(value: datetime | str | None) -> str | None:
    """The stream's cursor on PostgreSQL gives the text already (selectors.UtcTimestampText); SQLite's raw rows give
    naive datetimes, stored in UTC."""
    if isinstance(value, str):
        return value
    if not value:
        return None
    return value.replace(tzinfo=value.tzinfo or UTC).isoformat().replace("+00:00", "Z")


def id_text(value) -> str | None:
    """PostgreSQL gives UUIDs; SQLite stores them as 32 hex digits."""
    if value is None:
        return None
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _base64(value) -> str | None:
    return base64.b64encode(bytes(value)).decode() if value is not None else None


_USER_COLUMNS = "t.id, t.name, t.email, t.avatar_color, t.deleted_at, t.profile_changed_at"


def _user(row: tuple) -> dict:
    user_id, name, email, avatar_color, deleted_at, profile_changed_at = row[:6]
    return {
        "id": id_text(user_id), "name": name, "email": email, "avatarColor": avatar_color, "deletedAt": _iso(deleted_at),
        "hasProfileImage": False, "profileChangedAt": _iso(profile_changed_at),
    }  # fmt: skip


def _auth_user(row: tuple) -> dict:
    is_admin, storage_label, quota_size, quota_usage = row[6:]
    return {
        **_user(row), "isAdmin": is_admin, "pinCode": None, "oauthId": "", "storageLabel": storage_label,
        "quotaSizeInBytes": quota_size, "quotaUsageInBytes": quota_usage,
    }  # fmt: skip


AUTH_USER = Entity(
    "AuthUserV1",
    f"SELECT t.sync_xid, t.sync_seq, {_USER_COLUMNS}, t.is_superuser, t.storage_label, t.quota_size_in_bytes, "
    f"t.quota_usage_in_bytes FROM accounts_user t WHERE t.id = %(user_id)s AND {WINDOW} {ORDER}",
    _auth_user,
)
USER = Entity(
    "UserV1", f"SELECT t.sync_xid, t.sync_seq, {_USER_COLUMNS} FROM accounts_user t WHERE {WINDOW} {ORDER}", _user
)
USER_DELETE = Entity(
    "UserDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.user_id FROM sync_useraudit t WHERE {WINDOW} {ORDER}",
    lambda row: {"userId": id_text(row[0])},
)

_ASSET_COLUMNS = (
    "id", "owner_id", "original_file_name", "thumbhash", "checksum", "file_created_at", "file_modified_at",
    "created_at", "local_date_time", "duration_ms", "type", "deleted_at", "is_favorite", "visibility",
    "live_photo_video_id", "library_id", "width", "height",
)  # fmt: skip


# An asset flagged NSFW reaches a viewer who hides them as archived (issue 25): the app keeps it out of its timeline.
# The stream's parameters say whether the viewer hides them and at which threshold (sync.selectors.stream_scope).
_NSFW_FLAGGED = (
    "EXISTS (SELECT 1 FROM nsfw_assetnsfw n WHERE n.asset_id = {alias}.id AND (n.override = TRUE OR "
    "(n.override IS NULL AND n.score >= %(nsfw_threshold)s)))"
)


def _column(alias: str, column: str) -> str:
    if column != "visibility":
        return f"{alias}.{column}"
    flagged = _NSFW_FLAGGED.format(alias=alias)
    return (
        f"CASE WHEN {alias}.visibility = 'timeline' AND %(nsfw_hide)s AND {flagged} THEN 'archive' "
        f"ELSE {alias}.visibility END"
    )


def asset_columns(alias: str) -> str:
    """The columns `asset_data` reads, of the assets_asset row named `alias`, then the id of its stack (an asset
    joining or leaving a stack gets a new change key: sync/migrations/0007_stacks.py)."""
    stack = f"(SELECT member.stack_id FROM stacks_stackasset member WHERE member.asset_id = {alias}.id)"
    return ", ".join([*(_column(alias, column) for column in _ASSET_COLUMNS), stack])


_ASSET_SQL = (
    f"SELECT t.sync_xid, t.sync_seq, {asset_columns('t')} "
    f"FROM assets_asset t WHERE t.owner_id = %(user_id)s AND t.status <> 'deleted' AND {WINDOW} {ORDER}"
)


def asset_data(row: tuple, duration) -> dict:
    (asset_id, owner_id, file_name, thumbhash, checksum, file_created_at, file_modified_at, created_at,
     local_date_time, duration_ms, asset_type, deleted_at, is_favorite, visibility, live_photo_video_id, library_id,
     width, height, stack_id) = row  # fmt: skip
    return {
        "id": id_text(asset_id), "ownerId": id_text(owner_id), "originalFileName": file_name, "thumbhash": _base64(thumbhash),
        "checksum": _base64(checksum), "fileCreatedAt": _iso(file_created_at), "fileModifiedAt": _iso(file_modified_at),
        "createdAt": _iso(created_at), "localDateTime": _iso(local_date_time), "duration": duration(duration_ms),
        "type": asset_type, "deletedAt": _iso(deleted_at), "isFavorite": is_favorite, "visibility": visibility,
        "livePhotoVideoId": id_text(live_photo_video_id), "stackId": id_text(stack_id),
        "libraryId": id_text(library_id), "width": width, "height": height, "isEdited": False,
    }  # fmt: skip


def asset_v1(row: tuple) -> dict:
    return asset_data(row, duration_text)


def asset_v2(row: tuple) -> dict:
    return asset_data(row, lambda milliseconds: milliseconds)


ASSET_V1 = Entity("AssetV1", _ASSET_SQL, asset_v1)
ASSET_V2 = Entity("AssetV2", _ASSET_SQL, asset_v2)
ASSET_DELETE = Entity(
    "AssetDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.asset_id FROM sync_assetaudit t "
    f"WHERE t.owner_id = %(user_id)s AND NOT t.partners_only AND {WINDOW} {ORDER}",
    lambda row: {"assetId": id_text(row[0])},
)

_EXIF_FIELDS = {
    "description": "description", "exifImageWidth": "exif_image_width", "exifImageHeight": "exif_image_height",
    "fileSizeInByte": "file_size_in_byte", "orientation": "orientation", "dateTimeOriginal": "date_time_original",
    "modifyDate": "modify_date", "timeZone": "time_zone", "latitude": "latitude", "longitude": "longitude",
    "projectionType": "projection_type", "city": "city", "state": "state", "country": "country", "make": "make",
    "model": "model", "lensModel": "lens_model", "fNumber": "f_number", "focalLength": "focal_length", "iso": "iso",
    "exposureTime": "exposure_time", "profileDescription": "profile_description", "rating": "rating", "fps": "fps",
}  # fmt: skip
_EXIF_DATES = {"dateTimeOriginal", "modifyDate"}


def exif_columns(alias: str) -> str:
    """The columns `exif_data` reads, of the assets_assetexif row named `alias`."""
    return ", ".join(f"{alias}.{column}" for column in ("asset_id", *_EXIF_FIELDS.values()))


def exif_data(row: tuple) -> dict:
    data: dict[str, Any] = {"assetId": id_text(row[0])}
    for name, value in zip(_EXIF_FIELDS, row[1:]):
        data[name] = _iso(value) if name in _EXIF_DATES else value
    return data


ASSET_EXIF = Entity(
    "AssetExifV1",
    f"SELECT t.sync_xid, t.sync_seq, {exif_columns('t')} "
    "FROM assets_assetexif t JOIN assets_asset asset ON asset.id = t.asset_id "
    f"WHERE asset.owner_id = %(user_id)s AND asset.status <> 'deleted' AND {WINDOW} {ORDER}",
    exif_data,
)

# Immich keeps a user's preferences as user metadata under the key `preferences`: the changes from the defaults.
USER_METADATA = Entity(
    "UserMetadataV1",
    "SELECT t.sync_xid, t.sync_seq, t.user_id, CAST(t.changes AS text) FROM accounts_userpreferences t "
    f"WHERE t.user_id = %(user_id)s AND {WINDOW} {ORDER}",
    lambda row: {"userId": id_text(row[0]), "key": "preferences", "value": json.loads(row[1])},
)

_PERSON_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.created_at, t.updated_at, t.owner_id, t.name, t.birth_date, t.is_hidden, "
    "face.asset_id FROM people_person t LEFT JOIN people_assetface face ON face.id = t.feature_face_id "
    f"WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}"
)


def _person(row: tuple) -> dict:
    person_id, created_at, updated_at, owner_id, name, birth_date, is_hidden, face_asset_id = row
    return {
        "id": id_text(person_id), "createdAt": _iso(created_at), "updatedAt": _iso(updated_at), "ownerId": id_text(owner_id),
        "name": name, "birthDate": birth_date.isoformat() if birth_date else None, "isHidden": is_hidden,
        "isFavorite": False, "color": None, "faceAssetId": id_text(face_asset_id),
    }  # fmt: skip


PERSON = Entity("PersonV1", _PERSON_SQL, _person)
PERSON_DELETE = Entity(
    "PersonDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.person_id FROM sync_personaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    lambda row: {"personId": id_text(row[0])},
)

_FACE_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.asset_id, t.person_id, t.image_width, t.image_height, t.x1, t.y1, t.x2, "
    "t.y2 FROM people_assetface t JOIN assets_asset asset ON asset.id = t.asset_id "
    f"WHERE asset.owner_id = %(user_id)s AND asset.status <> 'deleted' AND {WINDOW} {ORDER}"
)


def _face_v1(row: tuple) -> dict:
    """Our boxes are fractions of the displayed image; Immich's are pixels of it. Faces here come from the file's
    metadata regions: Immich's source type `exif`."""
    face_id, asset_id, person_id, width, height, x1, y1, x2, y2 = row
    return {
        "id": id_text(face_id), "assetId": id_text(asset_id), "personId": id_text(person_id),
        "imageWidth": width, "imageHeight": height, "boundingBoxX1": round(x1 * width),
        "boundingBoxY1": round(y1 * height), "boundingBoxX2": round(x2 * width), "boundingBoxY2": round(y2 * height),
        "sourceType": "exif",
    }  # fmt: skip


FACE_V1 = Entity("AssetFaceV1", _FACE_SQL, _face_v1)
FACE_V2 = Entity("AssetFaceV2", _FACE_SQL, lambda row: {**_face_v1(row), "deletedAt": None, "isVisible": True})
FACE_DELETE = Entity(
    "AssetFaceDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.face_id FROM sync_assetfaceaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    lambda row: {"assetFaceId": id_text(row[0])},
)

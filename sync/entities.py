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


def _iso(value: datetime | str | None) -> str | None:
    """The stream's cursor on PostgreSQL gives the text already (selectors.UtcTimestampText); SQLite's raw rows give
    naive datetimes, stored in UTC."""
    if isinstance(value, str):
        return value
    if not value:
        return None
    return value.replace(tzinfo=value.tzinfo or UTC).isoformat().replace("+00:00", "Z")


def _id(value) -> str | None:
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
        "id": _id(user_id), "name": name, "email": email, "avatarColor": avatar_color, "deletedAt": _iso(deleted_at),
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
    lambda row: {"userId": _id(row[0])},
)

_ASSET_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.owner_id, t.original_file_name, t.thumbhash, t.checksum, "
    "t.file_created_at, t.file_modified_at, t.created_at, t.local_date_time, t.duration_ms, t.type, t.deleted_at, "
    "t.is_favorite, t.visibility, t.live_photo_video_id, t.library_id, t.width, t.height "
    f"FROM assets_asset t WHERE t.owner_id = %(user_id)s AND t.status <> 'deleted' AND {WINDOW} {ORDER}"
)


def _asset(row: tuple, duration) -> dict:
    (asset_id, owner_id, file_name, thumbhash, checksum, file_created_at, file_modified_at, created_at,
     local_date_time, duration_ms, asset_type, deleted_at, is_favorite, visibility, live_photo_video_id, library_id,
     width, height) = row  # fmt: skip
    return {
        "id": _id(asset_id), "ownerId": _id(owner_id), "originalFileName": file_name, "thumbhash": _base64(thumbhash),
        "checksum": _base64(checksum), "fileCreatedAt": _iso(file_created_at), "fileModifiedAt": _iso(file_modified_at),
        "createdAt": _iso(created_at), "localDateTime": _iso(local_date_time), "duration": duration(duration_ms),
        "type": asset_type, "deletedAt": _iso(deleted_at), "isFavorite": is_favorite, "visibility": visibility,
        "livePhotoVideoId": _id(live_photo_video_id), "stackId": None,
        "libraryId": _id(library_id), "width": width, "height": height, "isEdited": False,
    }  # fmt: skip


ASSET_V1 = Entity("AssetV1", _ASSET_SQL, lambda row: _asset(row, duration_text))
ASSET_V2 = Entity("AssetV2", _ASSET_SQL, lambda row: _asset(row, lambda milliseconds: milliseconds))
ASSET_DELETE = Entity(
    "AssetDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.asset_id FROM sync_assetaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    lambda row: {"assetId": _id(row[0])},
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


def _exif(row: tuple) -> dict:
    data: dict[str, Any] = {"assetId": _id(row[0])}
    for name, value in zip(_EXIF_FIELDS, row[1:]):
        data[name] = _iso(value) if name in _EXIF_DATES else value
    return data


ASSET_EXIF = Entity(
    "AssetExifV1",
    f"SELECT t.sync_xid, t.sync_seq, t.asset_id, {', '.join('t.' + column for column in _EXIF_FIELDS.values())} "
    "FROM assets_assetexif t JOIN assets_asset asset ON asset.id = t.asset_id "
    f"WHERE asset.owner_id = %(user_id)s AND asset.status <> 'deleted' AND {WINDOW} {ORDER}",
    _exif,
)

_ALBUM_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.owner_id, t.album_name, t.description, t.created_at, t.updated_at, "
    't.album_thumbnail_asset_id, t.is_activity_enabled, t."order" '
    f"FROM assets_album t WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}"
)


def _album_v2(row: tuple) -> dict:
    album_id, _, name, description, created_at, updated_at, thumbnail_id, is_activity_enabled, order = row
    return {
        "id": _id(album_id), "name": name, "description": description, "createdAt": _iso(created_at),
        "updatedAt": _iso(updated_at), "thumbnailAssetId": _id(thumbnail_id),
        "isActivityEnabled": is_activity_enabled, "order": order,
    }  # fmt: skip


ALBUM_V1 = Entity("AlbumV1", _ALBUM_SQL, lambda row: {**_album_v2(row), "ownerId": _id(row[1])})
ALBUM_V2 = Entity("AlbumV2", _ALBUM_SQL, _album_v2)
# 3.x apps learn an album's owner from its album users (AlbumV2 has no ownerId): the owner is listed with role owner.
ALBUM_OWNER = Entity(
    "AlbumUserV1", _ALBUM_SQL, lambda row: {"albumId": _id(row[0]), "userId": _id(row[1]), "role": "owner"}
)
ALBUM_DELETE = Entity(
    "AlbumDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.album_id FROM sync_albumaudit t WHERE t.user_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    lambda row: {"albumId": _id(row[0])},
)
ALBUM_TO_ASSET = Entity(
    "AlbumToAssetV1",
    "SELECT t.sync_xid, t.sync_seq, t.album_id, t.asset_id FROM assets_albumasset t "
    f"JOIN assets_album album ON album.id = t.album_id WHERE album.owner_id = %(user_id)s AND {WINDOW} {ORDER}",
    lambda row: {"albumId": _id(row[0]), "assetId": _id(row[1])},
)
ALBUM_TO_ASSET_DELETE = Entity(
    "AlbumToAssetDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.album_id, t.asset_id FROM sync_albumassetaudit t "
    f"WHERE t.user_id = %(user_id)s AND {WINDOW} {ORDER}",
    lambda row: {"albumId": _id(row[0]), "assetId": _id(row[1])},
)

# Immich keeps a user's preferences as user metadata under the key `preferences`: the changes from the defaults.
USER_METADATA = Entity(
    "UserMetadataV1",
    "SELECT t.sync_xid, t.sync_seq, t.user_id, CAST(t.changes AS text) FROM accounts_userpreferences t "
    f"WHERE t.user_id = %(user_id)s AND {WINDOW} {ORDER}",
    lambda row: {"userId": _id(row[0]), "key": "preferences", "value": json.loads(row[1])},
)

_PERSON_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.created_at, t.updated_at, t.owner_id, t.name, t.birth_date, t.is_hidden, "
    "face.asset_id FROM people_person t LEFT JOIN people_assetface face ON face.id = t.feature_face_id "
    f"WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}"
)


def _person(row: tuple) -> dict:
    person_id, created_at, updated_at, owner_id, name, birth_date, is_hidden, face_asset_id = row
    return {
        "id": _id(person_id), "createdAt": _iso(created_at), "updatedAt": _iso(updated_at), "ownerId": _id(owner_id),
        "name": name, "birthDate": birth_date.isoformat() if birth_date else None, "isHidden": is_hidden,
        "isFavorite": False, "color": None, "faceAssetId": _id(face_asset_id),
    }  # fmt: skip


PERSON = Entity("PersonV1", _PERSON_SQL, _person)
PERSON_DELETE = Entity(
    "PersonDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.person_id FROM sync_personaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    lambda row: {"personId": _id(row[0])},
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
        "id": _id(face_id), "assetId": _id(asset_id), "personId": _id(person_id),
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
    lambda row: {"assetFaceId": _id(row[0])},
)

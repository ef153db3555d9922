"""What each entity type of the stream reads (one SQL query over a synced or audit table, in change-key order) and the
shape of its `data` object (immich/json_shapes.py: SyncAssetV2, SyncAssetExifV1, ... of the 3.1 SDK)."""

from __future__ import annotations

from dataclasses import dataclass

from immich.json_shapes import Field, Kind, Shape, constant, shape

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
    sql: str  # selects sync_xid, sync_seq, then the columns `shape` reads
    shape: Shape
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
    sql: str  # selects sync_xid, sync_seq, then the columns `shape` reads, within BACKFILL_RANGE
    shape: Shape


ID, INSTANT = Kind.ID, Kind.INSTANT
_USER_COLUMNS = "t.id, t.name, t.email, t.avatar_color, t.deleted_at, t.profile_changed_at"
_USER = shape(
    Field("id", ID), "name", "email", "avatarColor", Field("deletedAt", INSTANT), constant("hasProfileImage", False),
    Field("profileChangedAt", INSTANT),
)  # fmt: skip
_AUTH_USER = _USER + shape(
    "isAdmin", constant("pinCode", None), constant("oauthId", ""), "storageLabel", "quotaSizeInBytes",
    "quotaUsageInBytes",
)  # fmt: skip

AUTH_USER = Entity(
    "AuthUserV1",
    f"SELECT t.sync_xid, t.sync_seq, {_USER_COLUMNS}, t.is_superuser, t.storage_label, t.quota_size_in_bytes, "
    f"t.quota_usage_in_bytes FROM accounts_user t WHERE t.id = %(user_id)s AND {WINDOW} {ORDER}",
    _AUTH_USER,
)
USER = Entity(
    "UserV1", f"SELECT t.sync_xid, t.sync_seq, {_USER_COLUMNS} FROM accounts_user t WHERE {WINDOW} {ORDER}", _USER
)
USER_DELETE = Entity(
    "UserDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.user_id FROM sync_useraudit t WHERE {WINDOW} {ORDER}",
    shape(Field("userId", ID)),
)

# An asset flagged NSFW reaches a viewer who hides them as archived (issue 25): the app keeps it out of its timeline.
# The stream's parameters say whether the viewer hides them and at which threshold (sync.selectors.stream_scope).
_NSFW_FLAGGED = (
    "EXISTS (SELECT 1 FROM nsfw_assetnsfw n WHERE n.asset_id = {alias}.id AND (n.override = TRUE OR "
    "(n.override IS NULL AND n.score >= %(nsfw_threshold)s)))"
)


def _visibility(alias: str) -> str:
    flagged = _NSFW_FLAGGED.format(alias=alias)
    return (
        f"CASE WHEN {alias}.visibility = 'timeline' AND %(nsfw_hide)s AND {flagged} THEN 'archive' "
        f"ELSE {alias}.visibility END"
    )


def asset_columns(alias: str) -> str:
    """The columns of an asset's shape, of the assets_asset row named `alias`, its stack's id included (an asset
    joining or leaving a stack gets a new change key: sync/migrations/0007_stacks.py)."""
    stack = f"(SELECT member.stack_id FROM stacks_stackasset member WHERE member.asset_id = {alias}.id)"
    return ", ".join([
        *(f"{alias}.{column}" for column in (
            "id", "owner_id", "original_file_name", "thumbhash", "checksum", "file_created_at", "file_modified_at",
            "created_at", "local_date_time", "duration_ms", "type", "deleted_at", "is_favorite",
        )),
        _visibility(alias), f"{alias}.live_photo_video_id", stack, f"{alias}.library_id", f"{alias}.width",
        f"{alias}.height",
    ])  # fmt: skip


def _asset(duration: Kind) -> Shape:
    return shape(
        Field("id", ID), Field("ownerId", ID), "originalFileName", Field("thumbhash", Kind.BASE64),
        Field("checksum", Kind.BASE64), Field("fileCreatedAt", INSTANT), Field("fileModifiedAt", INSTANT),
        Field("createdAt", INSTANT), Field("localDateTime", INSTANT), Field("duration", duration), "type",
        Field("deletedAt", INSTANT), "isFavorite", "visibility", Field("livePhotoVideoId", ID), Field("stackId", ID),
        Field("libraryId", ID), "width", "height", constant("isEdited", False),
    )  # fmt: skip


ASSET_V1_SHAPE = _asset(Kind.DURATION_TEXT)
ASSET_V2_SHAPE = _asset(Kind.VALUE)  # milliseconds, a number in 3.1

_ASSET_SQL = (
    f"SELECT t.sync_xid, t.sync_seq, {asset_columns('t')} "
    f"FROM assets_asset t WHERE t.owner_id = %(user_id)s AND t.status <> 'deleted' AND {WINDOW} {ORDER}"
)
ASSET_V1 = Entity("AssetV1", _ASSET_SQL, ASSET_V1_SHAPE)
ASSET_V2 = Entity("AssetV2", _ASSET_SQL, ASSET_V2_SHAPE)
ASSET_DELETE = Entity(
    "AssetDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.asset_id FROM sync_assetaudit t "
    f"WHERE t.owner_id = %(user_id)s AND NOT t.partners_only AND {WINDOW} {ORDER}",
    shape(Field("assetId", ID)),
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
EXIF_SHAPE = shape(
    Field("assetId", ID), *(Field(name, INSTANT if name in _EXIF_DATES else Kind.VALUE) for name in _EXIF_FIELDS)
)


def exif_columns(alias: str) -> str:
    """The columns of EXIF_SHAPE, of the assets_assetexif row named `alias`."""
    return ", ".join(f"{alias}.{column}" for column in ("asset_id", *_EXIF_FIELDS.values()))


ASSET_EXIF = Entity(
    "AssetExifV1",
    f"SELECT t.sync_xid, t.sync_seq, {exif_columns('t')} "
    "FROM assets_assetexif t JOIN assets_asset asset ON asset.id = t.asset_id "
    f"WHERE asset.owner_id = %(user_id)s AND asset.status <> 'deleted' AND {WINDOW} {ORDER}",
    EXIF_SHAPE,
)

# Immich keeps a user's preferences as user metadata under the key `preferences`: the changes from the defaults.
USER_METADATA = Entity(
    "UserMetadataV1",
    "SELECT t.sync_xid, t.sync_seq, t.user_id, CAST(t.changes AS text) FROM accounts_userpreferences t "
    f"WHERE t.user_id = %(user_id)s AND {WINDOW} {ORDER}",
    shape(Field("userId", ID), constant("key", "preferences"), Field("value", Kind.JSON)),
)

PERSON = Entity(
    "PersonV1",
    "SELECT t.sync_xid, t.sync_seq, t.id, t.created_at, t.updated_at, t.owner_id, t.name, t.birth_date, t.is_hidden, "
    "face.asset_id FROM people_person t LEFT JOIN people_assetface face ON face.id = t.feature_face_id "
    f"WHERE t.owner_id = %(user_id)s AND {WINDOW} {ORDER}",
    shape(
        Field("id", ID), Field("createdAt", INSTANT), Field("updatedAt", INSTANT), Field("ownerId", ID), "name",
        Field("birthDate", Kind.DAY), "isHidden", constant("isFavorite", False), constant("color", None),
        Field("faceAssetId", ID),
    ),
)  # fmt: skip
PERSON_DELETE = Entity(
    "PersonDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.person_id FROM sync_personaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    shape(Field("personId", ID)),
)

# Our boxes are fractions of the displayed image; Immich's are pixels of it. Faces here come from the file's metadata
# regions: Immich's source type `exif`.
_FACE_SQL = (
    "SELECT t.sync_xid, t.sync_seq, t.id, t.asset_id, t.person_id, t.image_width, t.image_height, "
    "t.x1 * t.image_width, t.y1 * t.image_height, t.x2 * t.image_width, t.y2 * t.image_height "
    "FROM people_assetface t JOIN assets_asset asset ON asset.id = t.asset_id "
    f"WHERE asset.owner_id = %(user_id)s AND asset.status <> 'deleted' AND {WINDOW} {ORDER}"
)
_FACE_V1 = shape(
    Field("id", ID), Field("assetId", ID), Field("personId", ID), "imageWidth", "imageHeight",
    Field("boundingBoxX1", Kind.ROUNDED), Field("boundingBoxY1", Kind.ROUNDED), Field("boundingBoxX2", Kind.ROUNDED),
    Field("boundingBoxY2", Kind.ROUNDED), constant("sourceType", "exif"),
)  # fmt: skip
FACE_V1 = Entity("AssetFaceV1", _FACE_SQL, _FACE_V1)
FACE_V2 = Entity("AssetFaceV2", _FACE_SQL, _FACE_V1 + shape(constant("deletedAt", None), constant("isVisible", True)))
FACE_DELETE = Entity(
    "AssetFaceDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.face_id FROM sync_assetfaceaudit t WHERE t.owner_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    shape(Field("assetFaceId", ID)),
)

"""The entity types of albums, owned or shared with the caller (Immich's SyncAlbumV2, SyncAlbumUserV1, album-asset
links, and the assets of those albums that are not the caller's own, with their EXIF), with the backfill of an album
the caller is added to after the phone's last sync."""

from __future__ import annotations

from immich.json_shapes import Field, Kind, Shape, shape
from sync.entities import ASSET_V1_SHAPE as ASSET_V1
from sync.entities import ASSET_V2_SHAPE as ASSET_V2
from sync.entities import (
    BACKFILL_RANGE,
    CREATED_ORDER,
    CREATED_WINDOW,
    ORDER,
    WINDOW,
    Backfill,
    Entity,
    asset_columns,
    exif_columns,
)
from sync.entities import EXIF_SHAPE as EXIF

ID = Kind.ID

# The albums the caller owns or is a member of.
ALBUMS_OF_CALLER = (
    "(SELECT a.id FROM assets_album a WHERE a.owner_id = %(user_id)s "
    "UNION SELECT m.album_id FROM albums_albumuser m WHERE m.user_id = %(user_id)s)"
)
# The caller's memberships, by creation: the parents of the backfills (the albums the caller owns need none: all their
# rows come with the upserts, from the album's creation on).
_MEMBERSHIPS_CREATED = (
    "SELECT t.sync_created_xid, t.sync_created_seq, t.album_id FROM albums_albumuser t "
    f"WHERE t.user_id = %(user_id)s AND {CREATED_WINDOW} {CREATED_ORDER}"
)


def _album_sql(owner: str) -> str:
    return (
        "SELECT t.sync_xid, t.sync_seq, t.id, t.album_name, t.description, t.created_at, t.updated_at, "
        f't.album_thumbnail_asset_id, t.is_activity_enabled, t."order"{owner} FROM assets_album t '
        "WHERE (t.owner_id = %(user_id)s OR t.id IN (SELECT m.album_id FROM albums_albumuser m "
        f"WHERE m.user_id = %(user_id)s)) AND {WINDOW} {ORDER}"
    )


_ALBUM_V2 = shape(
    Field("id", ID), "name", "description", Field("createdAt", Kind.INSTANT), Field("updatedAt", Kind.INSTANT),
    Field("thumbnailAssetId", ID), "isActivityEnabled", "order",
)  # fmt: skip
ALBUM_V1 = Entity("AlbumV1", _album_sql(", t.owner_id"), _ALBUM_V2 + shape(Field("ownerId", ID)))
ALBUM_V2 = Entity("AlbumV2", _album_sql(""), _ALBUM_V2)
# Deleted, given away, or (for a member) left or removed from.
ALBUM_DELETE = Entity(
    "AlbumDeleteV1",
    f"SELECT t.sync_xid, t.sync_seq, t.album_id FROM sync_albumaudit t WHERE t.user_id = %(user_id)s AND {WINDOW} "
    f"{ORDER}",
    shape(Field("albumId", ID)),
)


_ALBUM_USER = shape(Field("albumId", ID), Field("userId", ID), "role")

_MEMBERS = "SELECT t.sync_xid, t.sync_seq, t.album_id, t.user_id, t.role FROM albums_albumuser t WHERE "
# 3.x apps learn an album's owner from its album users (AlbumV2 has no ownerId): the owner is listed with role owner,
# keyed by the album row (which a new member re-keys, so that the member receives it too).
_MEMBERS_AND_OWNERS = (
    "SELECT t.sync_xid, t.sync_seq, t.album_id, t.user_id, t.role FROM ("
    "SELECT m.sync_xid, m.sync_seq, m.album_id, m.user_id, m.role FROM albums_albumuser m UNION ALL "
    "SELECT a.sync_xid, a.sync_seq, a.id, a.owner_id, 'owner' FROM assets_album a) t WHERE "
)


def _album_users(select: str) -> tuple[Backfill, Entity]:
    return (
        Backfill(
            "AlbumUserBackfillV1", "AlbumUserV1", _MEMBERSHIPS_CREATED,
            f"{select} t.album_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}", _ALBUM_USER,
        ),
        Entity("AlbumUserV1", f"{select} t.album_id IN {ALBUMS_OF_CALLER} AND {WINDOW} {ORDER}", _ALBUM_USER),
    )  # fmt: skip


ALBUM_USER_DELETE = Entity(
    "AlbumUserDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.album_id, t.user_id FROM sync_albumuseraudit t "
    f"WHERE t.album_id IN {ALBUMS_OF_CALLER} AND {WINDOW} {ORDER}",
    shape(Field("albumId", ID), Field("userId", ID)),
)
ALBUM_MEMBERS = (ALBUM_USER_DELETE, *_album_users(_MEMBERS))
ALBUM_MEMBERS_AND_OWNERS = (ALBUM_USER_DELETE, *_album_users(_MEMBERS_AND_OWNERS))


_LINK = shape(Field("albumId", ID), Field("assetId", ID))

_LINKS = "SELECT t.sync_xid, t.sync_seq, t.album_id, t.asset_id FROM assets_albumasset t WHERE "
ALBUM_TO_ASSETS = (
    Entity(
        "AlbumToAssetDeleteV1",
        "SELECT t.sync_xid, t.sync_seq, t.album_id, t.asset_id FROM sync_albumassetaudit t "
        f"WHERE (t.user_id = %(user_id)s OR t.album_id IN {ALBUMS_OF_CALLER}) AND {WINDOW} {ORDER}",
        _LINK,
    ),
    Backfill(
        "AlbumToAssetBackfillV1", "AlbumToAssetV1", _MEMBERSHIPS_CREATED,
        f"{_LINKS} t.album_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}", _LINK,
    ),
    Entity("AlbumToAssetV1", f"{_LINKS} t.album_id IN {ALBUMS_OF_CALLER} AND {WINDOW} {ORDER}", _LINK),
)  # fmt: skip


# The assets of the caller's albums that are not the caller's own (those come as AssetV2), as Immich streams them:
# a link created brings its asset (Create; first a SyncAckV1 moving Update to now), an asset changed whose link the
# phone has comes again (Update), and an album joined brings what it held (Backfill).
def _others(alias: str) -> str:
    return f"{alias}.owner_id <> %(user_id)s AND {alias}.status <> 'deleted'"


_OTHERS = _others("a")
_KNOWN_LINKS = (
    f"(SELECT l.asset_id FROM assets_albumasset l WHERE l.album_id IN {ALBUMS_OF_CALLER} "
    "AND (l.sync_xid, l.sync_seq) <= (%(bound_xid)s, %(bound_seq)s))"
)


def _album_assets(version: str, data: Shape) -> tuple[Backfill, Entity, Entity]:
    linked = (
        f"SELECT t.sync_xid, t.sync_seq, {asset_columns('a')} FROM assets_albumasset t "
        f"JOIN assets_asset a ON a.id = t.asset_id WHERE {_OTHERS} AND "
    )
    create, update = f"AlbumAssetCreate{version}", f"AlbumAssetUpdate{version}"
    return (
        Backfill(
            f"AlbumAssetBackfill{version}", create, _MEMBERSHIPS_CREATED,
            f"{linked} t.album_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}", data,
        ),
        Entity(
            update,
            f"SELECT t.sync_xid, t.sync_seq, {asset_columns('t')} FROM assets_asset t "
            f"WHERE {_others('t')} AND t.id IN {_KNOWN_LINKS} AND {WINDOW} {ORDER}",
            data, bound_by=create,
        ),
        Entity(create, f"{linked} t.album_id IN {ALBUMS_OF_CALLER} AND {WINDOW} {ORDER}", data, acks_first=update),
    )  # fmt: skip


ALBUM_ASSETS_V1 = _album_assets("V1", ASSET_V1)
ALBUM_ASSETS_V2 = _album_assets("V2", ASSET_V2)

_LINKED_EXIFS = (
    f"SELECT t.sync_xid, t.sync_seq, {exif_columns('e')} FROM assets_albumasset t "
    f"JOIN assets_asset a ON a.id = t.asset_id JOIN assets_assetexif e ON e.asset_id = t.asset_id WHERE {_OTHERS} AND "
)
ALBUM_ASSET_EXIFS = (
    Backfill(
        "AlbumAssetExifBackfillV1", "AlbumAssetExifCreateV1", _MEMBERSHIPS_CREATED,
        f"{_LINKED_EXIFS} t.album_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}", EXIF,
    ),
    Entity(
        "AlbumAssetExifUpdateV1",
        f"SELECT t.sync_xid, t.sync_seq, {exif_columns('t')} FROM assets_assetexif t "
        f"JOIN assets_asset a ON a.id = t.asset_id WHERE {_OTHERS} AND t.asset_id IN {_KNOWN_LINKS} AND {WINDOW} {ORDER}",
        EXIF, bound_by="AlbumAssetExifCreateV1",
    ),
    Entity(
        "AlbumAssetExifCreateV1", f"{_LINKED_EXIFS} t.album_id IN {ALBUMS_OF_CALLER} AND {WINDOW} {ORDER}", EXIF,
        acks_first="AlbumAssetExifUpdateV1",
    ),
)  # fmt: skip

"""The entity types of partners (Immich's SyncPartnerV1, and a partner's assets and EXIF): what the libraries shared
with the caller hold, as partners see them (sharing/access.py: on the timeline or the video half of a live photo,
never archived, locked or trashed), with the backfill of a partnership created after the phone's last sync."""

from __future__ import annotations

from immich.json_shapes import Field, Kind, shape
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

SHARING_WITH_CALLER = "(SELECT p.shared_by_id FROM sharing_partner p WHERE p.shared_with_id = %(user_id)s)"


def _shared(alias: str) -> str:
    return (
        f"{alias}.visibility IN ('timeline', 'hidden') AND {alias}.deleted_at IS NULL AND {alias}.status <> 'deleted'"
    )


_PARTNER_IDS = shape(Field("sharedById", ID), Field("sharedWithId", ID))

PARTNER = Entity(
    "PartnerV1",
    "SELECT t.sync_xid, t.sync_seq, t.shared_by_id, t.shared_with_id, t.in_timeline FROM sharing_partner t "
    f"WHERE (t.shared_by_id = %(user_id)s OR t.shared_with_id = %(user_id)s) AND {WINDOW} {ORDER}",
    _PARTNER_IDS + shape("inTimeline"),
)
PARTNER_DELETE = Entity(
    "PartnerDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.shared_by_id, t.shared_with_id FROM sync_partneraudit t "
    f"WHERE (t.shared_by_id = %(user_id)s OR t.shared_with_id = %(user_id)s) AND {WINDOW} {ORDER}",
    _PARTNER_IDS,
)

# The partnerships whose libraries are shared with the caller, by creation: the parents of the backfills.
PARTNERS_CREATED = (
    "SELECT t.sync_created_xid, t.sync_created_seq, t.shared_by_id FROM sharing_partner t "
    f"WHERE t.shared_with_id = %(user_id)s AND {CREATED_WINDOW} {CREATED_ORDER}"
)

_ASSETS = f"SELECT t.sync_xid, t.sync_seq, {asset_columns('t')} FROM assets_asset t WHERE {_shared('t')} AND "
_PARTNER_ASSETS = f"{_ASSETS} t.owner_id IN {SHARING_WITH_CALLER} AND {WINDOW} {ORDER}"
_PARTNER_ASSETS_BACKFILL = f"{_ASSETS} t.owner_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}"

PARTNER_ASSET_V1 = Entity("PartnerAssetV1", _PARTNER_ASSETS, ASSET_V1)
PARTNER_ASSET_V2 = Entity("PartnerAssetV2", _PARTNER_ASSETS, ASSET_V2)
PARTNER_ASSET_BACKFILL_V1 = Backfill(
    "PartnerAssetBackfillV1", "PartnerAssetV1", PARTNERS_CREATED, _PARTNER_ASSETS_BACKFILL, ASSET_V1
)
PARTNER_ASSET_BACKFILL_V2 = Backfill(
    "PartnerAssetBackfillV2", "PartnerAssetV2", PARTNERS_CREATED, _PARTNER_ASSETS_BACKFILL, ASSET_V2
)
# Deleted, purged, given away, or no longer shown to partners (partners_only): it leaves the partners' phones.
PARTNER_ASSET_DELETE = Entity(
    "PartnerAssetDeleteV1",
    "SELECT t.sync_xid, t.sync_seq, t.asset_id FROM sync_assetaudit t "
    f"WHERE t.owner_id IN {SHARING_WITH_CALLER} AND {WINDOW} {ORDER}",
    shape(Field("assetId", ID)),
)

_EXIFS = (
    f"SELECT t.sync_xid, t.sync_seq, {exif_columns('t')} FROM assets_assetexif t "
    f"JOIN assets_asset asset ON asset.id = t.asset_id WHERE {_shared('asset')} AND "
)
PARTNER_ASSET_EXIF = Entity(
    "PartnerAssetExifV1", f"{_EXIFS} asset.owner_id IN {SHARING_WITH_CALLER} AND {WINDOW} {ORDER}", EXIF
)
PARTNER_ASSET_EXIF_BACKFILL = Backfill(
    "PartnerAssetExifBackfillV1",
    "PartnerAssetExifV1",
    PARTNERS_CREATED,
    f"{_EXIFS} asset.owner_id = %(parent_id)s AND {BACKFILL_RANGE} {ORDER}",
    EXIF,
)

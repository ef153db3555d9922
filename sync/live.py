"""AssetUploadReadyV2, the live event the 3.x app adds to its synced tables at once (Immich sends it with
on_upload_success once a new asset's thumbnails exist): the asset and its EXIF in the sync stream's own shapes,
SyncAssetV2 and SyncAssetExifV1, read with the stream's columns. An asset without EXIF yet is not announced this
way, as in Immich; the next sync brings it."""

from __future__ import annotations

from django.db import connection

from accounts.models import User
from immich import live_events
from nsfw.selectors import nsfw_stream_params
from sync.entities import ASSET_V2_SHAPE, EXIF_SHAPE, asset_columns, exif_columns


def asset_upload_ready(asset) -> None:
    asset_id = type(asset)._meta.pk.get_db_prep_value(asset.pk, connection)  # SQLite keeps UUIDs as hex text
    with connection.cursor() as cursor:
        # The stream's own columns, with its parameters for the owner (a flagged asset they hide comes as archived).
        params = {"asset_id": asset_id, **nsfw_stream_params(viewer=User.objects.get(pk=asset.owner_id))}
        cursor.execute(f"SELECT {asset_columns('a')} FROM assets_asset a WHERE a.id = %(asset_id)s", params)
        asset_row = cursor.fetchone()
        cursor.execute(f"SELECT {exif_columns('e')} FROM assets_assetexif e WHERE e.asset_id = %s", [asset_id])
        exif_row = cursor.fetchone()
    if asset_row is None or exif_row is None:
        return
    payload = {"asset": ASSET_V2_SHAPE.data(asset_row), "exif": EXIF_SHAPE.data(exif_row)}
    live_events.send_to_user("AssetUploadReadyV2", asset.owner_id, payload)

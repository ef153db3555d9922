"""Albums moved from the assets app to their own: the migrations change Django's state only, so an installation's
albums, their assets and their tables come through as they were, both ways."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from albums.models import Album, AlbumAsset

pytestmark = pytest.mark.slow

BEFORE_MOVE = [("assets", "0005_exif_sources_and_colour"), ("albums", None)]
AFTER_MOVE = [("assets", "0006_albums_move_to_their_app"), ("albums", "0001_initial")]
TABLES = ("assets_album", "assets_albumasset")
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    MigrationExecutor(connection).migrate(targets)
    reached = [(app, name) for app, name in targets if name is not None]
    return MigrationExecutor(connection).loader.project_state(reached).apps


def _table_ids() -> dict:
    """Each table's PostgreSQL object id: a table dropped and created again, or renamed away, would not keep it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, oid FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)])
        return dict(cursor.fetchall())


@pytest.fixture
def before_move(transactional_db):
    """The database as the migration before the move left it; put back to the latest migrations afterwards."""
    apps = _migrate(BEFORE_MOVE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _album_of_two_photos(apps):
    """An album with two photos, written through the assets app's historical models."""
    owner = apps.get_model("accounts", "User").objects.create(email="old@example.com", password="x")
    Asset = apps.get_model("assets", "Asset")
    photos = [
        Asset.objects.create(
            owner=owner,
            type="IMAGE",
            original_path=f"/media/{n}.jpg",
            original_file_name=f"{n}.jpg",
            checksum=bytes([n]) * 20,
            file_created_at=WHEN,
            file_modified_at=WHEN,
            local_date_time=WHEN,
        )
        for n in (1, 2)
    ]
    album = apps.get_model("assets", "Album").objects.create(
        owner=owner, album_name="Before the move", album_thumbnail_asset=photos[0]
    )
    AlbumAsset = apps.get_model("assets", "AlbumAsset")
    links = [AlbumAsset.objects.create(album=album, asset=photo).pk for photo in photos]
    return album.pk, owner.pk, [photo.pk for photo in photos], links


def test_albums_keep_their_rows_through_the_move(before_move):
    album_id, owner_id, photo_ids, links = _album_of_two_photos(before_move)
    _migrate(AFTER_MOVE)
    album = Album.objects.get(pk=album_id)
    assert (album.album_name, album.owner_id, album.album_thumbnail_asset_id) == (
        "Before the move",
        owner_id,
        photo_ids[0],
    )
    assert set(album.assets.values_list("id", flat=True)) == set(photo_ids)
    assert sorted(AlbumAsset.objects.filter(album=album).values_list("pk", flat=True)) == sorted(links)


def test_the_move_keeps_the_tables(before_move):
    tables = _table_ids()
    _migrate(AFTER_MOVE)
    assert _table_ids() == tables and len(tables) == 2


def test_the_content_type_follows_the_model(before_move):
    """Admin history and permissions point at the content type's id: the same row now names the albums app."""
    ContentType.objects.filter(app_label="albums", model="album").delete()
    old, _ = ContentType.objects.get_or_create(app_label="assets", model="album")
    _migrate(AFTER_MOVE)
    assert ContentType.objects.get(pk=old.pk).app_label == "albums"


def test_moving_back_keeps_the_rows(before_move):
    album_id, _, photo_ids, _ = _album_of_two_photos(before_move)
    _migrate(AFTER_MOVE)
    apps = _migrate(BEFORE_MOVE)
    album = apps.get_model("assets", "Album").objects.get(pk=album_id)
    assert set(album.assets.values_list("id", flat=True)) == set(photo_ids)

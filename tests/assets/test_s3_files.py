"""Moves, deletions and backups with the S3 backend (moto over HTTP): the storage template moves objects key to key
through its journal (server-side copy, read back and verified, switch, delete), a crash at any point of it is
finished by the next run, deleted assets lose their objects, and backups are stored and pruned in the bucket."""

import hashlib
import os
import subprocess
import sys

import psycopg
import pytest
from django.core.management import CommandError, call_command

from assets.file_moves.journal import CRASH_POINTS
from assets.file_moves.migration import storage_template_migrate
from assets.models import Asset, FileMove
from assets.services import asset_delete_files, trash_purge_expired
from immich import storage
from immich.env import REPO_ROOT
from jobs.models import Step
from jobs.services import step_run, steps_enqueue
from maintenance.backup import backups_list, read_manifest
from tests.assets.helpers import upload_photo
from tests.assets.test_storage_template_moves import make_assets, no_broker, run_killed_at, set_template  # noqa: F401
from tests.maintenance.test_backup import empty_database  # noqa: F401  (fixture)
from tests.s3 import PREFIX, stored_files

pytestmark = pytest.mark.slow


def assert_each_object_once_where_the_database_says(s3, sidecars: dict) -> None:
    """Every original and sidecar stored exactly once, intact, at the key of the path the database holds."""
    expected = set()
    for asset in Asset.objects.all():
        key = storage.key_of(asset.original_path)
        assert key.startswith("library/"), asset.original_path
        assert hashlib.sha1(s3.read(key)).digest() == bytes(asset.checksum)
        expected.add(key)
        if asset.sidecar_path:
            assert s3.read(storage.key_of(asset.sidecar_path)) == sidecars[str(asset.pk)]
            expected.add(storage.key_of(asset.sidecar_path))
    assert s3.keys() == expected  # nothing left at an old key, no stray copy
    assert not FileMove.objects.filter(state__in=FileMove.UNFINISHED).exists()


# -- the storage template --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_moves_objects_key_to_key(api, tmp_path, media_root, s3):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    report = storage_template_migrate()
    assert report.moved == 4 and report.failed == []
    assert set(FileMove.objects.values_list("method", "state")) == {("copy", "done")}
    assert_each_object_once_where_the_database_says(s3, sidecars)
    names = sorted(key.rsplit("/", 1)[1] for key in s3.keys())
    assert names == ["IMG_1+1.jpg", "IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg", "IMG_3.jpg.xmp"]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_an_object_that_does_not_match_its_checksum_is_not_moved(api, tmp_path, s3):
    asset_id = upload_photo(api, tmp_path)
    key = storage.key_of(Asset.objects.get(pk=asset_id).original_path)
    s3.client.put_object(Bucket=s3.name, Key=f"{PREFIX}/{key}", Body=b"bit rot")
    set_template(enabled=True)
    report = storage_template_migrate()
    assert len(report.failed) == 1 and "SHA-1" in report.failed[0].reason
    assert s3.keys() == {key} and storage.key_of(Asset.objects.get(pk=asset_id).original_path) == key


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_crash_during_an_object_move_loses_nothing(api, tmp_path, s3, no_broker, point):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    assert run_killed_at(point) == -9
    report = storage_template_migrate()
    assert report.failed == []
    assert_each_object_once_where_the_database_says(s3, sidecars)


# -- deletion --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_purged_asset_loses_its_objects(api, tmp_path, s3):
    asset_id = upload_photo(api, tmp_path)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    step_run(asset_id=asset_id, step=Step.THUMBNAILS)
    assert len(s3.keys()) == 3
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    trash_purge_expired(days=0)
    assert asset_delete_files(asset_id=asset_id) is True
    assert s3.keys() == set() and not Asset.objects.exists()


@pytest.mark.django_db
def test_a_purged_external_asset_keeps_its_original(api, tmp_path, s3):
    asset_id = upload_photo(api, tmp_path)
    outside = tmp_path / "mounted.jpg"
    outside.write_bytes(s3.read(storage.key_of(Asset.objects.get(pk=asset_id).original_path)))
    Asset.objects.filter(pk=asset_id).update(original_path=str(outside), is_external=True)
    api.delete("/api/assets", {"ids": [asset_id], "force": True}, format="json")
    assert asset_delete_files(asset_id=asset_id) is True
    assert outside.is_file()


# -- backups ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_stored_in_the_bucket_and_pruned_there(api, tmp_path, media_root, s3):
    upload_photo(api, tmp_path)
    for _ in range(3):
        call_command("backup", keep=2)
    backups = backups_list()
    assert len(backups) == 2
    assert s3.keys(under="backups/") == {
        f"backups/{backup.name}/{name}" for backup in backups for name in ("database.pgdump", "manifest.json")
    }
    assert len(read_manifest(backups[-1])["originals"]) == 1
    assert stored_files(media_root) == [] and stored_files(tmp_path / "scratch") == []


@pytest.mark.django_db(transaction=True)
def test_verifying_a_backup_reads_the_originals_from_the_bucket(api, tmp_path, s3):
    asset_id = upload_photo(api, tmp_path)
    call_command("backup", keep=2)
    call_command("restore", backups_list()[-1], verify_only=True)
    storage.delete(Asset.objects.get(pk=asset_id).original_path)
    with pytest.raises(CommandError, match="1 originals checked, 1 missing"):
        call_command("restore", backups_list()[-1], verify_only=True)


@pytest.mark.django_db(transaction=True)
def test_a_backup_in_the_bucket_restores_into_an_empty_database(api, tmp_path, media_root, s3, empty_database):
    upload_photo(api, tmp_path)
    call_command("backup", keep=2)
    url, _ = empty_database
    env = {
        **os.environ,
        **s3.environment(),
        "DATABASE_URL": url,
        "IMMICH_MEDIA_LOCATION": str(media_root),
        "IMMICH_SCRATCH_LOCATION": str(tmp_path / "restore-scratch"),
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backups_list()[-1])],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 originals checked, 0 missing, 0 changed." in result.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM assets_asset").fetchone()[0] == 1
    assert stored_files(tmp_path / "restore-scratch") == []

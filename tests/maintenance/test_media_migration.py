"""`migrate_media_storage`: a library moved from the filesystem to S3 (moto over HTTP) and back, byte for byte,
each file verified before its source goes, the database untouched; a run killed halfway is finished by the next
with nothing lost or duplicated; a damaged original is left where it is."""

import hashlib
import multiprocessing

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from assets.models import Asset
from immich import storage
from jobs.models import Step
from jobs.services import step_run, steps_enqueue
from maintenance.media_migration import media_migrate
from tests.assets.helpers import upload_file, upload_photo
from tests.crash import die_at
from tests.media_factories import make_jpeg, make_xmp
from tests.s3 import stored_files


@pytest.fixture
def bucket_configured(s3_bucket, settings):
    """The bucket is configured (IMMICH_S3_*), the server still on the filesystem: the state before `--to s3`."""
    settings.STORAGES = {**settings.STORAGES, "media": s3_bucket.settings()}
    return s3_bucket


def make_library(api, tmp_path) -> None:
    """Two photos, one with a sidecar, thumbnails for one: originals, a sidecar and generated files."""
    first = upload_photo(api, tmp_path / "a")
    with open(make_xmp(tmp_path / "b" / "photo.jpg.xmp"), "rb") as handle:
        upload_file(api, make_jpeg(tmp_path / "b" / "photo.jpg", color=(1, 2, 3)), sidecarData=handle)
    steps_enqueue(asset_ids=[first], step=Step.THUMBNAILS)
    step_run(asset_id=first, step=Step.THUMBNAILS)


def local_library(media_root) -> dict[str, bytes]:
    """Key -> SHA-1 of every file under the media root."""
    return {
        str(path.relative_to(media_root)): hashlib.sha1(path.read_bytes()).digest() for path in stored_files(media_root)
    }


def bucket_library(bucket) -> dict[str, bytes]:
    return {key: hashlib.sha1(bucket.read(key)).digest() for key in bucket.keys()}


def database_paths() -> list:
    return sorted(Asset.objects.values_list("original_path", "sidecar_path"))


@pytest.mark.django_db
def test_a_library_moves_to_s3_byte_for_byte(api, tmp_path, media_root, settings, bucket_configured):
    make_library(api, tmp_path)
    before, paths = local_library(media_root), database_paths()
    assert len(before) == 5
    call_command("migrate_media_storage", to="s3")
    assert bucket_library(bucket_configured) == before
    assert stored_files(media_root) == [] and database_paths() == paths
    assert not (media_root / "upload").exists() or list((media_root / "upload").iterdir()) == []  # emptied folders go
    settings.STORAGE_BACKEND = "s3"
    asset = Asset.objects.filter(sidecar_path__isnull=True).get()
    assert b"".join(api.get(f"/api/assets/{asset.id}/original").streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.django_db
def test_a_library_moves_back_to_the_filesystem(api, tmp_path, media_root, s3):
    make_library(api, tmp_path)
    before, paths = bucket_library(s3), database_paths()
    call_command("migrate_media_storage", to="filesystem")
    assert local_library(media_root) == before
    assert s3.keys() == set() and database_paths() == paths


@pytest.mark.django_db
def test_a_dry_run_moves_nothing(api, tmp_path, media_root, bucket_configured, capsys):
    make_library(api, tmp_path)
    before = local_library(media_root)
    call_command("migrate_media_storage", to="s3", dry_run=True)
    assert "5 files" in (out := capsys.readouterr().out) and "would move from filesystem to s3" in out
    assert local_library(media_root) == before and bucket_configured.keys() == set()


@pytest.mark.django_db
def test_a_damaged_original_stays_at_the_source(api, tmp_path, media_root, bucket_configured):
    asset_id = upload_photo(api, tmp_path)
    original = Asset.objects.get(pk=asset_id).original_path
    with open(original, "r+b") as handle:  # bit rot: same size, other bytes than were uploaded
        handle.seek(100)
        handle.write(b"\x00")
    with pytest.raises(CommandError, match="1 files were not moved"):
        call_command("migrate_media_storage", to="s3")
    assert bucket_configured.keys() == set()
    assert storage.key_of(original) in local_library(media_root)


@pytest.mark.django_db
def test_uploads_in_transit_are_left_alone(api, tmp_path, media_root, bucket_configured):
    upload_photo(api, tmp_path)
    staged = media_root / "upload" / "someone" / "ab" / "cd" / "abcd.part"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"half an upload")
    report = media_migrate(to="s3")
    assert report.skipped == ["upload/someone/ab/cd/abcd.part"] and report.moved == 1
    assert staged.read_bytes() == b"half an upload"


def _migrate_in_child(copies: int) -> None:
    """Killed once `copies` copies are verified, the last one's source not yet deleted."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        die_at(monkeypatch, "media-migration-copied", passes=copies)
        media_migrate(to="s3")


@pytest.mark.django_db(transaction=True)
def test_a_killed_migration_is_finished_by_the_next_run(api, tmp_path, media_root, bucket_configured):
    make_library(api, tmp_path)
    before = local_library(media_root)
    connections.close_all()
    child = multiprocessing.get_context("fork").Process(target=_migrate_in_child, args=(2,))
    child.start()
    child.join(60)
    assert child.exitcode == -9
    halfway_local, halfway_bucket = local_library(media_root), bucket_library(bucket_configured)
    assert len(halfway_bucket) == 2 and len(halfway_local) == 4  # killed after the 2nd copy, before its delete
    report = media_migrate(to="s3")
    assert report.already_there == 1 and report.moved == 3 and report.failed == []
    assert bucket_library(bucket_configured) == before and stored_files(media_root) == []

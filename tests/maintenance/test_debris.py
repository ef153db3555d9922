"""The nightly sweep of what killed processes left in the media location: real files, real rows."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assets.models import Asset
from assets.uploads.services import UploadFields
from assets.uploads.tus import tus_upload_create
from immich.storage import scratch_root
from maintenance.consistency import consistency_check
from maintenance.debris import DEBRIS_AGE, debris_remove
from tests.assets.helpers import upload_file
from tests.media_factories import make_jpeg

pytestmark = pytest.mark.django_db

TWO_DAYS_AGO = time.time() - 2 * 86400
SETTLED = timedelta(seconds=1)  # a file's inode change time cannot be set back: the tests wait this long instead


def left_behind(path: Path) -> Path:
    """A file as a killed process leaves it, its modification time set to long ago (as an upload sets the client's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half written")
    os.utime(path, (TWO_DAYS_AGO, TWO_DAYS_AGO))
    return path


def sweep_after_settling() -> int:
    time.sleep(SETTLED.total_seconds() + 0.1)
    return debris_remove(older_than=SETTLED)


@pytest.fixture
def photo(api, tmp_path) -> Asset:
    return Asset.objects.get(pk=upload_file(api, make_jpeg(tmp_path / "photo.jpg"))["id"])


def test_a_day_old_debris_of_killed_processes_is_removed(photo, media_root):
    folder = Path(photo.original_path).parent
    debris = [
        left_behind(folder / "0b7e6a3c-5d2f-4c1e-9a8b-7f6e5d4c3b2a.part"),  # an upload cut off by a killed API
        left_behind(media_root / "thumbs" / "x" / "ab" / f".{photo.pk}-preview.jpeg.3f2a1b0c9d8e.partial"),
        left_behind(media_root / "encoded-video" / "x" / "ab" / f".{photo.pk}.mp4.1a2b3c4d.partial"),
        left_behind(media_root / "encoded-video" / "x" / "ab" / f".{photo.pk}.mp4.1a2b3c4d.passlog.mbtree"),
        left_behind(media_root / "library" / "x" / "2021" / ".IMG_0001.jpg.5e6f7a8b.partial"),  # a killed migration
    ]
    assert sweep_after_settling() == len(debris)
    assert [path for path in debris if path.exists()] == []
    assert consistency_check(quiet_for=timedelta(0)).is_clean


def test_debris_changed_within_the_last_day_may_be_work_in_flight_and_stays(photo):
    # Its modification time is two days old, but it was written a moment ago: the inode's change time says so.
    recent = left_behind(Path(photo.original_path).with_name("in-flight.part"))
    assert debris_remove(older_than=DEBRIS_AGE) == 0
    assert recent.exists()


def test_the_staged_bytes_of_an_unfinished_resumable_upload_stay(user, media_root):
    when = datetime(2021, 6, 15, tzinfo=timezone.utc)
    upload = tus_upload_create(
        owner=user,
        length=100,
        metadata={},
        fields=UploadFields(file_created_at=when, file_modified_at=when, filename="big.jpg"),
    )
    staged = left_behind(Path(upload.staging_path))
    assert sweep_after_settling() == 0
    assert staged.exists()


def test_files_of_other_names_stay_whatever_their_age(photo, media_root):
    old_original = Path(photo.original_path)
    os.utime(old_original, (TWO_DAYS_AGO, TWO_DAYS_AGO))
    stray = left_behind(media_root / "thumbs" / "x" / "stray.jpg")
    hidden = left_behind(media_root / "library" / "x" / ".partial.notes.jpg")
    assert sweep_after_settling() == 0
    assert old_original.exists() and stray.exists() and hidden.exists()


def test_with_an_object_store_the_uploads_cut_off_in_the_scratch_folder_are_removed(tmp_path, s3):
    cut_off = left_behind(scratch_root() / "staging" / "upload" / "x" / "ab" / "cd" / "0b7e6a3c.part")
    assert sweep_after_settling() == 1
    assert not cut_off.exists()

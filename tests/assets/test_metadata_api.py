"""What the API shows of a file's metadata after the metadata step, as Immich shows it (issue 23): the zone of the
GPS position, "UTC" for a zero offset and no zone without one, modifyDate, a video's orientation; an edit the
user made still wins over the file."""

from __future__ import annotations

from datetime import datetime

import pytest

from jobs.models import Step
from jobs.services import step_run
from tests.assets.helpers import upload_file
from tests.exiftool_files import exiftool_tag, gps, needs_exiftool
from tests.media_factories import make_exif_jpeg, make_video

pytestmark = [pytest.mark.django_db, needs_exiftool]

PARIS_GPS = gps(48.8584, 2.2945)


def extracted(api, path) -> dict:
    asset_id = upload_file(api, path)["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    return api.get(f"/api/assets/{asset_id}").json()


def test_a_paris_photo_without_offset_is_in_paris_time(api, tmp_path):
    path = exiftool_tag(make_exif_jpeg(tmp_path / "a.jpg"), "DateTimeOriginal=2021:06:15 10:30:00", *PARIS_GPS)
    body = extracted(api, path)
    assert body["exifInfo"]["timeZone"] == "Europe/Paris"
    assert body["exifInfo"]["dateTimeOriginal"].startswith("2021-06-15T08:30:00")
    assert body["localDateTime"].startswith("2021-06-15T10:30:00")


def test_zone_labels_as_immich(api, tmp_path):
    zero = exiftool_tag(
        make_exif_jpeg(tmp_path / "a.jpg"), "DateTimeOriginal=2021:06:15 10:30:00", "OffsetTimeOriginal=+00:00"
    )
    none = exiftool_tag(make_exif_jpeg(tmp_path / "b.jpg"), "DateTimeOriginal=2021:06:15 10:30:00")
    assert extracted(api, zero)["exifInfo"]["timeZone"] == "UTC"
    assert extracted(api, none)["exifInfo"]["timeZone"] is None


def test_modify_date_is_the_files_modification_time(api, tmp_path):
    # The stored original's modification time is the client's fileModifiedAt (as Immich sets it on upload).
    body = extracted(api, make_exif_jpeg(tmp_path / "a.jpg", exif={}))
    modified = datetime.fromisoformat(body["exifInfo"]["modifyDate"])
    assert modified == datetime.fromisoformat(body["fileModifiedAt"].replace("Z", "+00:00"))


def test_portrait_phone_video_reports_orientation_6(api, tmp_path):
    assert extracted(api, make_video(tmp_path / "a.mp4", rotation=270))["exifInfo"]["orientation"] == "6"


def test_a_users_date_and_zone_still_win_over_the_gps_zone(api, tmp_path):
    path = exiftool_tag(make_exif_jpeg(tmp_path / "a.jpg"), "DateTimeOriginal=2021:06:15 10:30:00", *PARIS_GPS)
    asset_id = upload_file(api, path)["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    edit = {"dateTimeOriginal": "2020-01-01T12:00:00+09:00"}
    assert api.put(f"/api/assets/{asset_id}", edit, format="json").status_code == 200
    step_run(asset_id=asset_id, step=Step.METADATA)
    exif = api.get(f"/api/assets/{asset_id}").json()["exifInfo"]
    assert exif["dateTimeOriginal"].startswith("2020-01-01T03:00:00")
    assert exif["timeZone"] == "UTC+9"

"""The metadata reader on files whose tags exiftool wrote, one case of issue 23 each: zones from GPS, phone videos,
TIFF, IPTC, short offsets, video orientation and description, Immich's precedence and zone labels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.exiftool_files import blank_jpeg, exiftool_tag, gps, needs_exiftool
from tests.media_factories import make_image, make_video
from workers.media.metadata import image_facts, video_facts

pytestmark = needs_exiftool

UTC = timezone.utc
TAKEN = "DateTimeOriginal=2021:06:15 10:30:00"


def tagged_photo(tmp_path, *assignments: str):
    """A JPEG taken at 10:30 on 15 June 2021 (no offset), with the given tags too."""
    return exiftool_tag(blank_jpeg(tmp_path), TAKEN, *assignments)


def test_local_time_with_paris_gps_is_placed_in_paris(tmp_path):
    path = tagged_photo(tmp_path, *gps(48.8584, 2.2945))
    facts = image_facts(path)
    assert (facts.time_zone, facts.date_confidence) == ("Europe/Paris", "zone-from-gps")
    assert facts.date_time_original.astimezone(UTC) == datetime(2021, 6, 15, 8, 30, tzinfo=UTC)
    assert facts.local_date_time == datetime(2021, 6, 15, 10, 30)


def test_local_time_with_sydney_gps_is_placed_in_sydney(tmp_path):
    path = tagged_photo(tmp_path, *gps(-33.8568, 151.2153))
    facts = image_facts(path)
    assert facts.time_zone == "Australia/Sydney"
    assert facts.date_time_original.astimezone(UTC) == datetime(2021, 6, 15, 0, 30, tzinfo=UTC)


def test_an_offset_tag_wins_over_the_gps_zone(tmp_path):
    path = tagged_photo(
        tmp_path,
        "OffsetTimeOriginal=+09:00",
        *gps(48.8584, 2.2945),
    )
    assert image_facts(path).time_zone == "UTC+9"


def test_camera_clock_against_gps_time_gives_the_offset_without_a_position(tmp_path):
    # GPS time 08:31:10 UTC, camera clock 10:30:00: the camera runs at UTC+2 (a minute's drift rounded away).
    path = tagged_photo(
        tmp_path,
        "GPSDateStamp=2021:06:15",
        "GPSTimeStamp=08:31:10",
    )
    facts = image_facts(path)
    assert facts.time_zone == "UTC+2"
    assert facts.date_time_original.astimezone(UTC) == datetime(2021, 6, 15, 8, 30, tzinfo=UTC)


def test_android_video_utc_create_date_with_gps_shows_the_local_time(tmp_path):
    path = exiftool_tag(
        make_video(tmp_path / "a.mp4"),
        "QuickTime:CreateDate=2021:06:15 08:30:00",
        "Keys:GPSCoordinates=48.85, 2.35, 30",
    )
    facts = video_facts(path)
    assert facts.time_zone == "Europe/Paris"
    assert facts.local_date_time == datetime(2021, 6, 15, 10, 30)
    assert facts.date_time_original.astimezone(UTC) == datetime(2021, 6, 15, 8, 30, tzinfo=UTC)


def test_video_utc_create_date_without_gps_stays_utc(tmp_path):
    path = exiftool_tag(make_video(tmp_path / "a.mp4"), "QuickTime:CreateDate=2021:06:15 08:30:00")
    facts = video_facts(path)
    assert (facts.time_zone, facts.local_date_time) == ("UTC", datetime(2021, 6, 15, 8, 30))


def test_tiff_exif_is_read(tmp_path):
    path = exiftool_tag(
        make_image(tmp_path / "a.tif", "TIFF"),
        "Make=Nikon",
        "Model=D850",
        "DateTimeOriginal=2020:02:03 04:05:06",
        "OffsetTimeOriginal=-03:00",
        "FNumber=5.6",
        *gps(40.7, -74.0),
    )
    facts = image_facts(path)
    assert (facts.make, facts.model, facts.f_number) == ("Nikon", "D850", 5.6)
    assert facts.date_time_original == datetime(2020, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-3)))
    assert (facts.latitude, facts.longitude) == (pytest.approx(40.7), pytest.approx(-74.0))


def test_iptc_date_caption_and_keywords(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path),
        "IPTC:DateCreated=2019:04:05",
        "IPTC:TimeCreated=18:20:00+05:30",
        "IPTC:Caption-Abstract=Ghats at dusk",
        "IPTC:Keywords=India",
        "IPTC:Keywords=Varanasi",
    )
    facts = image_facts(path)
    assert facts.date_time_original == datetime(2019, 4, 5, 18, 20, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert facts.time_zone == "UTC+5:30"
    assert (facts.description, facts.keywords) == ("Ghats at dusk", ("India", "Varanasi"))


def test_iptc_latin1_caption_is_decoded(tmp_path):
    path = exiftool_tag(blank_jpeg(tmp_path), "IPTC:Caption-Abstract=Café crème")  # exiftool writes Latin-1
    assert image_facts(path).description == "Café crème"


def test_xmp_keywords_win_over_iptc_keywords(tmp_path):
    path = exiftool_tag(blank_jpeg(tmp_path), "IPTC:Keywords=old", "XMP-dc:Subject=new")
    assert image_facts(path).keywords == ("new",)


def test_offset_with_a_one_digit_hour(tmp_path):
    path = exiftool_tag(blank_jpeg(tmp_path), "DateTimeOriginal=2021:06:15 10:30:00", "OffsetTimeOriginal=+2:00")
    facts = image_facts(path)
    assert facts.date_time_original.astimezone(UTC) == datetime(2021, 6, 15, 8, 30, tzinfo=UTC)
    assert facts.time_zone == "UTC+2"


@pytest.mark.parametrize("rotation,orientation", [(0, 1), (270, 6), (90, 8), (180, 3)])
def test_video_orientation_from_its_rotation(tmp_path, rotation, orientation):
    facts = video_facts(make_video(tmp_path / "a.mp4", rotation=rotation))
    assert facts.reported_orientation == orientation


def test_quicktime_description(tmp_path):
    path = exiftool_tag(make_video(tmp_path / "a.mov", container_format="mov"), "Keys:Description=Harbour at dawn")
    assert video_facts(path).description == "Harbour at dawn"


def test_xmp_date_time_original_wins_over_exif_create_date(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path), "XMP-exif:DateTimeOriginal=2019:01:01 10:00:00", "EXIF:CreateDate=2018:01:01 10:00:00"
    )
    assert image_facts(path).local_date_time == datetime(2019, 1, 1, 10, 0)


def test_iptc_date_wins_over_xmp_exif_date_time_original(tmp_path):
    # exiftool's MWG DateTimeOriginal: EXIF, then XMP photoshop:DateCreated, then IPTC, before XMP's own.
    path = exiftool_tag(
        blank_jpeg(tmp_path),
        "XMP-exif:DateTimeOriginal=2019:01:01 10:00:00",
        "IPTC:DateCreated=2017:01:01",
        "IPTC:TimeCreated=08:00:00",
    )
    assert image_facts(path).local_date_time == datetime(2017, 1, 1, 8, 0)


def test_xmp_rating_wins_over_exif_rating(tmp_path):
    path = exiftool_tag(blank_jpeg(tmp_path), "EXIF:Rating=2", "XMP-xmp:Rating=4")
    assert image_facts(path).rating == 4


def test_exif_description_wins_over_xmp_and_iptc(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path), "EXIF:ImageDescription=exif", "XMP-dc:Description=xmp", "IPTC:Caption-Abstract=iptc"
    )
    assert image_facts(path).description == "exif"


def test_zero_offset_is_called_utc_and_no_offset_has_no_zone(tmp_path):
    utc = exiftool_tag(blank_jpeg(tmp_path), "DateTimeOriginal=2021:06:15 10:30:00", "OffsetTimeOriginal=+00:00")
    assert image_facts(utc).time_zone == "UTC"
    none = exiftool_tag(blank_jpeg(tmp_path, "b.jpg"), "DateTimeOriginal=2021:06:15 10:30:00")
    assert image_facts(none).time_zone is None


def test_panorama_projection_is_upper_case(tmp_path):
    path = exiftool_tag(blank_jpeg(tmp_path), "XMP-GPano:ProjectionType=equirectangular")
    assert image_facts(path).projection_type == "EQUIRECTANGULAR"

"""Bad values in metadata (issue 23): recorded as warnings, never a crash and never a wrong zone."""

from __future__ import annotations

from datetime import datetime, timezone

import piexif

from tests.exiftool_files import blank_jpeg, exiftool_tag, gps, needs_exiftool
from tests.media_factories import make_exif_jpeg, make_xmp_packet
from workers.media.iptc import read_iptc
from workers.media.metadata import image_facts

pytestmark = needs_exiftool

PARIS_GPS = gps(48.8584, 2.2945)


def test_coordinates_out_of_range_are_ignored_with_a_warning(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path),
        "DateTimeOriginal=2021:06:15 10:30:00",
        *gps(95.0, 200.0),
    )
    facts = image_facts(path)
    assert (facts.latitude, facts.longitude, facts.time_zone) == (None, None, None)
    assert any("out of range" in warning for warning in facts.warnings)


def test_zero_zero_is_no_position(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path),
        "DateTimeOriginal=2021:06:15 10:30:00",
        *gps(0.0, 0.0),
    )
    facts = image_facts(path)
    assert (facts.latitude, facts.longitude) == (None, None)
    assert facts.time_zone is None  # not Africa/Abidjan's zone from the Gulf of Guinea
    assert any("0,0" in warning for warning in facts.warnings)


def test_nan_coordinates_in_xmp_are_ignored_with_a_warning(tmp_path):
    source = blank_jpeg(tmp_path)
    sidecar = tmp_path / "a.xmp"
    sidecar.write_bytes(
        make_xmp_packet(
            **{"exif:GPSLatitude": "NaN", "exif:GPSLongitude": "NaN", "exif:DateTimeOriginal": "2021-06-15T10:30:00"}
        )
    )
    facts = image_facts(source, sidecar=sidecar)
    assert (facts.latitude, facts.longitude, facts.time_zone) == (None, None, None)
    assert any("XMP GPS position" in warning for warning in facts.warnings)


def test_placeholder_date_falls_through_with_a_warning(tmp_path):
    # exiftool takes an all-zero date as "delete the tag"; cameras write it: piexif writes the bytes as they come.
    dates = {
        piexif.ExifIFD.DateTimeOriginal: b"0000:00:00 00:00:00",
        piexif.ExifIFD.DateTimeDigitized: b"2020:01:02 03:04:05",
    }
    path = make_exif_jpeg(tmp_path / "a.jpg", exif={"Exif": dates})
    facts = image_facts(path)
    assert facts.local_date_time == datetime(2020, 1, 2, 3, 4, 5)
    assert any("0000:00:00" in warning for warning in facts.warnings)


def test_month_13_is_not_a_date(tmp_path):
    # exiftool refuses to write month 13; cameras do not: piexif writes the bytes as they come.
    path = make_exif_jpeg(tmp_path / "a.jpg", exif={"Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:13:01 10:00:00"}})
    facts = image_facts(path, fallback_date=datetime(2020, 5, 5, tzinfo=timezone.utc))
    assert (facts.date_source, facts.date_time_original) == ("file", datetime(2020, 5, 5, tzinfo=timezone.utc))
    assert any("2021:13:01" in warning for warning in facts.warnings)


def test_offset_past_14_hours_is_ignored_with_a_warning_and_the_gps_zone_used(tmp_path):
    path = exiftool_tag(
        blank_jpeg(tmp_path), "DateTimeOriginal=2021:06:15 10:30:00", "OffsetTimeOriginal=+15:00", *PARIS_GPS
    )
    facts = image_facts(path)
    assert facts.time_zone == "Europe/Paris"
    assert any("+15:00" in warning for warning in facts.warnings)


def test_non_utf8_description_is_read_without_crashing(tmp_path):
    path = make_exif_jpeg(tmp_path / "a.jpg", exif={"0th": {piexif.ImageIFD.ImageDescription: b"caf\xe9 \xff\xfe"}})
    description = image_facts(path).description
    assert description is not None and description.startswith("caf")


def test_64_kib_description_is_read_whole(tmp_path):
    # The pipeline cuts what it keeps (tests/assets/test_text_limits.py); reading must not fail on it.
    text = "x" * 65536
    path = exiftool_tag(blank_jpeg(tmp_path), f"XMP-dc:Description={text}")
    assert image_facts(path).description == text


def test_truncated_iptc_gives_what_came_before_the_damage():
    block = b"\x1c\x02\x19\x00\x05alpha\x1c\x02\x19\x00\x40beta"  # the second record claims 64 bytes
    assert read_iptc(block) == {"keywords": ("alpha",)}


def test_iptc_length_bomb_is_refused():
    block = b"\x1c\x02\x78\x80\x08" + b"\xff" * 8  # an extended length of 2^64 - 1 bytes
    assert read_iptc(block) == {}

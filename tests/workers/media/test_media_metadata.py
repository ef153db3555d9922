"""image_facts on generated files: EXIF values, dates and zones, sidecars, HEIF/RAW specifics."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import piexif
import pytest

from tests.media_factories import (
    builtin_profile,
    make_dng,
    make_exif_jpeg,
    make_heif,
    make_image,
    make_png16,
    make_xmp_packet,
    sha1_of,
    upright_picture,
)
from workers.media.metadata import find_sidecar
from workers.media.metadata import image_facts as _image_facts


def image_facts(path, **options):
    """image_facts, checking that reading never changes the original."""
    before = sha1_of(path)
    facts = _image_facts(path, **options)
    assert sha1_of(path) == before, "the original was modified"
    return facts


def rational(value: float, denominator: int = 1000) -> tuple[int, int]:
    fraction = Fraction(value).limit_denominator(denominator)
    return fraction.numerator, fraction.denominator


def dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (degrees, 1), (minutes, 1), rational(seconds, 10000)


CAMERA_EXIF = {
    "0th": {
        piexif.ImageIFD.Make: b"Canon",
        piexif.ImageIFD.Model: b"EOS R5",
        piexif.ImageIFD.ImageDescription: b"Harbour",
        piexif.ImageIFD.Rating: 4,
    },
    "Exif": {
        piexif.ExifIFD.DateTimeOriginal: b"2021:06:15 10:30:00",
        piexif.ExifIFD.SubSecTimeOriginal: b"123",
        piexif.ExifIFD.OffsetTimeOriginal: b"-05:30",
        piexif.ExifIFD.LensModel: b"RF24-105mm F4 L IS USM",
        piexif.ExifIFD.FNumber: (28, 10),
        piexif.ExifIFD.ExposureTime: (1, 250),
        piexif.ExifIFD.ISOSpeedRatings: 400,
        piexif.ExifIFD.FocalLength: (50, 1),
        piexif.ExifIFD.ColorSpace: 1,
    },
    "GPS": {
        piexif.GPSIFD.GPSLatitudeRef: b"S",
        piexif.GPSIFD.GPSLatitude: dms(33.8568),
        piexif.GPSIFD.GPSLongitudeRef: b"W",
        piexif.GPSIFD.GPSLongitude: dms(70.6693),
        piexif.GPSIFD.GPSAltitudeRef: 1,
        piexif.GPSIFD.GPSAltitude: (12, 1),
    },
}


def test_camera_values_from_exif(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg", exif=CAMERA_EXIF, orientation=6, icc=builtin_profile("p3"))
    facts = image_facts(source)
    assert (facts.make, facts.model, facts.lens_model) == ("Canon", "EOS R5", "RF24-105mm F4 L IS USM")
    assert (facts.f_number, facts.exposure_time, facts.iso, facts.focal_length) == (2.8, "1/250", 400, 50.0)
    assert facts.latitude == pytest.approx(-33.8568, abs=1e-4)
    assert facts.longitude == pytest.approx(-70.6693, abs=1e-4)
    assert facts.altitude == -12.0
    assert (facts.description, facts.rating, facts.colorspace) == ("Harbour", 4, "sRGB")
    assert "p3" in facts.profile_description.lower()
    assert (facts.orientation, facts.orientation_source, facts.bits_per_sample, facts.format) == (6, "exif", 8, "jpeg")
    assert (facts.width, facts.height, facts.displayed_size) == (80, 120, (120, 80))


def test_date_with_sub_seconds_and_offset_is_exact(tmp_path):
    facts = image_facts(make_exif_jpeg(tmp_path / "a.jpg", exif=CAMERA_EXIF))
    assert facts.date_time_original == datetime(
        2021, 6, 15, 10, 30, 0, 123000, tzinfo=timezone(timedelta(hours=-5, minutes=-30))
    )
    assert facts.date_time_original.utcoffset() == timedelta(hours=-5, minutes=-30)
    assert (facts.time_zone, facts.date_source, facts.date_confidence) == ("UTC-5:30", "exif", "exact")
    assert facts.local_date_time == datetime(2021, 6, 15, 10, 30, 0, 123000)


def test_offset_time_is_used_when_offset_time_original_is_missing(tmp_path):
    exif = {"Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:06:15 10:30:00", piexif.ExifIFD.OffsetTime: b"+02:00"}}
    facts = image_facts(make_exif_jpeg(tmp_path / "a.jpg", exif=exif))
    assert facts.date_time_original.utcoffset() == timedelta(hours=2)
    assert facts.time_zone == "UTC+2"


def test_date_without_zone_is_read_in_the_default_zone(tmp_path):
    source = make_exif_jpeg(
        tmp_path / "a.jpg", exif={"Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:06:15 10:30:00"}}
    )
    berlin = image_facts(source, default_zone="Europe/Berlin")
    assert berlin.date_time_original.astimezone(timezone.utc) == datetime(2021, 6, 15, 8, 30, tzinfo=timezone.utc)
    assert (berlin.time_zone, berlin.date_confidence) == ("Europe/Berlin", "zone-assumed")
    utc = image_facts(source)
    assert utc.date_time_original == datetime(2021, 6, 15, 10, 30, tzinfo=timezone.utc)
    assert (utc.time_zone, utc.date_confidence) == (None, "zone-assumed")  # Immich reports no zone
    unknown = image_facts(source, default_zone="Mars/Olympus")
    assert unknown.time_zone is None and any("Mars/Olympus" in warning for warning in unknown.warnings)


def test_placeholder_dates_are_skipped_for_the_next_tag(tmp_path):
    exif = {
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"0000:00:00 00:00:00",
            piexif.ExifIFD.DateTimeDigitized: b"2020:01:02 03:04:05",
        }
    }
    facts = image_facts(make_exif_jpeg(tmp_path / "a.jpg", exif=exif))
    assert facts.local_date_time == datetime(2020, 1, 2, 3, 4, 5)


def test_no_date_falls_back_to_the_earliest_of_client_date_and_mtime(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg", exif={}, picture=upright_picture())
    source.write_bytes(source.read_bytes())  # (make_exif_jpeg wrote no date tags)
    mtime = datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc)
    os.utime(source, (mtime.timestamp(), mtime.timestamp()))
    earlier = datetime(2019, 5, 5, 5, 5, tzinfo=timezone.utc)
    facts = image_facts(source, fallback_date=earlier)
    assert (facts.date_time_original, facts.date_source, facts.date_confidence) == (earlier, "file", "file-time")
    assert facts.time_zone is None
    assert image_facts(source, fallback_date=datetime(2024, 1, 1)).date_time_original == mtime


def test_sidecar_overrides_embedded_values_and_dates(tmp_path):
    source = make_exif_jpeg(tmp_path / "IMG_1.jpg", exif=CAMERA_EXIF)
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    sidecar.write_bytes(
        make_xmp_packet(
            **{
                "dc:description": "From the sidecar",
                "xmp:Rating": "2",
                "photoshop:DateCreated": "2019-12-31T23:59:58.5+01:00",
                "exif:GPSLatitude": "48,51.4621N",
                "exif:GPSLongitude": "2,17.6988E",
                "tiff:Orientation": "8",
            }
        )
    )
    assert find_sidecar(source) == sidecar
    facts = image_facts(source, sidecar=sidecar)
    # Immich's `ImageDescription || Description`: the file's EXIF ImageDescription outranks a sidecar's
    # dc:description (a sidecar's tiff:ImageDescription, which Immich writes on edits, outranks both).
    assert (facts.description, facts.rating) == ("Harbour", 2)
    assert facts.date_time_original == datetime(2019, 12, 31, 23, 59, 58, 500000, tzinfo=timezone(timedelta(hours=1)))
    # The sidecar's date carries +01:00, its position is in Paris: the zone is named by the place (issue 23).
    assert (facts.date_source, facts.date_confidence, facts.time_zone) == ("sidecar", "exact", "Europe/Paris")
    assert facts.latitude == pytest.approx(48.857702, abs=1e-5) and facts.longitude == pytest.approx(2.29498, abs=1e-5)
    assert (facts.orientation, facts.orientation_source) == (8, "sidecar")
    assert facts.make == "Canon"  # what the sidecar does not say still comes from the file


def test_a_sidecars_image_description_wins(tmp_path):
    source = make_exif_jpeg(tmp_path / "IMG_1.jpg", exif=CAMERA_EXIF)
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    sidecar.write_bytes(make_xmp_packet(**{"tiff:ImageDescription": "Edited", "dc:description": "Edited"}))
    assert image_facts(source, sidecar=sidecar).description == "Edited"


def test_sidecar_lookup_order(tmp_path):
    source = make_exif_jpeg(tmp_path / "IMG_2.jpg")
    assert find_sidecar(source) is None
    (tmp_path / "IMG_2.xmp").write_text("x")
    assert find_sidecar(source) == tmp_path / "IMG_2.xmp"
    (tmp_path / "IMG_2.jpg.xmp").write_text("x")
    assert find_sidecar(source) == tmp_path / "IMG_2.jpg.xmp"


def test_malformed_sidecar_is_ignored_with_a_warning(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg", exif=CAMERA_EXIF)
    sidecar = tmp_path / "a.xmp"
    sidecar.write_bytes(b"<x:xmpmeta><rdf:RDF>unclosed")
    facts = image_facts(source, sidecar=sidecar)
    assert facts.description == "Harbour" and facts.date_source == "exif"
    assert any("sidecar a.xmp ignored" in warning for warning in facts.warnings)


def test_sidecar_with_entities_is_refused_and_nothing_is_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:description="&leak;&a;"/></rdf:RDF></x:xmpmeta>'
    )
    facts = image_facts(make_exif_jpeg(tmp_path / "a.jpg"), sidecar=sidecar)
    assert facts.description is None
    assert any("DOCTYPE" in warning for warning in facts.warnings)


def test_embedded_xmp_gives_the_panorama_projection(tmp_path):
    packet = make_xmp_packet(**{"GPano:ProjectionType": "equirectangular"})
    facts = image_facts(make_exif_jpeg(tmp_path / "pano.jpg", xmp=packet))
    assert facts.projection_type == "EQUIRECTANGULAR"  # upper case, as Immich stores it


def test_heic_rotated_in_its_container_reports_the_displayed_size(tmp_path):
    # Stored portrait (48x64), turned by the container into the landscape picture; the EXIF tag must not turn it again.
    facts = image_facts(make_heif(tmp_path / "a.heic", irot=1, exif_orientation=6))
    assert (facts.width, facts.height, facts.displayed_size) == (64, 48, (64, 48))
    assert (facts.orientation, facts.orientation_source, facts.format) == (1, "container", "heif")


def test_heic_with_exif_orientation_only_is_turned_by_it(tmp_path):
    facts = image_facts(make_heif(tmp_path / "a.heic", exif_orientation=6))
    assert (facts.width, facts.height) == (48, 64)  # stored portrait, displayed as the landscape picture
    assert (facts.orientation, facts.displayed_size) == (6, (64, 48))


def test_avif_dates_and_camera_come_from_its_exif(tmp_path):
    facts = image_facts(make_heif(tmp_path / "a.avif", codec="av1", exif=CAMERA_EXIF))
    assert facts.format == "avif" and facts.model == "EOS R5"
    assert facts.date_time_original.utcoffset() == timedelta(hours=-5, minutes=-30)


def test_dng_reports_the_sensor_size_and_camera(tmp_path):
    facts = image_facts(make_dng(tmp_path / "a.dng", orientation=8, make="Leica", model="M11"))
    assert (facts.format, facts.width, facts.height) == ("dng", 312, 232)
    assert (facts.make, facts.model, facts.orientation) == ("Leica", "M11", 8)


def test_bits_per_sample_of_a_16_bit_png(tmp_path):
    assert image_facts(make_png16(tmp_path / "a.png")).bits_per_sample == 16


@pytest.mark.parametrize(
    "fmt,name",
    [
        ("PNG", "a.png"),
        ("WEBP", "a.webp"),
        ("GIF", "a.gif"),
        ("TIFF", "a.tif"),
        ("BMP", "a.bmp"),
        ("PNG", "png-named.jpg"),
    ],
)
def test_sizes_of_other_formats(tmp_path, fmt, name):
    facts = image_facts(make_image(tmp_path / name, fmt))
    assert (facts.width, facts.height) == (120, 80)
    assert facts.format == fmt.lower()

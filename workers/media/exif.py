"""EXIF blobs and ICC profiles turned into plain values (numbers, text, date parts). No file access here.

Pillow parses the TIFF structure of the blob (the same code for JPEG, PNG, WebP, TIFF and the blob libvips
hands over for HEIF/AVIF); this module only names, converts and sanity-checks the values.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from PIL import Image, ImageCms

_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825

# IFD0
_ORIENTATION, _MAKE, _MODEL, _DESCRIPTION, _DATETIME = 0x0112, 0x010F, 0x0110, 0x010E, 0x0132
_BITS_PER_SAMPLE, _RATING = 0x0102, 0x4746
# Exif IFD
_EXPOSURE, _FNUMBER, _ISO, _FOCAL, _COLORSPACE, _LENS_MODEL = 0x829A, 0x829D, 0x8827, 0x920A, 0xA001, 0xA434
_DATE_ORIGINAL, _DATE_DIGITIZED, _MAKER_NOTE = 0x9003, 0x9004, 0x927C
_OFFSET, _OFFSET_ORIGINAL, _OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012
_SUBSEC, _SUBSEC_ORIGINAL, _SUBSEC_DIGITIZED = 0x9290, 0x9291, 0x9292
# GPS IFD
_LAT_REF, _LAT, _LON_REF, _LON, _ALT_REF, _ALT, _GPS_TIME, _GPS_DATE = 1, 2, 3, 4, 5, 6, 7, 0x1D

_COLORSPACES = {1: "sRGB", 2: "Adobe RGB", 0xFFFF: "Uncalibrated"}
# Apple's MakerNote: "Apple iOS\0", a version (2 bytes), the byte order ("MM"/"II"), then a TIFF IFD whose offsets
# count from the note's first byte. Its tag 0x0011, ContentIdentifier, is what the still and the video of a live
# photo share (exiftool named it MediaGroupUUID before).
_APPLE_NOTE, _APPLE_IFD_START, _APPLE_CONTENT_IDENTIFIER, _ASCII = b"Apple iOS\x00", 14, 0x0011, 2


@dataclass(frozen=True)
class DateParts:
    """A date as written in the file: the wall clock text, its sub-seconds and its UTC offset text, if any."""

    source_tag: str
    text: str
    subsec: str | None = None
    offset: str | None = None
    utc: bool = False  # UTC by convention whatever the text says (video containers' CreateDate, GPS time)


def clean_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).replace("\x00", " ").strip()
    return text or None


def to_float(value: Any) -> float | None:
    """A rational, int or text number as a finite float (EXIF rationals with a zero denominator become None)."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(part, int) for part in value):
        value = value[0] / value[1] if value[1] else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def exposure_text(seconds: float | None) -> str | None:
    """Like exiftool's print conversion, which Immich shows: 1/250 for short exposures, else plain seconds."""
    if seconds is None or seconds <= 0:
        return None
    if seconds < 0.25001:
        return f"1/{int(0.5 + 1 / seconds)}"
    return f"{seconds:.10g}"


def _gps_coordinate(values: Any, ref: Any) -> float | None:
    if not isinstance(values, tuple) or not 1 <= len(values) <= 3:
        return None
    parts = [number for part in values if (number := to_float(part)) is not None]
    if len(parts) != len(values):
        return None
    parts += [0.0] * (3 - len(parts))
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if clean_text(ref) in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def _gps_datetime(gps: Mapping[int, Any]) -> datetime | None:
    date_text, time_parts = clean_text(gps.get(_GPS_DATE)), gps.get(_GPS_TIME)
    if not date_text or not isinstance(time_parts, tuple) or len(time_parts) != 3:
        return None
    numbers = [number for part in time_parts if (number := to_float(part)) is not None]
    if len(numbers) != 3:
        return None
    try:
        day = datetime.strptime(date_text, "%Y:%m:%d")
        seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
        return datetime.fromtimestamp(day.replace(tzinfo=timezone.utc).timestamp() + seconds, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def read_exif(blob: bytes | None) -> dict[str, Any]:
    """Named values from an EXIF blob (with or without the 'Exif\\0\\0' prefix); missing values are absent."""
    if not blob:
        return {}
    exif = Image.Exif()
    try:
        exif.load(bytes(blob))
        detail = exif.get_ifd(_IFD_EXIF)
        gps = exif.get_ifd(_IFD_GPS)
    except (SyntaxError, ValueError, TypeError, KeyError, IndexError, OSError, EOFError):
        return {}
    return values_from_ifds(exif, detail, gps)


def values_from_ifds(ifd0: Mapping[int, Any], detail: Mapping[int, Any], gps: Mapping[int, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    orientation = ifd0.get(_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        values["orientation"] = orientation
    for key, tag in (("make", _MAKE), ("model", _MODEL), ("description", _DESCRIPTION)):
        if text := clean_text(ifd0.get(tag)):
            values[key] = text
    rating = ifd0.get(_RATING)
    if isinstance(rating, int) and -1 <= rating <= 5:
        values["rating"] = rating
    bits = ifd0.get(_BITS_PER_SAMPLE)
    if isinstance(bits, tuple) and bits:
        bits = bits[0]
    if isinstance(bits, int) and bits > 0:
        values["bits_per_sample"] = bits
    if text := clean_text(detail.get(_LENS_MODEL)):
        values["lens_model"] = text
    if (number := to_float(detail.get(_FNUMBER))) is not None and number > 0:
        values["f_number"] = round(number, 2)
    if (number := to_float(detail.get(_FOCAL))) is not None and number > 0:
        values["focal_length"] = round(number, 2)
    if text := exposure_text(to_float(detail.get(_EXPOSURE))):
        values["exposure_time"] = text
    iso = detail.get(_ISO)
    if isinstance(iso, tuple) and iso:
        iso = iso[0]
    if isinstance(iso, int) and iso > 0:
        values["iso"] = iso
    if (space := detail.get(_COLORSPACE)) in _COLORSPACES:
        values["colorspace"] = _COLORSPACES[space]
    if content_identifier := apple_content_identifier(detail.get(_MAKER_NOTE)):
        values["live_photo_cid"] = content_identifier

    latitude = _gps_coordinate(gps.get(_LAT), gps.get(_LAT_REF))
    longitude = _gps_coordinate(gps.get(_LON), gps.get(_LON_REF))
    warnings = []
    if (gps.get(_LAT) is not None or gps.get(_LON) is not None) and (latitude is None or longitude is None):
        warnings.append("EXIF GPS position unreadable, ignored")
    elif latitude is not None and longitude is not None:
        if position_problem := gps_problem(latitude, longitude):
            warnings.append(f"EXIF GPS position {position_problem}, ignored")
        else:
            values["latitude"], values["longitude"] = latitude, longitude
    if (altitude := to_float(gps.get(_ALT))) is not None:
        below = gps.get(_ALT_REF) in (1, b"\x01")
        values["altitude"] = round(-altitude if below else altitude, 2)

    dates = []
    offsets = [clean_text(detail.get(tag)) for tag in (_OFFSET_ORIGINAL, _OFFSET_DIGITIZED, _OFFSET)]
    if offset := next((text for text in offsets if text), None):
        values["offset"] = offset
    for name, tag, subsec_tag, offset_tag in (
        ("DateTimeOriginal", _DATE_ORIGINAL, _SUBSEC_ORIGINAL, _OFFSET_ORIGINAL),
        ("CreateDate", _DATE_DIGITIZED, _SUBSEC_DIGITIZED, _OFFSET_DIGITIZED),
    ):
        if text := clean_text(detail.get(tag)):
            # Its own offset tag only: the shared one (OffsetTime) is the zone hint `offset` above.
            dates.append(DateParts(name, text, clean_text(detail.get(subsec_tag)), clean_text(detail.get(offset_tag))))
    if gps_date := _gps_datetime(gps):
        values["gps_time"] = gps_date
        dates.append(DateParts("GPSDateTime", gps_date.strftime("%Y:%m:%d %H:%M:%S"), utc=True))
    values["dates"] = tuple(dates)
    values["warnings"] = tuple(warnings)
    return values


def gps_problem(latitude: float, longitude: float) -> str | None:
    """Why a position is not one (None when it is): out of range, or 0,0, what cameras without a fix write (no one
    photographs from that spot in the Gulf of Guinea, and Immich ignores it)."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return "is not a number"
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return f"{latitude},{longitude} is out of range"
    if (latitude, longitude) == (0, 0):
        return "0,0 (no fix)"
    return None


def apple_content_identifier(maker_note: object) -> str | None:
    """The ContentIdentifier of an Apple MakerNote; None for other makers' notes and for damaged ones."""
    if not isinstance(maker_note, bytes) or not maker_note.startswith(_APPLE_NOTE):
        return None
    order = {b"MM": ">", b"II": "<"}.get(maker_note[12:14])
    if order is None or len(maker_note) < _APPLE_IFD_START + 2:
        return None
    (count,) = struct.unpack_from(order + "H", maker_note, _APPLE_IFD_START)
    for index in range(count):
        entry = _APPLE_IFD_START + 2 + 12 * index
        if entry + 12 > len(maker_note):
            return None
        tag, kind, length, offset = struct.unpack_from(order + "HHII", maker_note, entry)
        if tag == _APPLE_CONTENT_IDENTIFIER and kind == _ASCII:
            start = entry + 8 if length <= 4 else offset
            return clean_text(maker_note[start : start + length]) if start + length <= len(maker_note) else None
    return None


def icc_description(profile: bytes | None) -> str | None:
    """The human name an ICC profile gives itself ('sRGB IEC61966-2.1', 'Display P3', ...)."""
    if not profile:
        return None
    try:
        parsed = ImageCms.ImageCmsProfile(io.BytesIO(bytes(profile)))
        return clean_text(ImageCms.getProfileDescription(parsed))
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        return None

"""Immich's reading of a file, re-stated for comparison: its rules (server/src/services/metadata.service.ts, and
exiftool-vendored's zone options that server/src/repositories/metadata.repository.ts turns on) applied to the JSON
that exiftool itself prints for the file. A small independent statement of the rules, written for the agreement
bench; the server's reader (workers/media) shares no code with it but the zone lookup by coordinates.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import tzfpy

# The tags exiftool is asked for ('#': its number, not its printed text).
EXIFTOOL_TAGS = """SubSecDateTimeOriginal SubSecCreateDate SubSecMediaCreateDate DateTimeOriginal CreateDate
MediaCreateDate CreationDate DateTimeCreated GPSDateTime DateTimeUTC OffsetTimeOriginal OffsetTimeDigitized
OffsetTime TimeZone GPSLatitude# GPSLongitude# Make Model LensID LensType LensSpec LensModel FNumber# FocalLength#
ISO# ExposureTime Orientation# Rotation# ImageDescription Description Rating# TagsList HierarchicalSubject Keywords
ProjectionType ImageSize""".split()
DATE_TAGS = (
    "SubSecDateTimeOriginal",
    "SubSecCreateDate",
    "SubSecMediaCreateDate",
    "DateTimeOriginal",
    "CreateDate",
    "MediaCreateDate",
    "CreationDate",
    "DateTimeCreated",
    "GPSDateTime",
    "DateTimeUTC",
)
_VIDEO_UTC_TAGS = {"CreateDate", "MediaCreateDate", "SubSecCreateDate", "SubSecMediaCreateDate"}
_DATE = re.compile(r"^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?\s*(Z|[+-]\d{1,2}:\d\d)?$")
_ROTATIONS = {0: "1", 90: "6", 180: "3", 270: "8"}


def _offset(text: Any) -> timezone | None:
    if not isinstance(text, str):
        return None
    if text == "Z":
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{1,2}):(\d\d)", text.strip())
    if not match:
        return None
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return None if delta > timedelta(hours=14) else timezone(-delta if match[1] == "-" else delta)


def _label(offset: tzinfo) -> str:
    minutes = int((offset.utcoffset(None) or timedelta(0)).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def _parse(text: Any) -> tuple[datetime, timezone | None] | None:
    match = _DATE.match(str(text)) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int(((fraction or "") + "000000")[:6]),
        )  # fmt: skip
    except ValueError:
        return None
    return naive, _offset(zone)


def _gps(tags: dict) -> tuple[float, float] | None:
    latitude, longitude = tags.get("GPSLatitude"), tags.get("GPSLongitude")
    if not isinstance(latitude, (int, float)) or not isinstance(longitude, (int, float)):
        return None
    return None if latitude == 0 and longitude == 0 else (latitude, longitude)


def zone_of(tags: dict, is_video: bool) -> tuple[str, tzinfo] | None:
    """exiftool-vendored's tz with Immich's options: offset tags, then GPS (geoTz), then a zone another date
    carries (inferTimezoneFromDatestamps), then the camera clock against GPS time (inferTimezoneFromTimeStamp),
    then UTC for videos (defaultVideosToUTC)."""
    for name in ("TimeZone", "OffsetTimeOriginal", "OffsetTimeDigitized", "OffsetTime"):
        if (offset := _offset(tags.get(name))) is not None:
            return _label(offset), offset
    if (position := _gps(tags)) is not None and (name := tzfpy.get_tz(position[1], position[0])):
        return name, ZoneInfo(name)
    for name in DATE_TAGS:
        parsed = _parse(tags.get(name))
        if parsed and parsed[1] is not None and name not in ("GPSDateTime", "DateTimeUTC"):
            return _label(parsed[1]), parsed[1]
    local, utc = _parse(tags.get("DateTimeOriginal")), _parse(tags.get("GPSDateTime"))
    if local and utc and local[1] is None:
        seconds = round((local[0] - utc[0]).total_seconds() / 900) * 900
        if abs(seconds) <= 14 * 3600:
            offset = timezone(timedelta(seconds=seconds))
            return _label(offset), offset
    if is_video:
        return "UTC", timezone.utc
    return None


def _dates(tags: dict, zone: tuple[str, tzinfo] | None, is_video: bool, mtime: datetime) -> dict[str, Any]:
    for name in DATE_TAGS:
        parsed = _parse(tags.get(name))
        if parsed is None:
            continue
        naive, own = parsed
        if own is not None:
            value = naive.replace(tzinfo=own)
        elif is_video and name in _VIDEO_UTC_TAGS:
            value = naive.replace(tzinfo=timezone.utc).astimezone(zone[1] if zone else timezone.utc)
        else:
            value = naive.replace(tzinfo=zone[1] if zone else timezone.utc)
        label = zone[0] if zone else ("UTC+0" if str(tags.get(name)).endswith("+00:00") else None)
        return {
            "dateTimeOriginal": value.astimezone(timezone.utc).replace(microsecond=0),
            "localDateTime": value.replace(tzinfo=None, microsecond=0),
            "timeZone": label,
        }
    return {"dateTimeOriginal": mtime, "localDateTime": mtime.replace(tzinfo=None), "timeZone": None}


def _keywords(tags: dict) -> tuple[str, ...]:
    def listed(value: Any) -> list[str]:
        return [str(item) for item in (value if isinstance(value, list) else [value])]

    if tags.get("TagsList"):
        return tuple(listed(tags["TagsList"]))
    if tags.get("HierarchicalSubject"):
        return tuple(
            "/".join(part.replace("/", "|") for part in item.split("|")) for item in listed(tags["HierarchicalSubject"])
        )
    if tags.get("Keywords") not in (None, ""):
        return tuple(listed(tags["Keywords"]))
    return ()


def _lens(tags: dict) -> str | None:
    lens = str(
        tags.get("LensID") or tags.get("LensType") or tags.get("LensSpec") or tags.get("LensModel") or ""
    ).strip()
    return None if lens in ("", "----") or lens.startswith("Unknown") else lens


def _number(value: Any) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return float(value) if isinstance(value, (int, float)) else None


def immich_reading(media: dict, sidecar: dict | None, is_video: bool, mtime: datetime) -> dict[str, Any]:
    """The API's exifInfo fields (and localDateTime) as Immich makes them from exiftool's tags."""
    tags = dict(media)
    # exiftool-vendored finds a zone per file read; the sidecar's, when it has one, replaces the file's (`tz` is
    # one more tag in Immich's merge).
    zone = (zone_of(sidecar, False) if sidecar else None) or zone_of(media, is_video)
    if sidecar:
        if any(_parse(sidecar.get(name)) for name in DATE_TAGS):
            for name in DATE_TAGS:
                tags.pop(name, None)
        tags.update(sidecar)
    if is_video:
        rotation = tags.get("Rotation")
        tags["Orientation"] = _ROTATIONS.get(int(rotation) % 360) if isinstance(rotation, (int, float)) else "1"
    position = _gps(tags)
    width, height = (str(tags.get("ImageSize") or "x").split("x") + [""])[:2]
    rating = _number(tags.get("Rating"))
    orientation = tags.get("Orientation")
    return {
        **_dates(tags, zone, is_video, mtime),
        "latitude": round(position[0], 4) if position else None,
        "longitude": round(position[1], 4) if position else None,
        "make": tags.get("Make"),
        "model": tags.get("Model"),
        "lensModel": _lens(tags),
        "fNumber": _number(tags.get("FNumber")),
        "focalLength": _number(tags.get("FocalLength")),
        "iso": _number(tags.get("ISO")),
        "exposureTime": str(tags["ExposureTime"]) if tags.get("ExposureTime") is not None else None,
        "orientation": str(orientation) if orientation is not None else None,
        "description": str(tags.get("ImageDescription") or tags.get("Description") or "").strip(),
        "rating": rating if rating is not None and -1 <= rating <= 5 else None,
        "keywords": _keywords(tags),
        "projectionType": str(tags["ProjectionType"]).upper() if tags.get("ProjectionType") else None,
        "exifImageWidth": int(float(width)) if width.replace(".", "").isdigit() else None,
        "exifImageHeight": int(float(height)) if height.replace(".", "").isdigit() else None,
    }

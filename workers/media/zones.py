"""The time zone of a place, from its coordinates, with tzfpy (its boundary data ships inside the package: no
download, ~1 us a lookup after a ~0.15 s first load per process). Pure: numbers in, an IANA name out."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzfpy

from workers.media.exif import gps_problem


def valid_position(latitude: float | None, longitude: float | None) -> bool:
    """A position a photo can have been taken at: finite, in range, and not 0,0 (what cameras without a fix write,
    and what Immich ignores)."""
    return latitude is not None and longitude is not None and gps_problem(latitude, longitude) is None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_at(latitude: float | None, longitude: float | None) -> tuple[str, ZoneInfo] | None:
    """(IANA name, zone) of the place, None without a valid position or where the name is unknown to this system's
    zone database."""
    if latitude is None or longitude is None or not valid_position(latitude, longitude):
        return None
    name = tzfpy.get_tz(longitude, latitude)
    zone = _zone(name) if name else None
    return (name, zone) if zone is not None else None

"""When a photo was taken: the date text of the file (or sidecar), its sub-seconds and offset, and how sure we are.

Results keep the zone they were taken in (an aware datetime in its own offset or zone), so the wall clock survives:
`date.replace(tzinfo=utc)` is Immich's localDateTime, `date.astimezone(utc)` its dateTimeOriginal.

The zone of a date, as exiftool (through exiftool-vendored, with Immich's options) finds it, first that applies:
1. an EXIF offset tag (the date's own, OffsetTimeOriginal..., else any), or an offset in the date itself (which
   keeps it, but is named by the place's zone when there is a GPS position, as exiftool-vendored names it);
2. the zone of the GPS position (an IANA name);
2b. the offset another date of the file carries (a video's Apple CreationDate);
3. the offset between the camera clock and the GPS time (GPSDateStamp/GPSTimeStamp), rounded to 15 minutes, when
   within +-14 h: a camera whose clock disagrees with GPS time by more is not trusted for a zone;
4. dates that are UTC by convention (video containers' CreateDate, GPS time) stay UTC ("UTC");
5. the configured default zone (`metadata.defaultTimeZone`): "UTC" by default, reported as no zone (null), as
   Immich reports a date without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workers.media import zones
from workers.media.exif import DateParts

_DATE = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})"
    r"[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?"
    r"\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$"
)
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
_MAX_OFFSET = timedelta(hours=14)
_GPS_CLOCK_STEP = 15 * 60  # seconds: zones are whole quarter hours


@dataclass(frozen=True)
class DateDecision:
    value: datetime
    time_zone: str | None  # "UTC", "UTC+2", "UTC+5:30", an IANA name, or None (no zone known, or file times)
    source: str  # "sidecar" | "exif" | "file"
    confidence: str  # "exact" | "zone-from-gps" | "zone-assumed" | "file-time"


@dataclass(frozen=True)
class ZoneHints:
    """What else the file says about where and when: any EXIF offset tag, the GPS position and the GPS time."""

    offset: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    gps_time: datetime | None = None  # aware, UTC
    datestamp_offset: str | None = None  # the offset another date of the file carries (Apple's CreationDate)


class BadOffset(ValueError):
    """An offset that is written as one but is not a real one (past +-14:00, minutes over 59)."""


def parse_offset(text: str | None) -> timezone | None:
    """'+02:00', '+2:00', '+0200', '-05:30', 'Z' -> the offset; None when there is none; BadOffset when the text
    is an offset out of range."""
    if not text:
        return None
    text = text.strip()
    if text.upper() == "Z":
        return timezone.utc
    match = _OFFSET.fullmatch(text)
    if not match:
        return None
    minutes = int(match[3] or 0)
    delta = timedelta(hours=int(match[2]), minutes=minutes)
    if delta > _MAX_OFFSET or minutes >= 60:
        raise BadOffset(f"offset {text!r} is past +-14:00")
    return timezone(-delta if match[1] == "-" else delta)


def _offset_or_warning(text: str | None, warnings: list[str]) -> timezone | None:
    try:
        return parse_offset(text)
    except BadOffset as error:
        warnings.append(f"{error}, ignored")
        return None


def zone_label(offset: tzinfo) -> str:
    """exiftool-vendored's names: 'UTC' for +00:00, 'UTC+2', 'UTC-5:30'."""
    delta = offset.utcoffset(None) or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def parse_date_text(text: str, subsec: str | None = None) -> tuple[datetime, str | None] | None:
    """EXIF ('2021:06:15 10:30:00') or ISO 8601 text -> (naive wall clock, the offset text it carries, if any).
    A date without a time is not read (as Immich, whose exiftool-vendored gives it as a day, not a moment)."""
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset_text = match.groups()
    fraction = fraction or (subsec or "").strip()
    micro = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    except ValueError:
        return None  # 0000:00:00, month 13 and other placeholders cameras write
    if naive.year < 1800:
        return None
    return naive, offset_text


def default_zone_info(name: str) -> tuple[tzinfo, str | None, str | None]:
    """The configured zone for dates without one -> (tzinfo, label, warning if the name was unknown). UTC, the
    default, has no label: Immich reports no zone for such dates."""
    if not name or name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc, None, None
    try:
        return ZoneInfo(name), name, None
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc, None, f"unknown time zone {name!r}, dates without a zone read as UTC"


def _gps_clock_offset(naive: datetime, gps_time: datetime | None) -> timezone | None:
    if gps_time is None:
        return None
    seconds = (naive - gps_time.replace(tzinfo=None)).total_seconds()
    rounded = round(seconds / _GPS_CLOCK_STEP) * _GPS_CLOCK_STEP
    if abs(rounded) > _MAX_OFFSET.total_seconds():
        return None
    return timezone(timedelta(seconds=rounded))


def decide_from_parts(
    parts: DateParts, *, source: str, default_zone: str, hints: ZoneHints, warnings: list[str]
) -> DateDecision | None:
    parsed = parse_date_text(parts.text, parts.subsec)
    if parsed is None:
        return None
    naive, inline_text = parsed
    inline = None if parts.utc else _offset_or_warning(inline_text, warnings)
    explicit = _offset_or_warning(parts.offset, warnings) or _offset_or_warning(hints.offset, warnings)
    if explicit is not None:  # an offset tag names the zone; a date that carries its own keeps it
        return DateDecision(naive.replace(tzinfo=inline or explicit), zone_label(explicit), source, "exact")
    place = zones.zone_at(hints.latitude, hints.longitude)
    if inline is not None:  # exiftool-vendored names the zone of the place, if known, for such a date too
        return DateDecision(naive.replace(tzinfo=inline), place[0] if place else zone_label(inline), source, "exact")
    if parts.utc:
        instant = naive.replace(tzinfo=timezone.utc)
        if place is not None:  # a phone's video: UTC in the container, local time where it was taken
            return DateDecision(instant.astimezone(place[1]), place[0], source, "zone-from-gps")
        if (stamped := _offset_or_warning(hints.datestamp_offset, warnings)) is not None:
            return DateDecision(instant.astimezone(stamped), zone_label(stamped), source, "exact")
        return DateDecision(instant, "UTC", source, "exact")  # the instant is known; its place is not
    if place is not None:
        return DateDecision(naive.replace(tzinfo=place[1]), place[0], source, "zone-from-gps")
    if (stamped := _offset_or_warning(hints.datestamp_offset, warnings)) is not None:
        return DateDecision(naive.replace(tzinfo=stamped), zone_label(stamped), source, "exact")
    if (clock := _gps_clock_offset(naive, hints.gps_time)) is not None:
        return DateDecision(naive.replace(tzinfo=clock), zone_label(clock), source, "zone-from-gps")
    zone, label, warning = default_zone_info(default_zone)
    if warning:
        warnings.append(warning)
    return DateDecision(naive.replace(tzinfo=zone), label, source, "zone-assumed")


def file_time_decision(mtime: float, fallback_date: datetime | None) -> DateDecision:
    """No date in the file: the earliest of the client's fileCreatedAt and the file's mtime (as Immich does)."""
    candidates = [datetime.fromtimestamp(mtime, timezone.utc)]
    if fallback_date is not None:
        candidates.append(fallback_date if fallback_date.tzinfo else fallback_date.replace(tzinfo=timezone.utc))
    return DateDecision(min(candidates), None, "file", "file-time")


def decide(
    candidates: list[tuple[str, DateParts]],
    *,
    default_zone: str,
    mtime: float,
    fallback_date: datetime | None,
    hints: ZoneHints | None = None,
) -> tuple[DateDecision, list[str]]:
    """The first candidate that parses wins; candidates are (source, parts) in priority order."""
    warnings: list[str] = []
    for source, parts in candidates:
        decision = decide_from_parts(
            parts, source=source, default_zone=default_zone, hints=hints or ZoneHints(), warnings=warnings
        )
        if decision is not None:
            return decision, warnings
        warnings.append(f"unreadable {parts.source_tag} {parts.text!r} ignored")
    return file_time_decision(mtime, fallback_date), warnings

"""When a photo was taken: the date text of the file (or sidecar), its sub-seconds and offset, and how sure we are.

Results keep the zone they were taken in (an aware datetime in its own offset or zone), so the wall clock survives:
`date.replace(tzinfo=utc)` is Immich's localDateTime, `date.astimezone(utc)` its dateTimeOriginal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workers.media.exif import DateParts

_DATE = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class DateDecision:
    value: datetime
    time_zone: str | None  # "UTC+2", "UTC+5:30", "UTC+0", an IANA name, or None for file times
    source: str  # "sidecar" | "exif" | "file"
    confidence: str  # "exact" | "zone-assumed" | "file-time"


def parse_offset(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.strip()
    if text.upper() == "Z":
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if not match:
        return None
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    if delta > _MAX_OFFSET or int(match[3]) >= 60:
        return None
    return timezone(-delta if match[1] == "-" else delta)


def zone_label(offset: timezone) -> str:
    minutes = int(offset.utcoffset(None).total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def parse_date_text(text: str, subsec: str | None = None) -> tuple[datetime, timezone | None] | None:
    """EXIF ('2021:06:15 10:30:00') or ISO 8601 text -> (naive wall clock, offset if the text has one)."""
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset_text = match.groups()
    fraction = fraction or (subsec or "").strip()
    micro = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    try:
        naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    except ValueError:
        return None  # 0000:00:00 and other placeholders cameras write
    if naive.year < 1800:
        return None
    return naive, parse_offset(offset_text)


def default_zone_info(name: str) -> tuple[tzinfo, str, str | None]:
    """The configured zone for dates without one -> (tzinfo, label, warning if the name was unknown)."""
    if not name or name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc, "UTC", None
    try:
        return ZoneInfo(name), name, None
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc, "UTC", f"unknown time zone {name!r}, dates without a zone read as UTC"


def decide_from_parts(parts: DateParts, *, source: str, default_zone: str) -> tuple[DateDecision | None, str | None]:
    parsed = parse_date_text(parts.text, parts.subsec)
    if parsed is None:
        return None, None
    naive, inline_offset = parsed
    offset = inline_offset or parse_offset(parts.offset)
    if offset is not None:
        return DateDecision(naive.replace(tzinfo=offset), zone_label(offset), source, "exact"), None
    zone, label, warning = default_zone_info(default_zone)
    return DateDecision(naive.replace(tzinfo=zone), label, source, "zone-assumed"), warning


def file_time_decision(mtime: float, fallback_date: datetime | None) -> DateDecision:
    """No date in the file: the earliest of the client's fileCreatedAt and the file's mtime (as Immich does)."""
    candidates = [datetime.fromtimestamp(mtime, timezone.utc)]
    if fallback_date is not None:
        candidates.append(fallback_date if fallback_date.tzinfo else fallback_date.replace(tzinfo=timezone.utc))
    return DateDecision(min(candidates), None, "file", "file-time")


def decide(
    candidates: list[tuple[str, DateParts]], *, default_zone: str, mtime: float, fallback_date: datetime | None
) -> tuple[DateDecision, list[str]]:
    """The first candidate that parses wins; candidates are (source, parts) in priority order."""
    warnings = []
    for source, parts in candidates:
        decision, warning = decide_from_parts(parts, source=source, default_zone=default_zone)
        if decision is not None:
            if warning:
                warnings.append(warning)
            return decision, warnings
        warnings.append(f"unreadable {parts.source_tag} {parts.text!r} ignored")
    return file_time_decision(mtime, fallback_date), warnings

"""The storage template's vocabulary and values: the variables a template may name (Luxon's date tokens, the text
variables, the album's dates), the reference's presets, and what each variable becomes for one asset (dates
formatted, names sanitised and cut to 255 bytes). Pure: no ORM, no settings; `storage_template` parses and renders.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

YEAR_OPTIONS = ("y", "yy")
MONTH_OPTIONS = ("M", "MM", "MMM", "MMMM")
WEEK_OPTIONS = ("W", "WW")
DAY_OPTIONS = ("d", "dd")
HOUR_OPTIONS = ("h", "hh", "H", "HH")
MINUTE_OPTIONS = ("m", "mm")
SECOND_OPTIONS = ("s", "ss", "SSS")
# Luxon's ISO week-year tokens: beyond the reference's lists, so that weeks can be filed under their own year
# ({{kkkk}}-W{{WW}}: 1 January 2021 is 2020-W53, where {{y}}-{{WW}} gives the contradictory 2021-53).
WEEK_YEAR_OPTIONS = ("kkkk", "kk")
DATE_TOKENS = (
    *YEAR_OPTIONS,
    *WEEK_YEAR_OPTIONS,
    *MONTH_OPTIONS,
    *WEEK_OPTIONS,
    *DAY_OPTIONS,
    *HOUR_OPTIONS,
    *MINUTE_OPTIONS,
    *SECOND_OPTIONS,
)
TEXT_VARIABLES = (
    "filename",
    "ext",
    "filetype",
    "filetypefull",
    "assetId",
    "assetIdShort",
    "album",
    "make",
    "model",
    "lensModel",
)
ALBUM_DATE_VARIABLES = tuple(f"album-{edge}-{token}" for edge in ("startDate", "endDate") for token in DATE_TOKENS)
VARIABLES = frozenset((*DATE_TOKENS, *TEXT_VARIABLES, *ALBUM_DATE_VARIABLES))

DEFAULT_TEMPLATE = "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
# Immich's `storagePresets`, in its order (the first is the default).
PRESETS = (
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}/{{filename}}",
    "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
    "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}",
    "{{y}}/{{MMM}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{filename}}",
    "{{y}}/{{MM}}/{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{filename}}",
    "{{y}}/{{y}}-{{WW}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
    "{{y}}/{{y}}-{{MM}}/{{assetId}}",
    "{{y}}/{{y}}-{{WW}}/{{assetId}}",
    "{{album}}/{{filename}}",
    "{{make}}/{{model}}/{{lensModel}}/{{filename}}",
)


def template_options() -> dict[str, list[str]]:
    """The body of `GET /system-config/storage-template-options`, in the reference's shape."""
    return {
        "yearOptions": list(YEAR_OPTIONS),
        "monthOptions": list(MONTH_OPTIONS),
        "weekOptions": list(WEEK_OPTIONS),
        "dayOptions": list(DAY_OPTIONS),
        "hourOptions": list(HOUR_OPTIONS),
        "minuteOptions": list(MINUTE_OPTIONS),
        "secondOptions": list(SECOND_OPTIONS),
        "presetOptions": list(PRESETS),
    }


# -- what the variables become for one asset --------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_FORMATS = {
    "y": lambda t: str(t.year),
    "yy": lambda t: f"{t.year % 100:02d}",
    "kkkk": lambda t: f"{t.isocalendar()[0]:04d}",
    "kk": lambda t: f"{t.isocalendar()[0] % 100:02d}",
    "M": lambda t: str(t.month),
    "MM": lambda t: f"{t.month:02d}",
    "MMM": lambda t: _MONTHS[t.month - 1][:3],
    "MMMM": lambda t: _MONTHS[t.month - 1],
    "W": lambda t: str(t.isocalendar()[1]),
    "WW": lambda t: f"{t.isocalendar()[1]:02d}",
    "d": lambda t: str(t.day),
    "dd": lambda t: f"{t.day:02d}",
    "h": lambda t: str(t.hour % 12 or 12),
    "hh": lambda t: f"{t.hour % 12 or 12:02d}",
    "H": lambda t: str(t.hour),
    "HH": lambda t: f"{t.hour:02d}",
    "m": lambda t: str(t.minute),
    "mm": lambda t: f"{t.minute:02d}",
    "s": lambda t: str(t.second),
    "ss": lambda t: f"{t.second:02d}",
    "SSS": lambda t: f"{t.microsecond // 1000:03d}",
}


def format_date(moment: datetime, token: str) -> str:
    """One Luxon token (en-US), for the date's own wall clock."""
    return _FORMATS[token](moment)


_EXTENSION_ALIASES = {
    "jpeg": "jpg",
    "jpe": "jpg",
    "tif": "tiff",
    "3gpp": "3gp",
    "mpeg": "mpg",
    "mpe": "mpg",
    "m2ts": "mts",
    "m2t": "mts",
}


def normalise_extension(extension: str) -> str:
    extension = sanitize_component(extension.lstrip(".")).lower()
    return _EXTENSION_ALIASES.get(extension, extension)


_ILLEGAL = re.compile(r'[/?<>\\:*|"]')
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_TRAILING = re.compile(r"[. ]+$")
MAX_COMPONENT_BYTES = 255


def truncate_utf8(text: str, limit: int = MAX_COMPONENT_BYTES) -> str:
    """At most `limit` bytes of UTF-8, never cutting a character in two."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def sanitize_component(text: str) -> str:
    """What `sanitize-filename` does (reserved and control characters, '.'/'..', Windows device names, trailing
    dots and spaces), plus every other control or line-separator character; '' when nothing usable is left."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp"))
    text = _ILLEGAL.sub("", text)
    if _RESERVED.match(text) or _WINDOWS_RESERVED.match(text):
        return ""
    text = _TRAILING.sub("", truncate_utf8(text.strip()))
    return "" if _RESERVED.match(text) else text


@dataclass(frozen=True)
class TemplateValues:
    """What a template can say about one asset. `taken` and the album dates are aware and already in the zone
    their wall clock should be read in."""

    asset_id: str
    taken: datetime
    original_file_name: str
    extension: str  # of the file as stored now, with or without the dot
    is_image: bool
    album: str | None = None
    album_start: datetime | None = None
    album_end: datetime | None = None
    make: str | None = None
    model: str | None = None
    lens_model: str | None = None


def sample_values() -> TemplateValues:
    """What validation renders with (Immich validates by rendering a sample asset)."""
    moment = datetime(2022, 2, 3, 4, 5, 6, 7000)
    return TemplateValues(
        asset_id="d587e44b-f8c0-4832-9ba3-43268bbf5d4e",
        taken=moment,
        original_file_name="IMG_123.jpg",
        extension="jpg",
        is_image=True,
        album="album",
        album_start=moment,
        album_end=moment,
        make="Canon",
        model="EOS R5",
        lens_model="RF 24-105mm",
    )


def _stem(original_file_name: str) -> str:
    name = original_file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


def substitutions(values: TemplateValues, needed: frozenset[str] = VARIABLES) -> dict[str, str]:
    """The values of the `needed` variables (those a template uses; date formatting is most of the cost)."""
    found = {token: format_date(values.taken, token) for token in DATE_TOKENS if token in needed}
    album = sanitize_component((values.album or "").replace(".", ""))
    if album:
        for edge, moment in (("startDate", values.album_start), ("endDate", values.album_end)):
            for token in DATE_TOKENS:
                name = f"album-{edge}-{token}"
                if name in needed:
                    found[name] = format_date(moment, token) if moment else ""
    text: dict[str, Callable[[], str]] = {
        "filename": lambda: sanitize_component(_stem(values.original_file_name)) or values.asset_id,
        "ext": lambda: normalise_extension(values.extension),
        "filetype": lambda: "IMG" if values.is_image else "VID",
        "filetypefull": lambda: "IMAGE" if values.is_image else "VIDEO",
        "assetId": lambda: values.asset_id,
        "assetIdShort": lambda: values.asset_id[-12:],
        "album": lambda: album,
        "make": lambda: sanitize_component(values.make or ""),
        "model": lambda: sanitize_component(values.model or ""),
        "lensModel": lambda: sanitize_component(values.lens_model or ""),
    }
    found.update((name, value()) for name, value in text.items() if name in needed)
    return found

"""XMP (sidecar files and packets embedded in images): finding the sidecar and reading the values Immich reads.

Parsing is defensive: a packet that declares a DOCTYPE or an ENTITY is refused before the parser sees it (no
external entities, no entity expansion bombs), as is one not in UTF-8 (the check reads bytes, so a UTF-16 packet
would slip past it) and anything over a size limit. Refusals raise `BadXmp`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from workers.media.exif import exposure_text, to_float

MAX_XMP_BYTES = 4 * 1024 * 1024

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "GPano": "http://ns.google.com/photos/1.0/panorama/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
}
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The order Immich reads dates in, restricted to what XMP carries.
_DATE_KEYS = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")

_WANTED = (
    "dc:description",
    "xmp:Rating",
    *_DATE_KEYS,
    "tiff:Orientation",
    "tiff:Make",
    "tiff:Model",
    "exifEX:LensModel",
    "aux:Lens",
    "exif:FNumber",
    "exif:ExposureTime",
    "exif:ISOSpeedRatings",
    "exifEX:PhotographicSensitivity",
    "exif:FocalLength",
    "exif:GPSLatitude",
    "exif:GPSLongitude",
    "exif:GPSAltitude",
    "exif:GPSAltitudeRef",
    "GPano:ProjectionType",
)


class BadXmp(ValueError):
    """The XMP could not be read safely; the message says why."""


def find_sidecar(original: Path) -> Path | None:
    """`<file>.xmp` (IMG_1.jpg.xmp) first, then `<name>.xmp` (IMG_1.xmp), as Immich looks for them."""
    for candidate in (original.with_name(original.name + ".xmp"), original.with_suffix(".xmp")):
        if candidate != original and candidate.is_file():
            return candidate
    return None


def _qualified(key: str) -> str:
    prefix, name = key.split(":")
    return f"{{{_NS[prefix]}}}{name}"


def _text_of(element: ElementTree.Element) -> str | None:
    """Simple text, or the x-default (else first) item of an rdf:Alt / rdf:Seq / rdf:Bag."""
    items = element.findall(".//rdf:li", _NS)
    if items:
        preferred = [item for item in items if item.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"]
        element = (preferred or items)[0]
    text = (element.text or "").strip()
    return text or None


def _raw_values(root: ElementTree.Element) -> dict[str, str]:
    found: dict[str, str] = {}
    wanted = {_qualified(key): key for key in _WANTED}
    for description in root.iter(_qualified("rdf:Description")):
        for attribute, value in description.attrib.items():
            if attribute in wanted and value.strip():
                found.setdefault(wanted[attribute], value.strip())
        for child in description:
            if child.tag in wanted and (text := _text_of(child)):
                found.setdefault(wanted[child.tag], text)
    return found


# Keyword lists, in the order Immich prefers them: digiKam's paths ("a/b"), Lightroom's ("a|b"), then flat subjects.
_KEYWORD_KEYS = (("digiKam:TagsList", "/"), ("lr:hierarchicalSubject", "|"), ("dc:subject", None))


def _keywords(root: ElementTree.Element) -> tuple[str, ...]:
    """The first keyword list found, each keyword a "/"-separated path (a flat subject's "/" is kept as written)."""
    for key, separator in _KEYWORD_KEYS:
        items = [
            (item.text or "").strip()
            for element in root.iter(_qualified(key))
            for item in element.iter(_qualified("rdf:li"))
        ]
        items = [item for item in items if item]
        if items:
            if separator == "|":
                items = [item.replace("/", "-").replace("|", "/") for item in items]
            return tuple(dict.fromkeys(items))
    return ()


def _coordinate(text: str | None) -> float | None:
    """XMP writes GPS as 'DDD,MM.mmmmk' or 'DDD,MM,SSk' (k = N/S/E/W); plain decimals also occur."""
    if not text:
        return None
    text = text.strip()
    sign = -1 if text[-1:].upper() in ("S", "W") else 1
    body = text[:-1] if text[-1:].upper() in ("N", "S", "E", "W") else text
    try:
        parts = [float(part) for part in body.split(",")]
    except ValueError:
        return None
    if not parts or len(parts) > 3:
        return None
    value = parts[0] + sum(part / 60**index for index, part in enumerate(parts[1:], start=1))
    rounded: float = round(sign * value, 7)
    return rounded


def _rational(text: str | None) -> float | None:
    if not text:
        return None
    if "/" in text:
        top, _, bottom = text.partition("/")
        return (
            to_float((int(top), int(bottom)))
            if top.strip().lstrip("-").isdigit() and bottom.strip().isdigit()
            else None
        )
    return to_float(text)


def safe_root(data: bytes) -> ElementTree.Element:
    """The parsed packet, after the checks in the module docstring (every XMP reader goes through here)."""
    if len(data) > MAX_XMP_BYTES:
        raise BadXmp(f"XMP larger than {MAX_XMP_BYTES} bytes")
    if b"\x00" in data[:64]:
        raise BadXmp("XMP not in UTF-8 (UTF-16/32), refused")
    if _FORBIDDEN.search(data):
        raise BadXmp("XMP declares a DOCTYPE or ENTITY, refused")
    start = data.find(b"<")
    try:
        return ElementTree.fromstring(data[start:] if start > 0 else data)
    except ElementTree.ParseError as error:
        raise BadXmp(f"malformed XMP: {error}") from error


def parse_xmp(data: bytes) -> dict[str, Any]:
    """Values in the same names and units as `exif.read_exif`, plus `date_text` (ISO 8601), `projection_type` and
    `keywords` (paths "a/b/c", from digiKam's TagsList, else Lightroom's hierarchicalSubject, else dc:subject)."""
    root = safe_root(data)
    raw = _raw_values(root)
    values: dict[str, Any] = {}
    if keywords := _keywords(root):
        values["keywords"] = keywords
    if text := raw.get("dc:description"):
        values["description"] = text
    if (rating := to_float(raw.get("xmp:Rating"))) is not None and -1 <= rating <= 5:
        values["rating"] = int(rating)
    for key in _DATE_KEYS:
        if raw.get(key):
            values["date_text"] = raw[key]
            break
    if (orientation := to_float(raw.get("tiff:Orientation"))) is not None and 1 <= orientation <= 8:
        values["orientation"] = int(orientation)
    for key, name in (("make", "tiff:Make"), ("model", "tiff:Model"), ("projection_type", "GPano:ProjectionType")):
        if raw.get(name):
            values[key] = raw[name]
    if lens := raw.get("exifEX:LensModel") or raw.get("aux:Lens"):
        values["lens_model"] = lens
    if (number := _rational(raw.get("exif:FNumber"))) is not None:
        values["f_number"] = round(number, 2)
    if (number := _rational(raw.get("exif:FocalLength"))) is not None:
        values["focal_length"] = round(number, 2)
    if text := exposure_text(_rational(raw.get("exif:ExposureTime"))):
        values["exposure_time"] = text
    if (iso := to_float(raw.get("exif:ISOSpeedRatings") or raw.get("exifEX:PhotographicSensitivity"))) is not None:
        values["iso"] = int(iso)
    latitude, longitude = _coordinate(raw.get("exif:GPSLatitude")), _coordinate(raw.get("exif:GPSLongitude"))
    if latitude is not None and longitude is not None and abs(latitude) <= 90 and abs(longitude) <= 180:
        values["latitude"], values["longitude"] = latitude, longitude
    if (altitude := _rational(raw.get("exif:GPSAltitude"))) is not None:
        values["altitude"] = round(-altitude if raw.get("exif:GPSAltitudeRef") == "1" else altitude, 2)
    return values

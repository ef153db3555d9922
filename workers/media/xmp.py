"""XMP (sidecar files and packets embedded in images): finding the sidecar and reading the values Immich reads.

Parsing is defensive (issue 26, items 7 and 8), in this order, each refusal a `BadXmp` with the reason:
- at most MAX_XMP_BYTES;
- decoded to text first, by its byte order mark (UTF-8, UTF-16 or UTF-32) or else as UTF-8, so every later check
  reads characters, not bytes: a packet of another encoding without a mark (UTF-16 after some padding) decodes to
  NUL characters or invalid UTF-8 and is refused;
- a DOCTYPE or ENTITY declaration is refused in the text, and again by the parser (defusedxml, which refuses DTDs,
  entities and external references whatever the encoding), so no entity is ever expanded or resolved;
- at most MAX_XMP_DEPTH nested elements (real packets use about 12), counted while parsing, so a deeply nested
  file stops early;
- the values are read in one pass over the tree (no search below each element), so reading is linear in the size.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from workers.media.exif import exposure_text, gps_problem, to_float

MAX_XMP_BYTES = 4 * 1024 * 1024
MAX_XMP_DEPTH = 64

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
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(r"<\?xml[^>]*\?>")
# The longest marks first: UTF-32 LE's starts with UTF-16 LE's.
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The dates XMP carries, in the order Immich's reading through exiftool (MWG composites) prefers them: the
# photoshop date is MWG's DateTimeOriginal, ahead of XMP's own exif:DateTimeOriginal.
_DATE_KEYS = ("photoshop:DateCreated", "exif:DateTimeOriginal", "xmp:CreateDate")

_WANTED = (
    "dc:description",
    "tiff:ImageDescription",
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
    """Simple text, or the x-default (else first) item of an rdf:Alt / rdf:Seq / rdf:Bag (its direct items only:
    a search of the whole subtree under every element made reading quadratic in the nesting)."""
    items = [item for container in element if container.tag in _CONTAINERS for item in container.findall("rdf:li", _NS)]
    if items:
        preferred = [item for item in items if item.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"]
        element = (preferred or items)[0]
    text = (element.text or "").strip()
    return text or None


_CONTAINERS = frozenset(_qualified(f"rdf:{kind}") for kind in ("Alt", "Seq", "Bag"))


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


def xmp_text(data: bytes) -> str:
    """The packet as text: by its byte order mark, else UTF-8; refused when it is neither (see the docstring)."""
    encoding, mark = next(((name, mark) for mark, name in _MARKS if data.startswith(mark)), ("utf-8", b""))
    try:
        text = data[len(mark) :].decode(encoding)
    except UnicodeDecodeError as error:
        raise BadXmp(
            f"XMP is not valid {encoding.upper()} text (another encoding without a byte order mark?), refused"
        ) from error
    if "\x00" in text:
        raise BadXmp("XMP holds NUL characters (UTF-16 or UTF-32 without a byte order mark?), refused")
    return text


class _DepthLimit(ElementTree.TreeBuilder):
    """Builds the tree, refusing elements nested deeper than MAX_XMP_DEPTH as soon as one opens."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def start(self, tag: Any, attrs: Any) -> ElementTree.Element:
        self.depth += 1
        if self.depth > MAX_XMP_DEPTH:
            raise BadXmp(f"XMP nests elements more than {MAX_XMP_DEPTH} deep, refused")
        return super().start(tag, attrs)

    def end(self, tag: Any) -> ElementTree.Element:
        self.depth -= 1
        return super().end(tag)


def safe_root(data: bytes) -> ElementTree.Element:
    """The parsed packet, after the checks in the module docstring (every XMP reader goes through here)."""
    if len(data) > MAX_XMP_BYTES:
        raise BadXmp(f"XMP larger than {MAX_XMP_BYTES} bytes")
    text = xmp_text(data)
    if _FORBIDDEN.search(text):
        raise BadXmp("XMP declares a DOCTYPE or ENTITY, refused")
    # The text is handed on as UTF-8 without its declaration, which may name the encoding it was decoded from.
    body = text[max(text.find("<"), 0) :]
    if declaration := _DECLARATION.match(body):
        body = body[declaration.end() :]
    parser = DefusedXMLParser(target=_DepthLimit(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(body.encode("utf-8"))
        root: ElementTree.Element = parser.close()
    except DefusedXmlException as error:
        raise BadXmp(f"XMP declares a DOCTYPE or ENTITY, refused ({type(error).__name__})") from error
    except ElementTree.ParseError as error:
        raise BadXmp(f"malformed XMP: {error}") from error
    return root


def parse_xmp(data: bytes) -> dict[str, Any]:
    """Values in the same names and units as `exif.read_exif`, plus `dates` (ISO 8601 texts by key, in Immich's order), `projection_type` and
    `keywords` (paths "a/b/c", from digiKam's TagsList, else Lightroom's hierarchicalSubject, else dc:subject)."""
    root = safe_root(data)
    raw = _raw_values(root)
    values: dict[str, Any] = {}
    if keywords := _keywords(root):
        values["keywords"] = keywords
    if text := raw.get("dc:description"):
        values["description"] = text
    if text := raw.get("tiff:ImageDescription"):  # exiftool's ImageDescription, which Immich prefers
        values["image_description"] = text
    if (rating := to_float(raw.get("xmp:Rating"))) is not None and -1 <= rating <= 5:
        values["rating"] = int(rating)
    if dated := {key: raw[key] for key in _DATE_KEYS if raw.get(key)}:
        values["dates"] = dated
    if (orientation := to_float(raw.get("tiff:Orientation"))) is not None and 1 <= orientation <= 8:
        values["orientation"] = int(orientation)
    for key, name in (("make", "tiff:Make"), ("model", "tiff:Model")):
        if raw.get(name):
            values[key] = raw[name]
    if projection := raw.get("GPano:ProjectionType"):
        values["projection_type"] = projection.upper()  # as Immich stores it: EQUIRECTANGULAR
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
    if (raw.get("exif:GPSLatitude") or raw.get("exif:GPSLongitude")) and (latitude is None or longitude is None):
        values["warnings"] = ("XMP GPS position unreadable, ignored",)
    elif latitude is not None and longitude is not None:
        if problem := gps_problem(latitude, longitude):
            values["warnings"] = (f"XMP GPS position {problem}, ignored",)
        else:
            values["latitude"], values["longitude"] = latitude, longitude
    if (altitude := _rational(raw.get("exif:GPSAltitude"))) is not None:
        values["altitude"] = round(-altitude if raw.get("exif:GPSAltitudeRef") == "1" else altitude, 2)
    return values

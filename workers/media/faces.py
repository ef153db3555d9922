"""Face regions that people already tagged in their files, and the square face crop of a person thumbnail.

Two schemas are read, from XMP embedded in the image (JPEG APP1, including Extended XMP) and from sidecars:

* MWG regions (`mwg-rs:Regions`; Lightroom, digiKam, Picasa, ExifToolGui): `stArea` x/y are the CENTRE of the
  box and w/h its size, normalised to 0..1 (`stArea:unit="normalized"`) or in pixels of
  `mwg-rs:AppliedToDimensions` (`unit="pixel"`). Only regions of type Face (or with no type) are faces.
* Microsoft People Tags (`MP:RegionInfo` / `MPRI:Regions`; Windows Photo Gallery): `MPReg:Rectangle` is
  "x, y, w, h" with x/y the TOP-LEFT corner, normalised, and the name is `MPReg:PersonDisplayName`.

Orientation convention: both schemas describe the image AS STORED, before its EXIF orientation is applied (the
MWG guidelines say so for mwg-rs; digiKam, Lightroom and Windows write MP rectangles in the same frame as their
MWG areas). Every box is turned into the displayed (oriented) image here, so what leaves this module is
`x1 <= x2`, `y1 <= y2` in 0..1 of the picture a viewer sees. `to_displayed` is the mapping for orientations 1-8.

Bad input never raises out of `read_face_regions`: malformed XMP, DOCTYPE/ENTITY declarations (refused by
`xmp.py`'s rules before the parser runs, so no entity is ever resolved), boxes outside the image (clamped, or
dropped when nothing is left), and files with thousands of regions (only the first `MAX_REGIONS` are read) all
become warnings. Pure module: no ORM, no settings.
"""

from __future__ import annotations

import math
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyvips

from workers.media import budget, thumbnails, xmp, xmp_packets
from workers.media.errors import UnreadableMedia, libvips_reason
from workers.media.header import read_image_header

MAX_REGIONS = 1000
MAX_WARNINGS = 50  # per XMP source: a file with thousands of bad regions gives a readable list
MAX_NAME_LENGTH = 255
FACE_THUMBNAIL_SIZE = 250
SOURCE_MWG, SOURCE_MP = "mwg-rs", "mp"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_MWG = "http://www.metadataworkinggroup.com/schemas/regions/"
_AREA = "http://ns.adobe.com/xmp/sType/Area#"
_DIM = "http://ns.adobe.com/xap/1.0/sType/Dimensions#"
_MP = "http://ns.microsoft.com/photo/1.2/"
_MPRI = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
_MPREG = "http://ns.microsoft.com/photo/1.2/t/Region#"
_DESCRIPTION, _LI, _LANG = f"{{{_RDF}}}Description", f"{{{_RDF}}}li", "{http://www.w3.org/XML/1998/namespace}lang"
_CONTAINERS = {f"{{{_RDF}}}{kind}" for kind in ("Bag", "Seq", "Alt")}


@dataclass(frozen=True)
class Box:
    """Normalised corners in the displayed image: 0 <= x1 < x2 <= 1, 0 <= y1 < y2 <= 1."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def area(self) -> float:
        return (self.x2 - self.x1) * (self.y2 - self.y1)

    def rounded(self, digits: int = 6) -> Box:
        return Box(*(round(value, digits) for value in (self.x1, self.y1, self.x2, self.y2)))


@dataclass(frozen=True)
class FaceRegion:
    name: str | None  # trimmed (NFC); None for a face nobody named
    box: Box
    source: str  # SOURCE_MWG | SOURCE_MP


@dataclass(frozen=True)
class FaceRegions:
    regions: tuple[FaceRegion, ...] = ()
    warnings: tuple[str, ...] = ()
    origin: str | None = None  # "sidecar" | "embedded" | None (no regions anywhere)


# -- geometry ---------------------------------------------------------------------------------------------------

# Where a normalised point (u, v) of the stored image lands in the displayed one, per EXIF orientation.
_POINT: dict[int, Callable[[float, float], tuple[float, float]]] = {
    1: lambda u, v: (u, v),
    2: lambda u, v: (1 - u, v),  # mirrored left-right
    3: lambda u, v: (1 - u, 1 - v),  # turned 180
    4: lambda u, v: (u, 1 - v),  # mirrored top-bottom
    5: lambda u, v: (v, u),  # transposed (mirrored across the main diagonal)
    6: lambda u, v: (1 - v, u),  # turned 90 clockwise to display
    7: lambda u, v: (1 - v, 1 - u),  # transversed (mirrored across the other diagonal)
    8: lambda u, v: (v, 1 - u),  # turned 90 anticlockwise to display
}


def to_displayed(box: Box, orientation: int | None) -> Box:
    """A box of the stored image as a box of the displayed image (orientation None or unknown: as 1)."""
    point = _POINT.get(orientation or 1, _POINT[1])
    (ax, ay), (bx, by) = point(box.x1, box.y1), point(box.x2, box.y2)
    return Box(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


def _clamped(x1: float, y1: float, x2: float, y2: float, where: str, warnings: list[str]) -> Box | None:
    if not all(math.isfinite(value) for value in (x1, y1, x2, y2)) or x2 <= x1 or y2 <= y1:
        warnings.append(f"{where}: empty or invalid box skipped")
        return None
    inside = Box(max(0.0, x1), max(0.0, y1), min(1.0, x2), min(1.0, y2))
    if inside.x2 <= inside.x1 or inside.y2 <= inside.y1:
        warnings.append(f"{where}: box lies entirely outside the image, skipped")
        return None
    if inside != Box(x1, y1, x2, y2):
        warnings.append(f"{where}: box reaches outside the image, clamped to its edges")
    return inside


# -- reading RDF structures in any of their serialisations ------------------------------------------------------


def _nodes(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """Where a struct's fields can be: on the element (attributes or parseType="Resource" children) or on an
    rdf:Description inside it."""
    yield element
    yield from element.findall(_DESCRIPTION)


def _field(element: ElementTree.Element, tag: str) -> ElementTree.Element | str | None:
    for node in _nodes(element):
        if tag in node.attrib:
            return node.attrib[tag]
        child = node.find(tag)
        if child is not None:
            return child
    return None


def _text(value: ElementTree.Element | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    items = [item for container in value if container.tag in _CONTAINERS for item in container.findall(_LI)]
    if items:  # a language alternative or a list: x-default, else the first
        value = next((item for item in items if item.get(_LANG) == "x-default"), items[0])
    return value.text or ""


def _items(element: ElementTree.Element | str | None) -> list[ElementTree.Element]:
    if element is None or isinstance(element, str):
        return []
    return [
        item
        for node in _nodes(element)
        for container in node
        if container.tag in _CONTAINERS
        for item in container.findall(_LI)
    ]


def _number(value: ElementTree.Element | str | None) -> float | None:
    text = (_text(value) or "").strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as some localised writers produce
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _name(value: ElementTree.Element | str | None, where: str, warnings: list[str]) -> str | None:
    name = unicodedata.normalize("NFC", " ".join((_text(value) or "").split()))
    if len(name) > MAX_NAME_LENGTH:
        warnings.append(f"{where}: name longer than {MAX_NAME_LENGTH} characters, shortened")
        name = name[:MAX_NAME_LENGTH].rstrip()
    return name or None


# -- the two schemas --------------------------------------------------------------------------------------------


def _dimensions(regions: ElementTree.Element) -> tuple[float, float] | None:
    applied = _field(regions, f"{{{_MWG}}}AppliedToDimensions")
    if applied is None or isinstance(applied, str):
        return None
    width, height = _number(_field(applied, f"{{{_DIM}}}w")), _number(_field(applied, f"{{{_DIM}}}h"))
    return (width, height) if width and height and width > 0 and height > 0 else None


def _mwg_box(
    area: ElementTree.Element,
    applied: tuple[float, float] | None,
    stored_size: tuple[int, int] | None,
    where: str,
    warnings: list[str],
) -> Box | None:
    x, y, w, h = (_number(_field(area, f"{{{_AREA}}}{key}")) for key in "xywh")
    if x is None or y is None or (w is None) != (h is None):
        warnings.append(f"{where}: area without a usable position or size; skipped")
        return None
    if w is None or h is None:  # both or neither
        warnings.append(f"{where}: a point or circle, not a box; skipped")
        return None
    unit = (_text(_field(area, f"{{{_AREA}}}unit")) or "").strip().lower()
    if unit not in ("normalized", "pixel"):
        unit = "normalized" if max(abs(x), abs(y), abs(w), abs(h)) <= 1.5 else "pixel"
    if unit == "pixel":
        size = applied or stored_size
        if not size:
            warnings.append(f"{where}: pixel area without AppliedToDimensions or image size; skipped")
            return None
        x, w, y, h = x / size[0], w / size[0], y / size[1], h / size[1]
    return _clamped(x - w / 2, y - h / 2, x + w / 2, y + h / 2, where, warnings)


def _same_shape(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] / a[1] - b[0] / b[1]) <= 0.02 * (b[0] / b[1])


def _mwg_regions(
    root: ElementTree.Element, stored_size: tuple[int, int] | None, warnings: list[str]
) -> list[tuple[str | None, Box]]:
    found = []
    for regions in root.iter(f"{{{_MWG}}}Regions"):
        applied = _dimensions(regions)
        if applied and stored_size and not _same_shape(applied, stored_size):
            shape = "the displayed image's" if _same_shape(applied[::-1], stored_size) else "another"
            warnings.append(
                f"mwg-rs: AppliedToDimensions {applied[0]:g}x{applied[1]:g} have {shape} shape, not the stored "
                f"{stored_size[0]}x{stored_size[1]}; regions are read relative to the stored image (MWG)"
            )
        for index, region in enumerate(_items(_field(regions, f"{{{_MWG}}}RegionList")), start=1):
            kind = (_text(_field(region, f"{{{_MWG}}}Type")) or "Face").strip()
            if kind.lower() != "face":
                continue  # Pet, Focus, BarCode: not people
            where = f"mwg-rs region {index}"
            area = _field(region, f"{{{_MWG}}}Area")
            if area is None or isinstance(area, str):
                warnings.append(f"{where}: no area; skipped")
                continue
            box = _mwg_box(area, applied, stored_size, where, warnings)
            if box is not None:
                found.append((_name(_field(region, f"{{{_MWG}}}Name"), where, warnings), box))
    return found


def _mp_regions(root: ElementTree.Element, warnings: list[str]) -> list[tuple[str | None, Box]]:
    found = []
    for info in root.iter(f"{{{_MP}}}RegionInfo"):
        for index, region in enumerate(_items(_field(info, f"{{{_MPRI}}}Regions")), start=1):
            where = f"MP region {index}"
            rectangle = _text(_field(region, f"{{{_MPREG}}}Rectangle"))
            if rectangle is None:
                warnings.append(f"{where}: a person tag without a rectangle; skipped")
                continue
            pieces = rectangle.split(",")
            parts = [number for piece in pieces if (number := _number(piece)) is not None]
            if len(pieces) != 4 or len(parts) != 4:
                warnings.append(f"{where}: rectangle {rectangle[:60]!r} is not 'x, y, w, h'; skipped")
                continue
            x, y, w, h = parts
            box = _clamped(x, y, x + w, y + h, where, warnings)
            if box is not None:
                found.append((_name(_field(region, f"{{{_MPREG}}}PersonDisplayName"), where, warnings), box))
    return found


def _overlap(a: Box, b: Box) -> float:
    width, height = min(a.x2, b.x2) - max(a.x1, b.x1), min(a.y2, b.y2) - max(a.y1, b.y1)
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (a.area + b.area - shared)


def parse_face_regions(
    packets: list[bytes],
    *,
    orientation: int | None,
    stored_size: tuple[int, int] | None,
    label: str = "XMP",
    limit: int = MAX_REGIONS,
) -> tuple[list[FaceRegion], list[str]]:
    """Face regions of one XMP source (a packet, or a main packet and its Extended XMP), in the displayed image.
    MWG regions come first; an MP region overlapping one (IoU >= 0.5) is the same face written twice."""
    warnings: list[str] = []
    mwg: list[tuple[str | None, Box]] = []
    mp: list[tuple[str | None, Box]] = []
    for data in packets:
        try:
            root = xmp.safe_root(data)
        except xmp.BadXmp as error:
            warnings.append(f"XMP ignored: {error}")
            continue
        mwg.extend(_mwg_regions(root, stored_size, warnings))
        mp.extend(_mp_regions(root, warnings))
    by_name: dict[str | None, list[Box]] = {}
    for name, box in mwg[:limit]:
        by_name.setdefault(name, []).append(box)
    mp = [
        (name, box)
        for name, box in mp[:limit]
        if not any(_overlap(box, other) >= 0.5 for other in by_name.get(name, ()))
    ]
    regions, seen = [], set()
    for source, found in ((SOURCE_MWG, mwg), (SOURCE_MP, mp)):
        for name, box in found:
            shown = to_displayed(box, orientation).rounded()
            if shown.x2 <= shown.x1 or shown.y2 <= shown.y1:
                warnings.append(f"a {source} box of {name or 'an unnamed face'} is too small to keep; skipped")
            elif (name, shown) not in seen:
                seen.add((name, shown))
                regions.append(FaceRegion(name, shown, source))
    if len(regions) > limit:
        warnings.append(f"{len(regions)} face regions, only the first {limit} were read")
        regions = regions[:limit]
    if len(warnings) > MAX_WARNINGS:
        warnings = [*warnings[: MAX_WARNINGS - 1], f"... and {len(warnings) - MAX_WARNINGS + 1} more warnings"]
    return regions, [f"{label}: {warning}" for warning in warnings]


def read_face_regions(
    original: Path,
    *,
    sidecar: Path | None,
    orientation: int | None,
    stored_size: tuple[int, int] | None,
    limit: int = MAX_REGIONS,
) -> FaceRegions:
    """The sidecar's regions when it has any (a sidecar overrides the file, as for every other value), else the
    ones embedded in the image. Never raises for bad files: what could not be read is in the warnings."""
    warnings: list[str] = []
    if sidecar is not None:
        try:
            with open(sidecar, "rb") as handle:
                data = handle.read(xmp.MAX_XMP_BYTES + 1)
        except OSError as error:
            warnings.append(f"sidecar {Path(sidecar).name} ignored: {error.strerror or error}")
        else:
            label = f"sidecar {Path(sidecar).name}"
            regions, problems = parse_face_regions(
                [data], orientation=orientation, stored_size=stored_size, label=label, limit=limit
            )
            warnings.extend(problems)
            if regions:
                return FaceRegions(tuple(regions), tuple(warnings), "sidecar")
    try:
        packets = xmp_packets.embedded_xmp_packets(Path(original))
    except (OSError, UnreadableMedia) as error:
        warnings.append(f"embedded XMP not read: {getattr(error, 'strerror', None) or error}")
        packets = []
    regions, problems = parse_face_regions(
        packets, orientation=orientation, stored_size=stored_size, label="embedded XMP", limit=limit
    )
    warnings.extend(problems)
    return FaceRegions(tuple(regions), tuple(warnings), "embedded" if regions else None)


# -- the person thumbnail ----------------------------------------------------------------------------------------


def crop_square(width: int, height: int, box: Box, *, expand: float = 0.10) -> tuple[int, int, int]:
    """(left, top, side) of the square around `box` (normalised) in a width x height image: centred on the face,
    its side the face's longer side plus `expand` on each side, shifted (never squeezed) to stay inside."""
    centre_x, centre_y = (box.x1 + box.x2) / 2 * width, (box.y1 + box.y2) / 2 * height
    half = max((box.x2 - box.x1) * width, (box.y2 - box.y1) * height) / 2 * (1 + expand)
    side = max(1, min(round(2 * half), width, height))
    left = min(max(0, round(centre_x - side / 2)), width - side)
    top = min(max(0, round(centre_y - side / 2)), height - side)
    return left, top, side


def generate_face_thumbnail(
    source: Path,
    output: Path,
    box: Box,
    *,
    orientation: int | None,
    size: int = FACE_THUMBNAIL_SIZE,
    quality: int = 80,
    colorspace: str = "p3",
    max_pixels: int = 100_000_000,
    decode_limit: int = budget.DEFAULT_DECODE_LIMIT,
) -> None:
    """A size x size JPEG of the face at `box` (displayed image, normalised), cut from the upright original with
    the thumbnail pipeline's own loader (shrink-on-load to what the crop needs, RAW previews, HEIF, orientation
    given explicitly), written to a temporary name and renamed. Raises UnreadableMedia for unusable files."""
    source = Path(source)
    header = read_image_header(source, max_pixels=max_pixels, check_structure=False)
    turned = orientation in (5, 6, 7, 8) and not header.container_transform
    width, height = (header.height, header.width) if turned else (header.width, header.height)
    face_side = max((box.x2 - box.x1) * width, (box.y2 - box.y1) * height) * 1.2
    short_side = math.ceil(min(width, height) * size / face_side) + 2 if face_side > size else None
    try:
        image, _ = thumbnails._decode(source, header, short_side, orientation, decode_limit=decode_limit)
        image, profile = thumbnails._settle_colour(image, colorspace)
        image = image.copy_memory()
        left, top, side = crop_square(image.width, image.height, box)
        face = image.crop(left, top, side, side)
        face = face.resize(size / side, vscale=size / side, kernel="lanczos3" if side > size else "cubic")
        if face.width != size or face.height != size:
            face = face.embed(0, 0, size, size, extend="copy").crop(0, 0, size, size)
        spec = thumbnails.ThumbnailSpec(kind="face", format="jpeg", size=size, quality=quality)
        data = thumbnails._encode(face, spec, profile)
    except pyvips.Error as error:
        raise UnreadableMedia(f"cannot cut the face from the image: {libvips_reason(error)}") from error
    thumbnails._write_atomically(Path(output), data)

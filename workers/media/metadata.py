"""Reading what a file says about itself. Pure functions over paths: no ORM, no settings.

Precedence for images (as Immich): an XMP sidecar overrides the file's EXIF, which overrides XMP embedded in the
file; if the sidecar has a date, every embedded date and zone is ignored. Where each date came from and how sure
it is are part of the result, so a low-confidence date can be shown as such (and never drive a file move).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from workers.media import dates, exif, iptc, video, xmp, xmp_packets
from workers.media.errors import UnreadableMedia
from workers.media.exif import DateParts
from workers.media.header import read_image_header

__all__ = ["MediaFacts", "UnreadableMedia", "find_sidecar", "image_facts", "video_facts"]

ORIENTATIONS_SWAPPING_SIDES = {5, 6, 7, 8}
_ROTATION_TAGS = {0: 1, 90: 6, 180: 3, 270: 8}
find_sidecar = xmp.find_sidecar


@dataclass(frozen=True)
class MediaFacts:
    width: int  # as stored in the file, before orientation/rotation (HEIF: after its container transforms)
    height: int
    orientation: int | None = None  # EXIF orientation 1-8 still to apply to the decoded pixels
    make: str | None = None
    model: str | None = None
    date_time_original: datetime | None = None  # aware, in the zone it was taken in (or UTC for file times)
    time_zone: str | None = None  # "UTC", "UTC+2", "UTC+5:30", an IANA name (GPS, default zone), None: unknown
    duration_ms: int | None = None
    format: str | None = None  # decided by content: jpeg png gif webp tiff heif avif bmp dng ... / mp4 mov mkv ...
    date_source: str | None = None  # "sidecar" | "exif" (embedded in the file, container tags for videos) | "file"
    date_confidence: str | None = None  # "exact" (offset known) | "zone-from-gps" | "zone-assumed" | "file-time"
    orientation_source: str | None = None  # "exif" | "sidecar" | "container" (HEIF irot/imir, already applied)
    lens_model: str | None = None
    f_number: float | None = None
    exposure_time: str | None = None  # "1/250", "2"
    iso: int | None = None
    focal_length: float | None = None  # millimetres
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None  # metres, negative below sea level
    description: str | None = None
    rating: int | None = None  # -1 (rejected) .. 5
    profile_description: str | None = None  # ICC profile name, e.g. "Display P3"
    colorspace: str | None = None  # EXIF ColorSpace: "sRGB" | "Adobe RGB" | "Uncalibrated"
    bits_per_sample: int | None = None
    projection_type: str | None = None  # XMP GPano:ProjectionType, e.g. "equirectangular"
    video_codec: str | None = None  # "h264", "hevc", "vp9", "av1", ...
    audio_codec: str | None = None
    rotation: int | None = None  # videos: degrees clockwise that turn the coded frames upright (0/90/180/270)
    fps: float | None = None
    bitrate: int | None = None  # bits per second, whole file
    pixel_format: str | None = None  # "yuv420p", "yuv420p10le", ...
    color_transfer: str | None = None  # "bt709", "smpte2084" (HDR10/PQ), "arib-std-b67" (HLG), ...
    live_photo_cid: str | None = None  # Apple's ContentIdentifier: the same in a live photo's still and its video
    keywords: tuple[str, ...] = ()  # XMP keywords as "/"-separated paths (a sidecar's win over the file's)
    warnings: tuple[str, ...] = ()

    @property
    def displayed_size(self) -> tuple[int, int]:
        if self.orientation in ORIENTATIONS_SWAPPING_SIDES or self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    @property
    def reported_orientation(self) -> int | None:
        """The EXIF orientation Immich reports: the image's, or a video's rotation as the tag that turns it (90
        degrees clockwise: 6, 180: 3, 270: 8, none: 1)."""
        if self.rotation is not None:
            return _ROTATION_TAGS.get(self.rotation % 360)
        return self.orientation

    @property
    def local_date_time(self) -> datetime | None:
        """The wall clock where it was taken, without zone (Immich's localDateTime, relabelled as UTC there)."""
        return self.date_time_original.replace(tzinfo=None) if self.date_time_original else None


_COPIED = (
    "make",
    "model",
    "lens_model",
    "f_number",
    "exposure_time",
    "iso",
    "focal_length",
    "latitude",
    "longitude",
    "altitude",
    "description",
    "rating",
    "colorspace",
    "projection_type",
    "live_photo_cid",
    "keywords",
)


def _read_xmp(data: bytes | None, label: str, warnings: list[str]) -> dict[str, Any]:
    if not data:
        return {}
    try:
        return xmp.parse_xmp(data)
    except xmp.BadXmp as error:
        warnings.append(f"{label} ignored: {error}")
        return {}


def _read_embedded_xmp(path: Path, packet: bytes | None, warnings: list[str]) -> dict[str, Any]:
    """The image's XMP; a JPEG's Extended XMP (what does not fit in one segment, e.g. a long description) is read
    when the main packet names one, and fills what the main packet lacks."""
    values = _read_xmp(packet, "embedded XMP", warnings)
    if packet and b"HasExtendedXMP" in packet:
        for extended in xmp_packets.jpeg_xmp_packets(path)[1:]:
            values = {**_read_xmp(extended, "extended XMP", warnings), **values}
    return values


def _read_sidecar(sidecar: Path | None, warnings: list[str]) -> dict[str, Any]:
    if sidecar is None:
        return {}
    try:
        data = sidecar.read_bytes()
    except OSError as error:
        warnings.append(f"sidecar {sidecar.name} ignored: {error.strerror or error}")
        return {}
    return _read_xmp(data, f"sidecar {sidecar.name}", warnings)


def _image_date_candidates(
    embedded: dict[str, Any], embedded_xmp: dict[str, Any], iptc: dict[str, Any]
) -> list[tuple[str, DateParts]]:
    """The file's dates in Immich's order over exiftool's names (with its MWG composites): EXIF dates that carry
    sub-seconds or an offset first (SubSecDateTimeOriginal, SubSecCreateDate), then DateTimeOriginal (EXIF, else
    XMP's photoshop:DateCreated, else IPTC's DateCreated + TimeCreated, else XMP's exif:DateTimeOriginal), then
    CreateDate (EXIF, else XMP's), then GPS time."""
    exif_dates = {parts.source_tag: parts for parts in embedded.get("dates", ())}
    xmp_dates = embedded_xmp.get("dates", {})
    ordered: list[DateParts | None] = [
        parts
        for name in ("DateTimeOriginal", "CreateDate")
        if (parts := exif_dates.get(name)) is not None and (parts.subsec or parts.offset)
    ]
    ordered += [
        exif_dates.get("DateTimeOriginal"),
        _xmp_date(xmp_dates, "photoshop:DateCreated"),
        DateParts("IPTC DateCreated", iptc["date_text"] + iptc.get("offset", "")) if "date_text" in iptc else None,
        _xmp_date(xmp_dates, "exif:DateTimeOriginal"),
        exif_dates.get("CreateDate"),
        _xmp_date(xmp_dates, "xmp:CreateDate"),
        exif_dates.get("GPSDateTime"),
    ]
    return [("exif", parts) for parts in dict.fromkeys(ordered) if parts is not None]


def _sidecar_dates(side: dict[str, Any]) -> list[tuple[str, DateParts]]:
    """A sidecar's dates that are dates (with a time: Immich skips a date alone); when there is one, every date of
    the file is ignored."""
    return [
        ("sidecar", DateParts(f"XMP sidecar {key}", text))
        for key, text in side.get("dates", {}).items()
        if dates.parse_date_text(text)
    ]


def _carries_offset(parts: DateParts) -> bool:
    parsed = dates.parse_date_text(parts.text)
    return bool(parsed and parsed[1])


def _xmp_date(found: dict[str, str], key: str) -> DateParts | None:
    return DateParts(f"XMP {key}", found[key]) if key in found else None


def _first_value(key: str, *sources: dict[str, Any]) -> Any:
    return next((source[key] for source in sources if source.get(key) not in (None, "", ())), None)


def image_facts(
    path: Path,
    *,
    sidecar: Path | None = None,
    default_zone: str = "UTC",
    fallback_date: datetime | None = None,
    max_pixels: int = 100_000_000,
) -> MediaFacts:
    """Facts about an image; raises UnreadableMedia for empty, truncated, unsupported or over-large files."""
    path = Path(path)
    header = read_image_header(path, max_pixels=max_pixels)
    warnings: list[str] = []
    embedded = exif.read_exif(header.exif)
    embedded_xmp = _read_embedded_xmp(path, header.xmp, warnings)
    embedded_iptc = iptc.read_iptc(header.iptc)
    side = _read_sidecar(sidecar, warnings)
    warnings += [*embedded.get("warnings", ()), *embedded_xmp.get("warnings", ()), *side.get("warnings", ())]
    values = {**embedded_xmp, **{k: v for k, v in embedded.items() if k != "dates"}, **side}
    # Where exiftool's composites (MWG) and Immich's choices differ from "EXIF over embedded XMP": the rating is
    # XMP's; the keywords XMP's, then IPTC's; the description is Immich's `ImageDescription || Description` over
    # the sidecar's tags laid on the file's: an ImageDescription (the sidecar's XMP tiff:, else the file's EXIF)
    # first, then a description (the sidecar's, then the file's XMP dc:, then IPTC's caption).
    values["rating"] = _first_value("rating", side, embedded_xmp, embedded)
    values["keywords"] = _first_value("keywords", side, embedded_xmp, embedded_iptc)
    values["description"] = _first_value("image_description", side, embedded_xmp) or _first_value(
        "description", embedded, side, embedded_xmp, embedded_iptc
    )

    candidates = _sidecar_dates(side) or _image_date_candidates(embedded, embedded_xmp, embedded_iptc)
    hints = dates.ZoneHints(
        offset=embedded.get("offset"),
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        gps_time=embedded.get("gps_time"),
    )
    if candidates[:1] and candidates[0][0] == "sidecar" and ("latitude" in side or _carries_offset(candidates[0][1])):
        # The sidecar's own zone (its position's, or its date's) replaces the file's, as its tags replace the file's.
        hints = dates.ZoneHints(latitude=side.get("latitude"), longitude=side.get("longitude"))
    decision, date_warnings = dates.decide(
        candidates, default_zone=default_zone, mtime=path.stat().st_mtime, fallback_date=fallback_date, hints=hints
    )
    warnings.extend(date_warnings)

    if header.container_transform:
        orientation, orientation_source = 1, "container"
    elif "orientation" in side:
        orientation, orientation_source = side["orientation"], "sidecar"
    elif "orientation" in embedded:
        orientation, orientation_source = embedded["orientation"], "exif"
    else:
        orientation, orientation_source = None, None

    return MediaFacts(
        width=header.width,
        height=header.height,
        orientation=orientation,
        orientation_source=orientation_source,
        format=header.sniffed.format,
        date_time_original=decision.value,
        time_zone=decision.time_zone,
        date_source=decision.source,
        date_confidence=decision.confidence,
        profile_description=exif.icc_description(header.icc),
        bits_per_sample=embedded.get("bits_per_sample") or header.bits_per_sample,
        warnings=tuple(warnings),
        **{key: values[key] for key in _COPIED if values.get(key) is not None},
    )


def video_facts(
    path: Path,
    *,
    sidecar: Path | None = None,
    default_zone: str = "UTC",
    fallback_date: datetime | None = None,
    max_pixels: int = 100_000_000,
) -> MediaFacts:
    """Facts about a video (PyAV); raises UnreadableMedia without a decodable video stream, or for frames over
    `max_pixels` (checked before decoding)."""
    path = Path(path)
    probe = video.probe_video(path, max_pixels=max_pixels)
    warnings = list(probe.warnings)
    side = _read_sidecar(sidecar, warnings)
    container = dict(probe.dates)
    candidates = _sidecar_dates(side)
    if not candidates:
        # Immich's order over exiftool's names: CreateDate (the container's, UTC), then Apple's CreationDate.
        candidates = [
            ("exif", DateParts(tag, container[tag], utc=tag == "creation_time"))
            for tag in ("creation_time", "com.apple.quicktime.creationdate", "date")
            if tag in container
        ]
    apple_date = dates.parse_date_text(container.get("com.apple.quicktime.creationdate", ""))
    hints = dates.ZoneHints(
        latitude=side.get("latitude", probe.latitude),
        longitude=side.get("longitude", probe.longitude),
        datestamp_offset=apple_date[1] if apple_date else None,
    )
    decision, date_warnings = dates.decide(
        candidates, default_zone=default_zone, mtime=path.stat().st_mtime, fallback_date=fallback_date, hints=hints
    )
    warnings.extend(date_warnings)
    facts = MediaFacts(
        width=probe.width,
        height=probe.height,
        format=probe.format,
        duration_ms=probe.duration_ms,
        video_codec=probe.video_codec,
        audio_codec=probe.audio_codec,
        rotation=probe.rotation,
        fps=probe.fps,
        bitrate=probe.bitrate,
        pixel_format=probe.pixel_format,
        color_transfer=probe.color_transfer,
        live_photo_cid=probe.content_identifier,
        description=probe.description,
        make=probe.make,
        model=probe.model,
        latitude=probe.latitude,
        longitude=probe.longitude,
        altitude=probe.altitude,
        date_time_original=decision.value,
        time_zone=decision.time_zone,
        date_source=decision.source,
        date_confidence=decision.confidence,
        warnings=tuple(warnings),
    )
    overrides = {
        key: side[key]
        for key in ("description", "rating", "latitude", "longitude", "altitude", "keywords")
        if key in side
    }
    return replace(facts, **overrides) if overrides else facts

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

from workers.media import dates, exif, video, xmp
from workers.media.errors import UnreadableMedia
from workers.media.exif import DateParts
from workers.media.header import read_image_header

__all__ = ["MediaFacts", "UnreadableMedia", "find_sidecar", "image_facts", "video_facts"]

ORIENTATIONS_SWAPPING_SIDES = {5, 6, 7, 8}
find_sidecar = xmp.find_sidecar


@dataclass(frozen=True)
class MediaFacts:
    width: int  # as stored in the file, before orientation/rotation (HEIF: after its container transforms)
    height: int
    orientation: int | None = None  # EXIF orientation 1-8 still to apply to the decoded pixels
    make: str | None = None
    model: str | None = None
    date_time_original: datetime | None = None  # aware, in the zone it was taken in (or UTC for file times)
    time_zone: str | None = None  # "UTC+2", "UTC+5:30", an IANA name for assumed zones, None for file times
    duration_ms: int | None = None
    format: str | None = None  # decided by content: jpeg png gif webp tiff heif avif bmp dng ... / mp4 mov mkv ...
    date_source: str | None = None  # "sidecar" | "exif" (embedded in the file, container tags for videos) | "file"
    date_confidence: str | None = None  # "exact" (offset known) | "zone-assumed" | "file-time"
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


def _read_sidecar(sidecar: Path | None, warnings: list[str]) -> dict[str, Any]:
    if sidecar is None:
        return {}
    try:
        data = sidecar.read_bytes()
    except OSError as error:
        warnings.append(f"sidecar {sidecar.name} ignored: {error.strerror or error}")
        return {}
    return _read_xmp(data, f"sidecar {sidecar.name}", warnings)


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
    embedded_xmp = _read_xmp(header.xmp, "embedded XMP", warnings)
    side = _read_sidecar(sidecar, warnings)
    values = {**embedded_xmp, **{k: v for k, v in embedded.items() if k != "dates"}, **side}

    if side.get("date_text"):
        candidates = [("sidecar", DateParts("XMP sidecar date", side["date_text"]))]
    else:
        candidates = [("exif", parts) for parts in embedded.get("dates", ())]
        if embedded_xmp.get("date_text"):
            candidates.append(("exif", DateParts("embedded XMP date", embedded_xmp["date_text"])))
    decision, date_warnings = dates.decide(
        candidates, default_zone=default_zone, mtime=path.stat().st_mtime, fallback_date=fallback_date
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
        **{key: values[key] for key in _COPIED if key in values},
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
    if side.get("date_text"):
        candidates = [("sidecar", DateParts("XMP sidecar date", side["date_text"]))]
    else:
        candidates = [("exif", DateParts(tag, text)) for tag, text in probe.dates]
    decision, date_warnings = dates.decide(
        candidates, default_zone=default_zone, mtime=path.stat().st_mtime, fallback_date=fallback_date
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

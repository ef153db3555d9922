"""Reading what a file says about itself. Pure functions over paths: no ORM, no settings.

This is the foundation's first cut (dimensions, orientation, camera, date, duration); the media pipeline extends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av
import pyvips
from PIL import Image, UnidentifiedImageError

ORIENTATIONS_SWAPPING_SIDES = {5, 6, 7, 8}
_EXIF_IFD = 0x8769
_TAG_ORIENTATION, _TAG_MAKE, _TAG_MODEL, _TAG_DATETIME = 0x0112, 0x010F, 0x0110, 0x0132
_TAG_DATETIME_ORIGINAL, _TAG_OFFSET_ORIGINAL = 0x9003, 0x9011

# Pillow refuses to open images above this many pixels instead of decoding a pixel bomb.
Image.MAX_IMAGE_PIXELS = 400_000_000


class UnreadableMedia(Exception):
    """The file is not a decodable image or video; the message says why in words."""


@dataclass(frozen=True)
class MediaFacts:
    width: int
    height: int
    orientation: int | None = None
    make: str | None = None
    model: str | None = None
    date_time_original: datetime | None = None
    time_zone: str | None = None
    duration_ms: int | None = None

    @property
    def displayed_size(self) -> tuple[int, int]:
        if self.orientation in ORIENTATIONS_SWAPPING_SIDES:
            return self.height, self.width
        return self.width, self.height


def _clean(value) -> str | None:
    if value is None:
        return None
    text = (value.decode(errors="replace") if isinstance(value, bytes) else str(value)).strip("\x00 ").strip()
    return text or None


def _parse_offset(text: str | None) -> timezone | None:
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        minutes = int(text[1:3]) * 60 + int(text[4:6])
    except ValueError:
        return None
    return timezone(timedelta(minutes=minutes if text[0] == "+" else -minutes))


def _parse_exif_date(text: str | None, offset: timezone | None) -> datetime | None:
    if not text:
        return None
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=offset or timezone.utc)


def _zone_name(offset: timezone | None) -> str | None:
    if offset is None:
        return None
    minutes = int(offset.utcoffset(None).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _image_facts_pillow(path: Path) -> MediaFacts:
    with Image.open(path) as image:
        width, height = image.size
        exif = image.getexif()
        detail = exif.get_ifd(_EXIF_IFD)
        offset = _parse_offset(_clean(detail.get(_TAG_OFFSET_ORIGINAL)))
        date = _parse_exif_date(_clean(detail.get(_TAG_DATETIME_ORIGINAL)) or _clean(exif.get(_TAG_DATETIME)), offset)
        orientation = exif.get(_TAG_ORIENTATION)
        return MediaFacts(
            width=width,
            height=height,
            orientation=int(orientation) if isinstance(orientation, int) and 1 <= orientation <= 8 else None,
            make=_clean(exif.get(_TAG_MAKE)),
            model=_clean(exif.get(_TAG_MODEL)),
            date_time_original=date,
            time_zone=_zone_name(offset) if date else None,
        )


def _image_facts_vips(path: Path) -> MediaFacts:
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential", fail=True)
    except pyvips.Error as error:
        raise UnreadableMedia(f"not a readable image: {str(error).strip().splitlines()[0]}") from error
    orientation = image.get("orientation") if image.get_typeof("orientation") else None
    return MediaFacts(width=image.width, height=image.height, orientation=orientation)


def image_facts(path: Path) -> MediaFacts:
    if path.stat().st_size == 0:
        raise UnreadableMedia("the file is empty")
    try:
        return _image_facts_pillow(path)
    except Image.DecompressionBombError as error:
        raise UnreadableMedia(f"image too large to process safely: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # Pillow does not read HEIC, RAW or JPEG XL; libvips does.
        return _image_facts_vips(path)


def video_facts(path: Path) -> MediaFacts:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = container.streams.video
            if not streams:
                raise UnreadableMedia("the file has no video stream")
            stream = streams[0]
            duration = None
            if container.duration is not None:
                duration = int(container.duration / 1000)
            elif stream.duration is not None and stream.time_base is not None:
                duration = int(stream.duration * stream.time_base * 1000)
            created = _clean(container.metadata.get("creation_time"))
            date = None
            if created:
                try:
                    date = datetime.fromisoformat(created.replace("Z", "+00:00"))
                except ValueError:
                    date = None
            return MediaFacts(
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                date_time_original=date,
                time_zone="UTC" if date else None,
                duration_ms=duration,
            )
    except av.FFmpegError as error:
        raise UnreadableMedia(f"not a readable video: {error}") from error

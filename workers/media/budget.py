"""How much memory decoding an image takes, told from its header before any decoder runs (issue 26, item 5).

A pixel limit alone lets small files ask for gigabytes: a 303-byte JPEG 2000 declaring 9999x9999 RGBA took 2.4 GB
to decode, an RLE BMP 1.1 GB, an interlaced 16-bit PNG 0.9 GB, a progressive JPEG 0.7 GB. What a decode needs
depends on the format, so each is costed in bytes per pixel of what its decoder holds at once:

- decoders that stream and shrink while reading (baseline JPEG with DCT scaling, non-interlaced PNG, WebP, TIFF,
  RAW previews) hold little besides the image they produce;
- a progressive JPEG holds every DCT coefficient of the whole picture (2 bytes per sample, whatever the shrink);
- an interlaced PNG and a GIF are decoded whole (every sample; GIF as RGBA);
- JPEG 2000 (openjpeg: 4 bytes per sample, then Pillow's image and its copies) is decoded at a reduced resolution
  where the wanted size allows: its resolution levels each halve both sides and cost nothing to skip;
- BMP (Pillow: its image, the RGB conversion, the bytes, libvips' copy) and HEIF (libheif's planes, the RGB image,
  its copies) are decoded whole.

The image the operation then holds (upright, colour settled, at the wanted size or whole for a full-size output) is
added. An image over the limit is refused with the figure, as a reason for people; nothing is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.media.errors import UnreadableMedia
from workers.media.header import ImageHeader

DEFAULT_DECODE_LIMIT = 512 * 1024 * 1024
_COPIES = 3  # the decoded image, the next one made from it (colour, orientation, shrink), and its encoding
_JPEG_SAMPLES = {"4:2:0": 1.5, "4:2:2": 2.0, "4:4:4": 3.0}  # per pixel, for the three components of a colour JPEG


@dataclass(frozen=True)
class DecodePlan:
    needed: int  # bytes, the estimated peak of the decode and of the image made from it
    reduce: int = 0  # JPEG 2000: resolution levels left out (each halves both sides)
    what: str = ""  # the format as the refusal names it


def _jp2_reduction(header: ImageHeader, short_side: int | None) -> int:
    if not short_side:
        return 0
    levels = 0
    while levels < header.resolution_levels and min(header.width, header.height) >> (levels + 1) >= short_side:
        levels += 1
    return levels


def _jpeg_samples(header: ImageHeader) -> float:
    if header.bands == 1:
        return 1.0
    if header.bands >= 4:  # CMYK
        return 4.0
    return _JPEG_SAMPLES.get(header.chroma_subsampling or "", 3.0)


def _decoder(header: ImageHeader, short_side: int | None) -> DecodePlan:
    """What the decoder itself holds, by format (see the module docstring)."""
    fmt, pixels, bands = header.sniffed.format, header.width * header.height, max(header.bands, 1)
    sample = max(1, ((header.bits_per_sample or 8) + 7) // 8)
    if header.raw_preview is not None:
        return DecodePlan(0, what="RAW preview")
    if header.sniffed.is_raw:
        # LibRaw: the 16-bit mosaic, its 4 x 16-bit image (a quarter of it at half size) and the 8-bit RGB output.
        developed = pixels // 4 if short_side and min(header.width, header.height) // 2 >= short_side else pixels
        return DecodePlan(pixels * 2 + developed * (8 + 3), what="RAW developed by LibRaw")
    if fmt == "jp2":
        levels = _jp2_reduction(header, short_side)
        reduced = (header.width >> levels) * (header.height >> levels)
        return DecodePlan(reduced * (4 * bands + 4 + 4 + 2 * 4), levels, "JPEG 2000")
    if fmt == "bmp":
        return DecodePlan(pixels * ((1 if bands == 1 else 4) + 4 + 2 * 4), what="BMP")
    if fmt == "jpeg" and header.interlaced:
        return DecodePlan(int(pixels * 2 * _jpeg_samples(header)), what="progressive JPEG")
    if fmt == "png" and header.interlaced:
        return DecodePlan(pixels * bands * sample, what=f"interlaced {header.bits_per_sample or 8}-bit PNG")
    if fmt == "gif":
        return DecodePlan(pixels * 4, what="GIF")
    if fmt in ("heif", "avif"):
        return DecodePlan(int(pixels * (1.5 + 3 * bands)), what=fmt.upper())
    return DecodePlan(0, what=fmt.upper())


def _held(header: ImageHeader, short_side: int | None) -> int:
    """The image the operation holds after decoding: at the wanted size (never larger), else whole."""
    pixels = header.width * header.height
    if short_side and min(header.width, header.height) > short_side:
        pixels = int(pixels * (short_side / min(header.width, header.height)) ** 2)
    return pixels * max(header.bands, 3) * max(1, ((header.bits_per_sample or 8) + 7) // 8) * _COPIES


def decode_plan(header: ImageHeader, short_side: int | None) -> DecodePlan:
    decoder = _decoder(header, short_side)
    return DecodePlan(decoder.needed + _held(header, short_side), decoder.reduce, decoder.what)


def _size(count: int) -> str:
    return f"{count / 1024**3:.1f} GB" if count >= 1024**3 / 10 else f"{count / 1024**2:.0f} MB"


def checked_plan(header: ImageHeader, short_side: int | None, limit: int) -> DecodePlan:
    """The plan for decoding to `short_side` (None: whole), or UnreadableMedia when it needs more than `limit`."""
    plan = decode_plan(header, short_side)
    if plan.needed > limit:
        raise UnreadableMedia(
            f"image too large to decode safely: this {header.width}x{header.height} {plan.what} would need "
            f"{_size(plan.needed)} to decode, the limit is {_size(limit)}"
        )
    return plan

"""An image's header: size, embedded metadata blobs and how it must be decoded, read without decoding pixels.

Every reader of image files goes through `read_image_header`, so the format is decided by content, the pixel
limit is enforced before any decoder allocates memory, and bad files fail with a sentence a person can act on.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyvips
from PIL import Image, UnidentifiedImageError

from workers.media import heif, jxl, raw
from workers.media.errors import UnreadableMedia, libvips_reason
from workers.media.formats import Sniffed, harden_vips, sniff, truncation_problem

# Formats only Pillow reads here (libvips has no BMP or JPEG 2000 loader in this build).
PILLOW_FORMATS = frozenset({"bmp", "jp2"})
_BITS = {"uchar": 8, "char": 8, "ushort": 16, "short": 16, "uint": 32, "int": 32, "float": 32, "double": 64}
_RAW_EXIF_LIMIT = 32 * 1024 * 1024


@dataclass(frozen=True)
class ImageHeader:
    sniffed: Sniffed
    width: int  # as the decoder delivers it: before EXIF orientation, after HEIF container transforms
    height: int
    exif: bytes | None = None
    xmp: bytes | None = None
    icc: bytes | None = None
    iptc: bytes | None = None  # IPTC-IIM as libvips found it: a JPEG's Photoshop resources, a TIFF's IIM records
    bits_per_sample: int | None = None
    container_transform: bool = False  # HEIF irot/imir present: the decoder already rotated, EXIF must not
    raw_preview: tuple[bytes, int, int] | None = None  # RAW: (largest embedded JPEG, width, height)
    interpretation: str | None = None  # libvips' reading: "srgb", "b-w", "cmyk", "rgb16", ...
    bands: int = 3  # samples per pixel as decoded (grey 1, RGB 3, RGBA or CMYK 4)
    interlaced: bool = False  # progressive JPEG, Adam7 PNG: decoded whole, not streamed (see workers.media.budget)
    chroma_subsampling: str | None = None  # JPEG: "4:2:0", "4:4:4", ...
    resolution_levels: int = 0  # JPEG 2000: how many times its decoder can halve both sides while decoding


def _blob(image: pyvips.Image, name: str) -> bytes | None:
    return bytes(image.get(name)) if image.get_typeof(name) else None


def _vips_header(path: Path, sniffed: Sniffed) -> ImageHeader:
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential")
    except pyvips.Error as error:
        raise UnreadableMedia(f"not a readable {sniffed.format.upper()} image: {libvips_reason(error)}") from error
    bits = image.get("bits-per-sample") if image.get_typeof("bits-per-sample") else _BITS.get(image.format)
    return ImageHeader(
        sniffed,
        image.width,
        image.height,
        exif=_blob(image, "exif-data") or (_tiff_exif(path) if sniffed.format == "tiff" else None),
        xmp=_blob(image, "xmp-data"),
        icc=_blob(image, "icc-profile-data"),
        iptc=_blob(image, "iptc-data"),
        bits_per_sample=bits,
        container_transform=sniffed.format in ("heif", "avif") and heif.has_container_transform(path),
        interpretation=image.interpretation,
        bands=image.bands,
        interlaced=bool(image.get("interlaced")) if image.get_typeof("interlaced") else False,
        chroma_subsampling=image.get("jpeg-chroma-subsample") if image.get_typeof("jpeg-chroma-subsample") else None,
    )


# What is copied of a TIFF's first IFD (the values exif.read_exif reads there), and its sub-IFDs (Exif, GPS).
_TIFF_IFD0_TAGS = (0x010E, 0x010F, 0x0110, 0x0112, 0x0132, 0x4746)
_TIFF_SUB_IFDS = (0x8769, 0x8825)


def _tiff_exif(path: Path) -> bytes | None:
    """A TIFF's EXIF as a blob (libvips gives none for TIFF: the file's own IFDs are its EXIF): Pillow reads the
    directories lazily from the file, without the pixels, and the values read here are written into a small blob."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd tag counts (IPTC as LONGs) it reads past
            with Image.open(path) as image:
                found = image.getexif()
                blob = Image.Exif()
                for tag in _TIFF_IFD0_TAGS:
                    if tag in found:
                        blob[tag] = found[tag]
                for tag in _TIFF_SUB_IFDS:
                    if sub := found.get_ifd(tag):
                        blob[tag] = dict(sub)
                return blob.tobytes() if len(blob) else None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError, struct.error):
        return None


def _jp2_levels(path: Path) -> int:
    """The decomposition levels of a JPEG 2000 codestream (its COD marker segment: marker, length, Scod, the
    progression order, layers and colour transform, then the level count); 0 when it is not found."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    codestream = head.find(b"\xff\x4f\xff\x51")  # start of codestream, then its SIZ marker
    at = head.find(b"\xff\x52", codestream) if codestream >= 0 else -1
    return head[at + 9] if at >= 0 and at + 9 < len(head) else 0


def _pillow_header(path: Path, sniffed: Sniffed) -> ImageHeader:
    try:
        with Image.open(path) as image:
            bits = 16 if image.mode.startswith("I;16") else 32 if image.mode in ("I", "F") else 8
            return ImageHeader(
                sniffed,
                image.width,
                image.height,
                exif=image.info.get("exif"),
                icc=image.info.get("icc_profile"),
                bits_per_sample=bits,
                bands=len(image.getbands()),
                resolution_levels=_jp2_levels(path) if sniffed.format == "jp2" else 0,
            )
    except Image.DecompressionBombError as error:
        raise UnreadableMedia(f"image too large to process safely: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnreadableMedia(f"not a readable {sniffed.format.upper()} image: {error}") from error


def _raw_header(path: Path, sniffed: Sniffed) -> ImageHeader:
    preview = raw.largest_embedded_jpeg(path)
    size = raw.tiff_raw_size(path) if sniffed.format not in ("raf", "cr3") else None
    if size is None and preview is not None:
        size = preview[1:]
    if size is None:
        raise UnreadableMedia(
            f"cannot read this {sniffed.format.upper()} RAW file: no image size and no embedded preview"
        )
    exif = None
    with open(path, "rb") as handle:
        head = handle.read(_RAW_EXIF_LIMIT)
    xmp = iptc = None
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        exif = head  # TIFF-based RAW: the file itself is the EXIF structure
        xmp, iptc = _tiff_packets(head)
    elif preview is not None:
        try:
            with Image.open(io.BytesIO(preview[0])) as image:
                exif = image.info.get("exif")
        except (UnidentifiedImageError, OSError):
            exif = None
    return ImageHeader(sniffed, size[0], size[1], exif=exif, xmp=xmp, iptc=iptc, raw_preview=preview)


def _tiff_packets(head: bytes) -> tuple[bytes | None, bytes | None]:
    """The XMP (tag 700) and IPTC (tag 33723) of a TIFF-based RAW's first IFD, where DNG writers put them."""
    directory = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory.load(head)
    except (SyntaxError, ValueError, TypeError, KeyError, IndexError, OSError, EOFError, struct.error):
        return None, None
    xmp, iptc = directory.get(0x02BC), directory.get(0x83BB)
    return (xmp if isinstance(xmp, bytes) else None), (iptc if isinstance(iptc, bytes) else None)


_JXL_HEAD = 1024 * 1024  # the boxes before the codestream (EXIF, XMP) and its size header


def _jxl_header(path: Path, sniffed: Sniffed) -> ImageHeader:
    """Size and EXIF from the header: this build's libvips has no JPEG XL loader (its pixels are not decoded)."""
    with open(path, "rb") as handle:
        width, height, exif = jxl.read_jxl(handle.read(_JXL_HEAD))
    return ImageHeader(sniffed, width, height, exif=exif)


def read_image_header(path: Path, *, max_pixels: int = 100_000_000, check_structure: bool = True) -> ImageHeader:
    """Header of an image file, refusing empty, truncated, unsupported and over-large (pixel bomb) files.

    `check_structure=False` skips the truncation scan for callers that decode next anyway (the decoders fail on
    truncation themselves: libvips with fail_on="error", libheif and Pillow by raising)."""
    harden_vips()
    if path.stat().st_size == 0:
        raise UnreadableMedia("the file is empty")
    sniffed = sniff(path)
    if sniffed.kind == "video":
        raise UnreadableMedia(f"this is a video ({sniffed.format}), not an image")
    if sniffed.format == "svg":
        raise UnreadableMedia("SVG images are not supported: their decoder is not safe for untrusted files")
    if sniffed.kind != "image":
        raise UnreadableMedia("not a recognised image format")
    if check_structure and (problem := truncation_problem(path, sniffed)):
        raise UnreadableMedia(f"not a readable image: {problem}")
    if sniffed.is_raw:
        header = _raw_header(path, sniffed)
    elif sniffed.format in PILLOW_FORMATS:
        header = _pillow_header(path, sniffed)
    elif sniffed.format == "jxl":
        header = _jxl_header(path, sniffed)
    else:
        # Also for HEIC: libvips parses the container (size after transforms, EXIF, ICC) even where this build
        # cannot decode HEVC pixels.
        header = _vips_header(path, sniffed)
    if header.width <= 0 or header.height <= 0:
        raise UnreadableMedia("the image has no pixels")
    if header.width * header.height > max_pixels:
        raise UnreadableMedia(
            f"image too large to process safely: {header.width}x{header.height} pixels is over the limit of {max_pixels}"
        )
    return header

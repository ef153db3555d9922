"""What a file is, decided by its first bytes (never by its name), and which decoders may touch it.

libvips is hardened once per process: untrusted loaders (SVG, CSV, raw, .vips, ...) are blocked, and so is every
loader this project does not use, so a crafted file can only reach the JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF and
Ultra HDR JPEG decoders.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import pyvips

from workers.media.jxl import is_jxl
from workers.media.raw import jpeg_extent

# Loaders that stay callable; everything else derived from VipsForeignLoad is blocked.
_ALLOWED_LOADERS = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadUhdr",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif",
    "VipsForeignLoadTiff",
    "VipsForeignLoadHeif",
)

# Extensions of RAW formats whose container is a plain TIFF and so cannot be told apart by magic alone.
TIFF_BASED_RAW_EXTENSIONS = frozenset(
    ".3fr .arw .dcr .erf .fff .iiq .k25 .kdc .mos .nef .nrw .pef .rwl .sr2 .srf .srw .x3f .cap .ari .mrw".split()
)
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"mif2", b"heif"}
_AVIF_BRANDS = {b"avif", b"avis"}

_hardened = False


def harden_vips() -> None:
    """Block untrusted and unused libvips loaders, and turn off the operation cache (idempotent, process wide)."""
    global _hardened
    if _hardened:
        return
    pyvips.block_untrusted_set(True)
    # libvips caches loads by file name: a re-run after the original changed (say, rotated elsewhere) would get
    # the old pixels. Every file is processed once per job anyway, so the cache buys nothing here.
    pyvips.cache_set_max(0)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in _ALLOWED_LOADERS:
        pyvips.operation_block_set(name, False)
    _hardened = True


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "image" | "video" | "unknown"
    format: str  # jpeg png gif webp tiff dng raw heif avif bmp jp2 svg ... | mp4 mov mkv webm avi ... | ""
    is_raw: bool = False


def _tiff_has_dng_version(head: bytes) -> bool:
    """DNG is a TIFF whose first IFD carries the DNGVersion tag (0xC612)."""
    if len(head) < 8:
        return False
    order = "<" if head[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", head[4:8])
    if offset + 2 > len(head):
        return False
    (count,) = struct.unpack(order + "H", head[offset : offset + 2])
    for index in range(min(count, 512)):
        start = offset + 2 + index * 12
        if start + 2 > len(head):
            return False
        (tag,) = struct.unpack(order + "H", head[start : start + 2])
        if tag == 0xC612:
            return True
    return False


def sniff(path: Path) -> Sniffed:
    with open(path, "rb") as handle:
        head = handle.read(65536)
    return sniff_bytes(head, extension=path.suffix.lower())


def sniff_bytes(head: bytes, *, extension: str = "") -> Sniffed:
    if head[:3] == b"\xff\xd8\xff":
        return Sniffed("image", "jpeg")
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return Sniffed("image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("video", "avi")
    if head[:2] == b"BM" and len(head) > 14:
        return Sniffed("image", "bmp")
    if head[:15] == b"FUJIFILMCCD-RAW":
        return Sniffed("image", "raf", is_raw=True)
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):
        return Sniffed("image", "raw", is_raw=True)  # Olympus ORF, Panasonic RW2
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:10] == b"CR":
            return Sniffed("image", "cr2", is_raw=True)
        if _tiff_has_dng_version(head):
            return Sniffed("image", "dng", is_raw=True)
        if extension in TIFF_BASED_RAW_EXTENSIONS:
            return Sniffed("image", "raw", is_raw=True)
        return Sniffed("image", "tiff")
    if head[:12] in (b"\x00\x00\x00\x0cjP  \r\n\x87\n",) or head[:4] == b"\xff\x4f\xff\x51":
        return Sniffed("image", "jp2")
    if is_jxl(head):
        return Sniffed("image", "jxl")
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        if b"crx " in brands:
            return Sniffed("image", "cr3", is_raw=True)
        if brands & _AVIF_BRANDS:
            return Sniffed("image", "avif")
        if brands & _HEIF_BRANDS:
            return Sniffed("image", "heif")
        major = head[8:12]
        return Sniffed("video", "mov" if major == b"qt  " else "mp4")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return Sniffed("video", "mov")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return Sniffed("video", "webm" if b"webm" in head[:64] else "mkv")
    if head[:1] == b"\x47" and len(head) > 376 and head[188:189] == b"\x47":
        return Sniffed("video", "mpegts")
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return Sniffed("video", "mpeg")
    if head[:4] == b"\x30\x26\xb2\x75":
        return Sniffed("video", "wmv")
    if head[:3] == b"FLV":
        return Sniffed("video", "flv")
    stripped = head.lstrip()[:256].lower()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in head[:4096].lower()):
        return Sniffed("image", "svg")
    return Sniffed("unknown", "")


def _box_overrun(data: bytes | mmap.mmap, size: int) -> bool:
    """ISO-BMFF (HEIF, AVIF, MP4/MOV): a top-level box claims to reach past the end of the file."""
    pos = 0
    while pos + 8 <= size:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if length == 1:
            (length,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
        elif length == 0:
            return False
        if length < 8:
            return True
        pos += length
    return pos > size


def truncation_problem(path: Path, sniffed: Sniffed) -> str | None:
    """A cheap structural check (no decoding) for files cut short, e.g. by an interrupted upload or copy.

    JPEG: it ends with the end-of-image marker, or else its markers are walked to one (trailing data such as a
    motion photo's video is fine). PNG: the IEND chunk is there. WebP: the RIFF size fits. ISO-BMFF: no box runs past the end.
    """
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            return "the file is empty"
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            # A JPEG that ends with its end-of-image marker (after any zero padding) is whole; only one that does
            # not (cut short, or followed by other data such as a motion photo's video) has its markers walked,
            # which reads the whole file (~20 ms for 8 MB).
            ends_whole = data[max(0, size - 4096) : size].rstrip(b"\x00").endswith(b"\xff\xd9")
            if sniffed.format == "jpeg" and not ends_whole and jpeg_extent(data, 0, decodable_only=False) is None:
                return "the JPEG is truncated or corrupt (no end-of-image marker after the image data)"
            if sniffed.format == "png" and data.rfind(b"IEND", max(0, size - 4096)) < 0:
                return "the PNG is truncated (no IEND chunk)"
            if sniffed.format == "webp" and struct.unpack("<I", data[4:8])[0] + 8 > size:
                return "the WebP is truncated (shorter than its RIFF header says)"
            if sniffed.format in ("heif", "avif", "cr3", "mp4", "mov") and _box_overrun(data, size):
                return f"the {sniffed.format.upper()} file is truncated (a box runs past the end of the file)"
    return None

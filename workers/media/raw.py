"""Camera RAW files without a RAW decoder: find the largest embedded JPEG preview, and the sensor size for DNG/TIFF.

The libvips build shipped in pyvips-binary has no libraw, so RAW files are shown through the preview every camera
embeds (of any size, unlike Immich, which silently drops previews under 1440 px). The scan walks JPEG markers
properly, so a thumbnail nested in a preview's EXIF or random bytes that look like an SOI are not mistaken for it,
and it ignores lossless JPEG (SOF3), which is how DNG and CR2 store the sensor data itself.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path

_SOI = b"\xff\xd8\xff"
_DECODABLE_SOF = {0xC0, 0xC1, 0xC2}  # baseline, extended and progressive Huffman: what libjpeg decodes
_OTHER_SOF = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# After SOS, entropy-coded data runs until a 0xFF that is neither stuffing (FF00) nor a restart marker (FFD0-D7).
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_MAX_CANDIDATES = 256


@dataclass(frozen=True)
class EmbeddedJpeg:
    start: int
    end: int
    width: int
    height: int


def jpeg_extent(data: bytes | mmap.mmap, start: int, *, decodable_only: bool = True) -> EmbeddedJpeg | None:
    """Walk the JPEG starting at `start`; its extent and size if it is complete (and, with `decodable_only`,
    coded in a way libjpeg decodes: lossless sensor data is skipped)."""
    pos, size, frame = start + 2, len(data), None
    scanned = False
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            if frame is None or not scanned:
                return None
            return EmbeddedJpeg(start, pos + 2, *frame)
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > size:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > size:
            return None
        if marker in _OTHER_SOF and decodable_only:
            return None
        if marker in _DECODABLE_SOF or marker in _OTHER_SOF:
            if length < 8:
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            if not width or not height:
                return None
            frame = (width, height)
        pos += 2 + length
        if marker == 0xDA:
            if frame is None:
                return None
            scanned = True
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                return None
            pos = found.start()
    return None


def largest_embedded_jpeg(path: Path) -> tuple[bytes, int, int] | None:
    """(JPEG bytes, width, height) of the largest decodable JPEG inside the file, or None."""
    with open(path, "rb") as handle:
        if handle.seek(0, 2) == 0:
            return None
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            best, pos, tried = None, 0, 0
            while tried < _MAX_CANDIDATES:
                pos = data.find(_SOI, pos)
                if pos < 0:
                    break
                tried += 1
                found = jpeg_extent(data, pos)
                if found is None:
                    pos += 3
                    continue
                if best is None or found.width * found.height > best.width * best.height:
                    best = found
                pos = found.end  # a thumbnail nested inside this JPEG's EXIF is smaller anyway
            if best is None:
                return None
            return bytes(data[best.start : best.end]), best.width, best.height


def _ifd_entries(data: bytes, order: str, offset: int) -> tuple[dict[int, tuple[int, int, bytes]], int]:
    """{tag: (type, count, 4-byte value field)} of the IFD at offset, and the next IFD's offset."""
    (count,) = struct.unpack(order + "H", data[offset : offset + 2])
    entries = {}
    for index in range(count):
        start = offset + 2 + 12 * index
        tag, kind, number = struct.unpack(order + "HHI", data[start : start + 8])
        entries[tag] = (kind, number, data[start + 8 : start + 12])
    end = offset + 2 + 12 * count
    (following,) = struct.unpack(order + "I", data[end : end + 4])
    return entries, following


def _values(data: bytes, order: str, entry: tuple[int, int, bytes]) -> list[int]:
    kind, count, field = entry
    width = {3: 2, 4: 4, 13: 4}.get(kind)
    if width is None or count > 64:
        return []
    raw = field if width * count <= 4 else data[struct.unpack(order + "I", field)[0] :][: width * count]
    code = "H" if width == 2 else "I"
    return list(struct.unpack(order + code * count, raw[: width * count]))


def tiff_raw_size(path: Path, *, limit: int = 8 * 1024 * 1024) -> tuple[int, int] | None:
    """Largest full-resolution image (NewSubfileType 0) among IFD0, its chain and SubIFDs of a TIFF-based RAW;
    DNG's DefaultCropSize wins when present. None when the structure cannot be read."""
    with open(path, "rb") as handle:
        data = handle.read(limit)
    if data[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if data[:2] == b"II" else ">"
    try:
        queue, best = [struct.unpack(order + "I", data[4:8])[0]], None
        seen: set[int] = set()
        while queue and len(seen) < 32:
            offset = queue.pop(0)
            if not offset or offset in seen or offset + 2 > len(data):
                continue
            seen.add(offset)
            entries, following = _ifd_entries(data, order, offset)
            queue.append(following)
            if 0x014A in entries:
                queue.extend(_values(data, order, entries[0x014A]))
            subfile = _values(data, order, entries[0x00FE])[0] if 0x00FE in entries else 0
            if subfile != 0 or 0x0100 not in entries or 0x0101 not in entries:
                continue
            size = (_values(data, order, entries[0x0100])[0], _values(data, order, entries[0x0101])[0])
            if 0xC620 in entries:
                crop = _values(data, order, entries[0xC620])  # SHORT/LONG; the rare RATIONAL form is skipped
                if len(crop) == 2 and all(crop):
                    size = (crop[0], crop[1])
            if best is None or size[0] * size[1] > best[0] * best[1]:
                best = size
        return best
    except (struct.error, IndexError):
        return None


def demosaic(path: Path, *, half_size: bool) -> tuple[bytes, int, int]:
    """The sensor data of a RAW file without a usable preview, developed by LibRaw (through rawpy): 8-bit sRGB
    (bytes, width, height) with the camera's white balance, as stored (the file's orientation is the caller's to
    apply). `half_size` takes one pixel per 2x2 CFA block instead of interpolating: four times fewer pixels, for a
    picture that is shrunk anyway. Raises ValueError with LibRaw's reason for a file it cannot develop."""
    import rawpy  # imported here: only RAW files without a preview need LibRaw

    try:
        with rawpy.imread(str(path)) as raw:
            rgb = raw.postprocess(use_camera_wb=True, output_bps=8, user_flip=0, half_size=half_size)
    except (rawpy.LibRawError, MemoryError) as error:
        raise ValueError(f"LibRaw: {error}") from error
    height, width = rgb.shape[:2]
    return rgb.tobytes(), width, height

"""JPEG XL's image size and EXIF, read from its header (this build's libvips has no JPEG XL loader).

A JPEG XL file is either a bare codestream (starting 0xFF 0x0A) or an ISO-BMFF container (the `JXL ` signature box)
holding the codestream in a `jxlc` box or split over `jxlp` boxes, and optionally an `Exif` box. The codestream
begins with its SizeHeader (ISO/IEC 18181-1, section D.2), bits read least significant first.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from workers.media.errors import UnreadableMedia

CODESTREAM_SIGNATURE = b"\xff\x0a"
CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
# The aspect ratios a SizeHeader can name instead of spelling out the width (index 1 to 7).
_RATIOS = ((1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1))
_SIZE_BITS = (9, 13, 18, 30)  # U32(Bits(9) + 1, Bits(13) + 1, Bits(18) + 1, Bits(30) + 1)


def is_jxl(head: bytes) -> bool:
    return head.startswith((CODESTREAM_SIGNATURE, CONTAINER_SIGNATURE))


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def read(self, count: int) -> int:
        value = 0
        for index in range(count):
            byte = self.position >> 3
            if byte >= len(self.data):
                raise UnreadableMedia("the JPEG XL header is truncated")
            value |= ((self.data[byte] >> (self.position & 7)) & 1) << index
            self.position += 1
        return value

    def size(self, small: bool) -> int:
        if small:
            return (self.read(5) + 1) * 8
        return self.read(_SIZE_BITS[self.read(2)]) + 1


def codestream_size(codestream: bytes) -> tuple[int, int]:
    """(width, height) of a codestream, as stored (before the orientation its metadata may name)."""
    if not codestream.startswith(CODESTREAM_SIGNATURE):
        raise UnreadableMedia("not a JPEG XL codestream")
    bits = _Bits(codestream[2:])
    small = bool(bits.read(1))
    height = bits.size(small)
    ratio = bits.read(3)
    if ratio == 0:
        width = bits.size(small)
    else:
        numerator, denominator = _RATIOS[ratio - 1]
        width = height * numerator // denominator
    return width, height


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each top-level box; a box that runs past the end is cut at the end."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            if offset + 16 > len(data):
                return
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
            header = 16
        elif size == 0:
            size = len(data) - offset
        if size < header:
            raise UnreadableMedia("the JPEG XL container has a box of impossible size")
        yield kind, data[offset + header : offset + size]
        offset += size


def read_jxl(head: bytes) -> tuple[int, int, bytes | None]:
    """(width, height, EXIF) of a JPEG XL file from its first bytes (the size header is within the first few dozen
    bytes of the codestream; the container's boxes before it are small)."""
    if head.startswith(CODESTREAM_SIGNATURE):
        return (*codestream_size(head), None)
    if not head.startswith(CONTAINER_SIGNATURE):
        raise UnreadableMedia("not a JPEG XL file")
    size: tuple[int, int] | None = None
    exif = None
    for kind, payload in _boxes(head):
        if kind == b"jxlc" and size is None:
            size = codestream_size(payload)
        elif kind == b"jxlp" and size is None:
            size = codestream_size(payload[4:])  # after the part's index
        elif kind == b"Exif" and len(payload) > 4:
            (tiff_offset,) = struct.unpack(">I", payload[:4])
            exif = payload[4 + tiff_offset :] or None
    if size is None:
        raise UnreadableMedia("the JPEG XL container holds no codestream")
    return (*size, exif)

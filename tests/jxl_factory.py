"""JPEG XL headers written bit by bit (no encoder here): a codestream's SizeHeader, optionally in the ISO-BMFF
container with an Exif box. Enough for what the server reads without decoding (size, EXIF), not decodable pixels."""

from __future__ import annotations

import struct
from pathlib import Path

import piexif

_RATIOS = {(1, 1): 1, (12, 10): 2, (4, 3): 3, (3, 2): 4, (16, 9): 5, (5, 4): 6, (2, 1): 7}


class _BitWriter:
    def __init__(self) -> None:
        self.bits: list[int] = []

    def write(self, value: int, count: int) -> None:
        self.bits.extend((value >> index) & 1 for index in range(count))

    def size(self, value: int, small: bool) -> None:
        if small:
            self.write(value // 8 - 1, 5)
            return
        for selector, count in enumerate((9, 13, 18, 30)):
            if value - 1 < 1 << count:
                self.write(selector, 2)
                self.write(value - 1, count)
                return
        raise ValueError(value)

    def bytes(self) -> bytes:
        padded = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(
            sum(bit << index for index, bit in enumerate(padded[start : start + 8]))
            for start in range(0, len(padded), 8)
        )


def codestream(width: int, height: int, *, ratio: tuple[int, int] | None = None) -> bytes:
    writer = _BitWriter()
    small = width % 8 == 0 and height % 8 == 0 and width <= 256 and height <= 256 and ratio is None
    writer.write(int(small), 1)
    writer.size(height, small)
    writer.write(_RATIOS[ratio] if ratio else 0, 3)
    if ratio is None:
        writer.size(width, small)
    writer.write(1, 1)  # ImageMetadata all_default
    return b"\xff\x0a" + writer.bytes() + b"\x00" * 32  # what would follow: the frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def make_jxl(
    path: Path, width: int, height: int, *, container: bool = False, taken: str | None = None, ratio=None
) -> Path:
    stream = codestream(width, height, ratio=ratio)
    if container or taken:
        exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()}}) if taken else b""
        boxes = [b"\x00\x00\x00\x0cJXL \r\n\x87\n", _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")]
        if exif:
            boxes.append(_box(b"Exif", b"\x00\x00\x00\x00" + exif.removeprefix(b"Exif\x00\x00")))
        boxes.append(_box(b"jxlc", stream))
        data = b"".join(boxes)
    else:
        data = stream
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path

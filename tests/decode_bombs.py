"""Small files whose headers ask for a lot of memory to decode (issue 26, item 5), as the attack made them: a JPEG
2000 declaring 9999x9999 RGBA (303 bytes; 2.4 GB to decode whole), an RLE BMP (1 KB; 1.1 GB), an interlaced 16-bit
PNG (570 KB; 0.9 GB), progressive JPEGs (555 bytes; 0.7 GB). Each is made in milliseconds: a tiny picture whose
size fields are rewritten, or zeros deflated from one repeated block."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def rewritten(data: bytes, marker: bytes, offset: int, layout: str, *numbers: int) -> bytes:
    """`data` with the numbers `offset` bytes after the first `marker` replaced: how a header is made to lie."""
    patched = bytearray(data)
    at = patched.find(marker) + offset
    packed = struct.pack(layout, *numbers)
    patched[at : at + len(packed)] = packed
    return bytes(patched)


def jp2_declaring(width: int, height: int) -> bytes:
    """A 64x64 transparent JPEG 2000 whose header box and codestream (SIZ, one tile) claim width x height; openjpeg
    decodes it, as zeros, at that size."""
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64)).save(buffer, "JPEG2000")
    data = rewritten(buffer.getvalue(), b"ihdr", 4, ">II", height, width)
    return rewritten(data, b"\xff\x51", 6, ">IIIIII", width, height, 0, 0, width, height)


def rle_bmp(width: int, height: int) -> bytes:
    """An 8-bit BMP, RLE8-compressed, all black: its runs are "move 255 right and 255 down" escapes (the decoder
    fills what they skip with zeros), then the end of the bitmap."""
    palette = b"".join(bytes((grey, grey, grey, 0)) for grey in range(256))
    pixels = b"\x00\x02\xff\xff" * (height // 255 + 1) + b"\x00\x01"
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _zeros_deflated(total: int, block: int = 16 * 1024 * 1024) -> bytes:
    """A zlib stream of `total` zero bytes: one deflate block (ended by a full flush, so every copy is the same
    bytes) repeated, and the Adler-32 of zeros, which is (total mod 65521) << 16 | 1."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    full = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(total, block)
    tail = compressor.compress(bytes(rest)) + compressor.flush()
    return b"\x78\xda" + full * count + tail + struct.pack(">I", (total % 65521) << 16 | 1)


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def interlaced_png16(width: int, height: int) -> bytes:
    """Black, 16-bit RGB, Adam7-interlaced: the seven passes' rows (a filter byte, then 6 bytes a pixel) of zeros."""
    raw = 0
    for x0, y0, dx, dy in _ADAM7:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            raw += rows * (1 + columns * 6)
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", _zeros_deflated(raw)) + _chunk(b"IEND", b"")


def progressive_jpeg(width: int, height: int) -> bytes:
    """A 64x64 progressive JPEG (4:2:0) whose frame header (SOF2) claims width x height."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 90, 60)).save(buffer, "JPEG", progressive=True, quality=80, subsampling=2)
    return rewritten(buffer.getvalue(), b"\xff\xc2", 5, ">HH", height, width)


def nested_xmp(size: int) -> bytes:
    """A sidecar of about `size` bytes, one description nested in the next (quadratic to read before: 129 s for
    4 MB)."""
    level_open, level_close = "<rdf:Description><dc:description>", "</dc:description></rdf:Description>"
    depth = size // (len(level_open) + len(level_close))
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + level_open * depth
        + "<rdf:Alt><rdf:li>deep</rdf:li></rdf:Alt>"
        + level_close * depth
        + "</rdf:RDF></x:xmpmeta>"
    ).encode()

"""Where the XMP of an image is: a JPEG's APP1 packet and its Extended XMP (read segment by segment up to the
image data), other formats' (PNG, WebP, TIFF, HEIF) through the image header. Pure module: no ORM, no settings."""

from __future__ import annotations

import re
from pathlib import Path

from workers.media import xmp
from workers.media.header import read_image_header

_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
_EXTENDED_SIGNATURE = b"http://ns.adobe.com/xmp/extension/\x00"
_EXTENDED_GUID = re.compile(rb"HasExtendedXMP(?:\s*=\s*[\"']|\s*>)\s*([0-9A-Fa-f]{32})")


def jpeg_xmp_packets(path: Path) -> list[bytes]:
    """The XMP of a JPEG: the APP1 packet, followed by its Extended XMP (the chunks with the GUID the main packet
    names, in offset order), read segment by segment up to the image data."""
    main: bytes | None = None
    chunks: dict[tuple[bytes, int], bytes] = {}
    with open(path, "rb") as handle:
        if handle.read(2) != b"\xff\xd8":
            return []
        while handle.read(1) == b"\xff":
            marker = handle.read(1)
            while marker == b"\xff":  # fill bytes
                marker = handle.read(1)
            if marker in (b"", b"\xda", b"\xd9"):  # end of file, start of scan, end of image
                break
            if marker == b"\x01" or 0xD0 <= marker[0] <= 0xD7:
                continue  # markers without a length
            head = handle.read(2)
            if len(head) < 2 or (length := int.from_bytes(head, "big")) < 2:
                break
            if marker != b"\xe1":
                handle.seek(length - 2, 1)
                continue
            payload = handle.read(length - 2)
            if payload.startswith(_XMP_SIGNATURE) and main is None:
                main = payload[len(_XMP_SIGNATURE) :]
            elif payload.startswith(_EXTENDED_SIGNATURE) and len(payload) > len(_EXTENDED_SIGNATURE) + 40:
                body = payload[len(_EXTENDED_SIGNATURE) :]
                guid, offset = body[:32], int.from_bytes(body[36:40], "big")
                if sum(len(chunk) for chunk in chunks.values()) < xmp.MAX_XMP_BYTES:
                    chunks[(guid, offset)] = body[40:]
    return _assembled(main, chunks)


def _assembled(main: bytes | None, chunks: dict[tuple[bytes, int], bytes]) -> list[bytes]:
    if main is None:
        return []
    packets = [main]
    if chunks and (match := _EXTENDED_GUID.search(main)):
        guid = match.group(1).upper()
        parts = sorted((offset, data) for (chunk_guid, offset), data in chunks.items() if chunk_guid.upper() == guid)
        if parts:
            packets.append(b"".join(data for _, data in parts))
    return packets


def embedded_xmp_packets(path: Path) -> list[bytes]:
    """XMP inside the image: JPEG segments read directly, other formats (PNG, WebP, TIFF, HEIF) through the
    image header. Files that are not readable images have none."""
    with open(path, "rb") as handle:
        if handle.read(3) == b"\xff\xd8\xff":
            return jpeg_xmp_packets(path)
    header = read_image_header(path, check_structure=False)
    return [header.xmp] if header.xmp else []

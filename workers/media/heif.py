"""HEIF/HEIC/AVIF specifics: where orientation lives, and decoding HEVC-coded images.

Orientation: libheif applies the container's `irot`/`imir` properties while decoding and libvips then drops the
EXIF Orientation tag. That is right for iPhone files (both say the same) but loses the rotation of Samsung files,
which carry only an EXIF Orientation (Immich #8355, #12405). So: container transforms present -> trust the
decoder; none -> the EXIF Orientation still has to be applied, by us.

Decoding: the libvips in pyvips-binary reads HEIF headers but has no HEVC decoder (only AV1 for AVIF);
pillow-heif bundles libheif with libde265, so HEVC-coded images are decoded through it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pillow_heif
import pyvips

from workers.media.errors import UnreadableMedia

_TRANSFORMS = {b"irot", b"imir"}
_MAX_META_BYTES = 16 * 1024 * 1024


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _meta_box(path: Path) -> bytes | None:
    """The top-level `meta` box, read without loading the (possibly huge) `mdat`."""
    with open(path, "rb") as handle:
        total = handle.seek(0, 2)
        pos = 0
        while pos + 8 <= total:
            handle.seek(pos)
            header = handle.read(16)
            size, kind = struct.unpack(">I4s", header[:8])
            if size == 1 and len(header) == 16:
                (size,) = struct.unpack(">Q", header[8:16])
            elif size == 0:
                size = total - pos
            if size < 8:
                return None
            if kind == b"meta":
                if size > _MAX_META_BYTES:
                    return None
                handle.seek(pos)
                return handle.read(size)
            pos += size
    return None


def has_container_transform(path: Path) -> bool:
    """Whether the file's item properties include a rotation (irot) or mirror (imir)."""
    meta = _meta_box(path)
    if meta is None:
        return False
    # meta is a FullBox: 8 bytes of header, then 4 of version/flags before its children.
    for kind, start, end in _children(meta, 12, len(meta)):
        if kind != b"iprp":
            continue
        for inner, inner_start, inner_end in _children(meta, start, end):
            if inner == b"ipco" and any(prop in _TRANSFORMS for prop, _, _ in _children(meta, inner_start, inner_end)):
                return True
    return False


def heif_size(path: Path) -> tuple[int, int]:
    """Displayed size (container transforms applied) from the header; nothing is decoded."""
    width, height = pillow_heif.open_heif(str(path), convert_hdr_to_8bit=True).size
    return int(width), int(height)


def decode_heif(path: Path) -> pyvips.Image:
    """Decode the primary image (8 bits per channel, container transforms applied) into a libvips image.

    The ICC profile, if any, is attached so the colour step can read it; EXIF orientation is left to the caller.
    Raises UnreadableMedia with libheif's words for files it cannot decode (truncated, damaged, unsupported).
    """
    try:
        heif = pillow_heif.open_heif(str(path), convert_hdr_to_8bit=True)
        width, height = heif.size
        bands = len(heif.mode)
        data = heif.data  # decoded here
        stride = heif.stride
    except (ValueError, RuntimeError) as error:  # what pillow-heif raises for libheif's errors
        raise UnreadableMedia(f"cannot decode the HEIF image: {str(error).strip()}") from error
    if stride == width * bands:
        image = pyvips.Image.new_from_memory(bytes(data), width, height, bands, "uchar")
    else:
        rows = b"".join(bytes(data[row * stride : row * stride + width * bands]) for row in range(height))
        image = pyvips.Image.new_from_memory(rows, width, height, bands, "uchar")
    image = image.copy(interpretation="srgb")
    if profile := heif.info.get("icc_profile"):
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", bytes(profile))
    return image

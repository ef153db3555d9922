"""The two halves of an iPhone live photo, made by code: a still whose Apple MakerNote carries the ContentIdentifier
and a QuickTime video whose `com.apple.quicktime.content.identifier` key carries the same one."""

from __future__ import annotations

import struct
from pathlib import Path

import piexif

from tests.media_factories import make_exif_jpeg, make_video

_ASCII = 2


def apple_maker_note(content_identifier: str, *, byte_order: str = ">") -> bytes:
    """An Apple MakerNote as iOS writes it: header, then one IFD whose offsets count from the note's first byte.
    A MakerNoteVersion entry comes first, as in the phone's files, so the reader must walk the entries."""
    text = content_identifier.encode() + b"\x00"
    entries = 2
    data_offset = 14 + 2 + 12 * entries + 4
    ifd = struct.pack(byte_order + "H", entries)
    ifd += struct.pack(byte_order + "HHI", 0x0001, 9, 1) + struct.pack(byte_order + "i", 14)  # MakerNoteVersion
    ifd += struct.pack(byte_order + "HHII", 0x0011, _ASCII, len(text), data_offset)
    ifd += struct.pack(byte_order + "I", 0)
    return b"Apple iOS\x00" + b"\x00\x01" + (b"MM" if byte_order == ">" else b"II") + ifd + text


def make_live_photo_still(path: Path, content_identifier: str, **options) -> Path:
    exif = {
        "0th": {piexif.ImageIFD.Make: b"Apple", piexif.ImageIFD.Model: b"iPhone 15"},
        "Exif": {piexif.ExifIFD.MakerNote: apple_maker_note(content_identifier)},
    }
    return make_exif_jpeg(path, exif=exif, **options)


def make_live_photo_video(path: Path, content_identifier: str, **options) -> Path:
    # FFmpeg's MOV muxer writes keys outside its own list only with use_metadata_tags (as Apple's mdta keys).
    return make_video(
        path,
        container_format="mov",
        container_options={"movflags": "use_metadata_tags"},
        metadata={"com.apple.quicktime.content.identifier": content_identifier},
        **options,
    )

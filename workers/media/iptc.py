"""IPTC-IIM (the older press metadata, still written by Photoshop, Lightroom and newsroom tools): keywords, caption
and creation date. Pure: bytes in, plain values out (no file access).

libvips hands over the block as it found it: a JPEG's APP13 (the Photoshop resources, "Photoshop 3.0", whose
resource 0x0404 holds the IIM records) or a TIFF's tag 33723 (the IIM records themselves). Each record is
0x1C, record number, dataset number, a 2-byte length (or, with the top bit set, the length of a longer length) and
the data. Text is UTF-8 when the file says so (dataset 1:90 = ESC % G) or decodes as UTF-8, else Windows-1252 (what
exiftool assumes for IPTC without a character set).
"""

from __future__ import annotations

import struct
from typing import Any

_PHOTOSHOP = b"Photoshop 3.0\x00"
_RESOURCE, _IPTC_RESOURCE = b"8BIM", 0x0404
_MARK = 0x1C
_UTF8_ESCAPE = b"\x1b%G"
_MAX_RECORDS = 10_000
# (record, dataset) -> name
_KEYWORDS, _DATE, _TIME, _CAPTION, _CHARSET = (2, 25), (2, 55), (2, 60), (2, 120), (1, 90)


def _iim_block(blob: bytes) -> bytes:
    """The IIM records of a Photoshop resource block (APP13), or the blob itself when it already starts with one."""
    if not blob.startswith(_PHOTOSHOP):
        return blob if blob[:1] == bytes([_MARK]) else b""
    at = len(_PHOTOSHOP)
    while at + 12 <= len(blob) and blob[at : at + 4] == _RESOURCE:
        (resource,) = struct.unpack_from(">H", blob, at + 4)
        name_length = blob[at + 6]
        at += 6 + 1 + name_length + ((1 + name_length) % 2)  # Pascal name, padded to an even length
        if at + 4 > len(blob):
            break
        (size,) = struct.unpack_from(">I", blob, at)
        at += 4
        if resource == _IPTC_RESOURCE:
            return blob[at : at + size]
        at += size + (size % 2)
    return b""


def _records(block: bytes) -> list[tuple[tuple[int, int], bytes]]:
    records: list[tuple[tuple[int, int], bytes]] = []
    at = 0
    while at + 5 <= len(block) and block[at] == _MARK and len(records) < _MAX_RECORDS:
        key = (block[at + 1], block[at + 2])
        (size,) = struct.unpack_from(">H", block, at + 3)
        at += 5
        if size & 0x8000:  # extended dataset: the next (size & 0x7FFF) bytes hold the length
            width = size & 0x7FFF
            if width > 4 or at + width > len(block):
                break
            size = int.from_bytes(block[at : at + width], "big")
            at += width
        if at + size > len(block):
            break
        records.append((key, block[at : at + size]))
        at += size
    return records


def _text(data: bytes, utf8: bool) -> str | None:
    if not utf8:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    text = text.replace("\x00", " ").strip()
    return text or None


def _date_text(date: str | None, time: str | None) -> tuple[str | None, str | None]:
    """IIM's CCYYMMDD and HHMMSS±HHMM -> ('YYYY:MM:DD HH:MM:SS', '+HH:MM' or None); (None, None) without both."""
    if not date or len(date) != 8 or not date.isdigit():
        return None, None
    text = f"{date[:4]}:{date[4:6]}:{date[6:]}"
    offset = None
    if time and len(time) >= 6 and time[:6].isdigit():
        text += f" {time[:2]}:{time[2:4]}:{time[4:6]}"
        zone = time[6:]
        if len(zone) == 5 and zone[0] in "+-" and zone[1:].isdigit():
            offset = f"{zone[:3]}:{zone[3:]}"
    else:
        return None, None  # a day without a time is no moment (Immich skips it too)
    return text, offset


def _first(items: list[str] | None) -> str | None:
    return items[0] if items else None


def read_iptc(blob: bytes | None) -> dict[str, Any]:
    """`keywords` (tuple), `description` (Caption-Abstract), `date_text` and `offset` (DateCreated + TimeCreated);
    missing values are absent, a damaged block gives what could be read before the damage."""
    if not blob:
        return {}
    records = _records(_iim_block(bytes(blob)))
    utf8 = any(key == _CHARSET and data.startswith(_UTF8_ESCAPE) for key, data in records)
    texts: dict[tuple[int, int], list[str]] = {}
    for key, data in records:
        if key in (_KEYWORDS, _DATE, _TIME, _CAPTION) and (text := _text(data, utf8)):
            texts.setdefault(key, []).append(text)
    values: dict[str, Any] = {}
    if keywords := texts.get(_KEYWORDS):
        values["keywords"] = tuple(dict.fromkeys(keywords))
    if caption := texts.get(_CAPTION):
        values["description"] = caption[0]
    date_text, offset = _date_text(_first(texts.get(_DATE)), _first(texts.get(_TIME)))
    if date_text:
        values["date_text"] = date_text
        if offset:
            values["offset"] = offset
    return values

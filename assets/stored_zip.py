"""A zip of stored (uncompressed) entries, written as a stream of bytes while each entry's chunks are read: every
entry's CRC-32 and sizes follow its data (a data descriptor), the central directory comes last, Zip64 records where
an entry, an offset or the count outgrows the classic fields (APPNOTE 6.3.9, sections 4.3 and 4.4).

Written here rather than with `zipfile` because the CRC is an archive's only real cost (issue 21): zlib-ng's runs at
about four times the standard library's zlib, which `zipfile` calls and gives no way to replace. Each chunk read is
yielded as it is, uncopied."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from zlib_ng.zlib_ng import crc32

CLASSIC_LIMIT = 0xFFFFFFFF  # the largest size or offset the classic fields hold; it also marks "see the Zip64 extra"
ZIP64_ENTRY = 2**31  # entries at least this big get Zip64 sizes from the start (as zipfile's force_zip64 does)
_UTF8_NAME = 0x0800
_DATA_DESCRIPTOR = 0x0008
_UNIX_REGULAR_FILE = 0o100644 << 16
_MADE_BY_UNIX = 3 << 8


@dataclass(frozen=True)
class Entry:
    name: str
    date_time: tuple[int, int, int, int, int, int]  # from 1980 on: the zip's DOS date and time
    size: int  # as stated before reading: decides the Zip64 header; the bytes read are what is recorded
    chunks: Iterable[bytes]


@dataclass(frozen=True)
class _Written:
    name: bytes
    flags: int
    dos_time: int
    dos_date: int
    crc: int
    size: int
    offset: int
    zip64: bool


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _version(zip64: bool) -> int:
    return 45 if zip64 else 20  # 4.5: Zip64; 2.0: stored entries in folders


def _local_header(name: bytes, flags: int, dos_time: int, dos_date: int, zip64: bool) -> bytes:
    extra = struct.pack("<HHQQ", 0x0001, 16, 0, 0) if zip64 else b""
    sizes = CLASSIC_LIMIT if zip64 else 0  # known only after the data: in the descriptor
    fixed = struct.pack("<IHHHHHIIIHH", 0x04034B50, _version(zip64), flags, 0, dos_time, dos_date, 0, sizes, sizes,
                        len(name), len(extra))  # fmt: skip
    return fixed + name + extra


def _central_header(entry: _Written) -> bytes:
    """The entry's record in the central directory: sizes and offset past the classic fields go to a Zip64 extra."""
    large = [value for value in (entry.size, entry.size, entry.offset) if value >= CLASSIC_LIMIT]
    extra = struct.pack(f"<HH{len(large)}Q", 0x0001, 8 * len(large), *large) if large else b""
    size, offset = min(entry.size, CLASSIC_LIMIT), min(entry.offset, CLASSIC_LIMIT)
    version = _version(entry.zip64 or bool(large))
    fixed = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY_UNIX | version, version, entry.flags, 0,
                        entry.dos_time, entry.dos_date, entry.crc, size, size, len(entry.name), len(extra), 0, 0, 0,
                        _UNIX_REGULAR_FILE, offset)  # fmt: skip
    return fixed + entry.name + extra


def _end_records(count: int, directory_offset: int, directory_size: int) -> bytes:
    """The end of the central directory, preceded by its Zip64 record and locator when a field outgrows its size."""
    records = b""
    if count >= 0xFFFF or directory_offset >= CLASSIC_LIMIT or directory_size >= CLASSIC_LIMIT:
        zip64_end_offset = directory_offset + directory_size
        records = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY_UNIX | 45, 45, 0, 0, count, count,
                              directory_size, directory_offset)  # fmt: skip
        records += struct.pack("<IIQI", 0x07064B50, 0, zip64_end_offset, 1)
    return records + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                 min(directory_size, CLASSIC_LIMIT), min(directory_offset, CLASSIC_LIMIT), 0)  # fmt: skip


def stored_zip(entries: Iterable[Entry]) -> Iterator[bytes]:
    """The zip of the entries, in pieces: each entry's header, its chunks as read, its descriptor, and at the end
    the central directory."""
    written: list[_Written] = []
    offset = 0
    for entry in entries:
        name = entry.name.encode()
        flags = _DATA_DESCRIPTOR | (_UTF8_NAME if not entry.name.isascii() else 0)
        dos_time, dos_date = _dos(entry.date_time)
        zip64 = entry.size >= ZIP64_ENTRY
        header = _local_header(name, flags, dos_time, dos_date, zip64)
        yield header
        crc = size = 0
        for chunk in entry.chunks:
            crc = crc32(chunk, crc)
            size += len(chunk)
            yield chunk
        if size >= CLASSIC_LIMIT and not zip64:
            raise ValueError(f"{entry.name}: grew past 4 GiB after it was stated at {entry.size} bytes")
        descriptor = struct.pack("<IIQQ" if zip64 else "<IIII", 0x08074B50, crc, size, size)
        yield descriptor
        written.append(_Written(name, flags, dos_time, dos_date, crc, size, offset, zip64))
        offset += len(header) + size + len(descriptor)
    directory = b"".join(_central_header(entry) for entry in written)
    yield directory + _end_records(len(written), offset, len(directory))

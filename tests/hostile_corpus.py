"""The hostile media corpus (issue 11): files made by code that a photo server must survive.

Small seeds (a JPEG with EXIF, a PNG, a HEIC, H.264 MP4s with and without audio) and deterministic variants of
them: truncations, bit flips, zero bytes, content under the wrong extension, pixel bombs, highly compressed huge
PNGs, decode bombs (small files whose decoding takes gigabytes: tests/decode_bombs.py), enormous or looping EXIF
blocks, XMP with entities (billion laughs, XXE at /etc/passwd, UTF-16 after padding) or nested 60,000 deep, and names
that try to leave their folder or break whatever prints them. Every byte comes from a fixed seed, so a failure names
a file that can be rebuilt exactly. The whole corpus is about 6 MB and builds in about a second, once per test session.
"""

from __future__ import annotations

import functools
import io
import random
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import av
import piexif
from PIL import Image

from tests.decode_bombs import interlaced_png16, jp2_declaring, nested_xmp, progressive_jpeg, rewritten, rle_bmp
from tests.media_factories import (
    _tiff_ifd,
    make_exif_jpeg,
    make_heif,
    make_image,
    make_pixel_bomb_png,
    make_video,
    make_xmp_packet,
    noisy_picture,
)

# What an XXE must never bring into the database: the first line of /etc/passwd on every Linux system.
PASSWD_MARKER = "root:x:0:0"

# How a file may end: its upload refused with a 400, every step done or skipped, or a step failed with a reason.
REFUSED, PROCESSED, FAILED = "refused", "processed", "failed"
ANY = (REFUSED, PROCESSED, FAILED)


# Signs that a reason was written for a developer, not for the person looking at the failed file.
_NOT_FOR_PEOPLE = re.compile(r"Traceback|\[Errno|\b\w+(Error|Exception)\b|unable to call|gave up after|0x[0-9a-f]{8}")


def problem_with_reason(reason: str, expected_words: str = "") -> str | None:
    """What makes `reason` a poor answer to "why did this file fail?" (None: it is a good one)."""
    if not reason.strip():
        return "no reason given"
    if len(reason) > 300:
        return f"a reason of {len(reason)} characters"
    if found := _NOT_FOR_PEOPLE.search(reason):
        return f"a reason for developers ({found[0]!r})"
    if expected_words.lower() not in reason.lower():
        return f"a reason without {expected_words!r}"
    return None


@dataclass(frozen=True)
class HostileFile:
    label: str  # unique and readable: "<family>/<what>", the test id
    family: str
    name: str  # the file name the client sends (any characters)
    data: bytes
    sidecar: bytes | None = None
    sidecar_name: str = "sidecar.xmp"
    name_in_field: bool = False  # send the name in the `filename` form field (unsanitised) instead of the part header
    outcomes: tuple[str, ...] = ANY  # the endings that are right for this file (bit flips: any of them)
    reason: str = ""  # words the refusal or failure reason must contain


# -- seeds ------------------------------------------------------------------------------------------------------


def _made(maker, suffix: str, **options) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return maker(Path(folder) / f"seed{suffix}", **options).read_bytes()


@functools.cache
def seeds() -> dict[str, tuple[str, bytes]]:
    """name -> (extension, bytes): each decodes cleanly and goes through the whole pipeline."""
    exif = {
        "0th": {piexif.ImageIFD.Make: b"HostileCam", piexif.ImageIFD.Model: b"Seed"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2020:02:02 12:00:00"},
    }
    return {
        "jpeg": (".jpg", _made(make_exif_jpeg, ".jpg", picture=noisy_picture((96, 64)), exif=exif, quality=80)),
        "png": (".png", _made(make_image, ".png", fmt="PNG")),
        "heic": (".heic", _made(make_heif, ".heic")),
        "mp4": (".mp4", _made(make_video, ".mp4", size=(96, 64), seconds=0.5)),
        "mp4-audio": (".mp4", _made(make_video, ".mp4", size=(96, 64), seconds=0.5, audio=True)),
    }


# -- damage -----------------------------------------------------------------------------------------------------


def _truncations(seed: str, extension: str, data: bytes) -> list[HostileFile]:
    """Cut after the header and in the middle: failed as truncated. One byte short: some formats survive that."""
    cuts = {"header-only": 48, "middle": len(data) // 2, "last-byte-missing": len(data) - 1}
    return [
        HostileFile(
            f"truncated/{seed}-{where}",
            "truncated",
            f"{seed}-{where}{extension}",
            data[:size],
            **({} if where == "last-byte-missing" else {"outcomes": (FAILED,), "reason": "truncated"}),
        )
        for where, size in cuts.items()
    ]


def _bit_flips(seed: str, extension: str, data: bytes, *, variants: int = 3) -> list[HostileFile]:
    """1, 8 and 64 flipped bits anywhere, from a generator seeded by the seed's name."""
    generator = random.Random(f"flip-{seed}")
    files = []
    for variant in range(variants):
        damaged = bytearray(data)
        for _ in range(8**variant):
            position = generator.randrange(len(damaged))
            damaged[position] ^= 1 << generator.randrange(8)
        files.append(
            HostileFile(f"bitflip/{seed}-{8**variant}", "bitflip", f"{seed}-flip{variant}{extension}", bytes(damaged))
        )
    return files


def _mislabelled() -> list[HostileFile]:
    jpeg, png, heic, mp4 = (seeds()[name][1] for name in ("jpeg", "png", "heic", "mp4"))
    playlist = b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"><rect width="9" height="9"/></svg>'
    failed = {"outcomes": (FAILED,)}
    return [
        HostileFile("mislabelled/jpeg-as-mp4", "mislabelled", "photo.mp4", jpeg, **failed, reason="not a video"),
        HostileFile("mislabelled/heic-as-mov", "mislabelled", "photo.mov", heic, **failed, reason="not a video"),
        HostileFile("mislabelled/mp4-as-heic", "mislabelled", "clip.heic", mp4, **failed, reason="not an image"),
        HostileFile("mislabelled/mp4-as-jpg", "mislabelled", "clip.jpg", mp4, **failed, reason="not an image"),
        HostileFile(
            "mislabelled/png-as-heic", "mislabelled", "photo.heic", png, outcomes=(PROCESSED,)
        ),  # content decides
        HostileFile(
            "mislabelled/text-as-jpg",
            "mislabelled",
            "notes.jpg",
            b"Shopping list:\n- milk\n- eggs\n" * 20,
            **failed,
            reason="not a recognised image format",
        ),
        HostileFile("mislabelled/svg-as-jpg", "mislabelled", "drawing.jpg", svg, **failed, reason="SVG"),
        HostileFile(
            "mislabelled/elf-as-mov",
            "mislabelled",
            "program.mov",
            b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8,
            **failed,
            reason="not a recognised video format",
        ),
        # FFmpeg demuxers that open other files: an HLS playlist and a concat script, each pointing at /etc/passwd.
        HostileFile(
            "mislabelled/hls-playlist-as-mp4",
            "mislabelled",
            "playlist.mp4",
            playlist,
            **failed,
            reason="not a recognised video format",
        ),
        HostileFile(
            "mislabelled/ffconcat-as-mp4",
            "mislabelled",
            "concat.mp4",
            b"ffconcat version 1.0\nfile /etc/passwd\n",
            **failed,
            reason="not a recognised video format",
        ),
    ]


def _zero_bytes() -> list[HostileFile]:
    return [
        HostileFile(
            f"zero-byte/{extension[1:]}", "zero-byte", f"empty{extension}", b"", outcomes=(REFUSED,), reason="empty"
        )
        for extension in (".jpg", ".heic", ".mp4")
    ]


# -- pixel bombs and huge pictures ------------------------------------------------------------------------------


def _jpeg_declaring(width: int, height: int) -> bytes:
    """The small seed JPEG, its frame header (SOF0) claiming width x height."""
    return rewritten(seeds()["jpeg"][1], b"\xff\xc0", 5, ">HH", height, width)


def _gif_declaring(width: int, height: int) -> bytes:
    """A 4x4 GIF whose logical screen and image descriptor both claim width x height."""
    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, "GIF")
    return rewritten(rewritten(buffer.getvalue(), b"GIF", 6, "<HH", width, height), b"\x2c", 5, "<HH", width, height)


def _heic_declaring(width: int, height: int) -> bytes:
    """The seed HEIC, its image spatial extents (ispe) claiming width x height."""
    return rewritten(seeds()["heic"][1], b"ispe", 8, ">II", width, height)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _deflated_zeros(row: int, rows: int, *, rows_per_block: int = 256) -> bytes:
    """zlib stream of rows x row zero bytes, built from one deflate block repeated (each ends with a full flush,
    so every copy is the same bytes): a 400 MB picture compresses in milliseconds instead of seconds."""
    blocks, rest = divmod(rows, rows_per_block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(row * rows_per_block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(bytes(row * rest)) + compressor.flush()
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(bytes(row * rows_per_block), checksum)
    checksum = zlib.adler32(bytes(row * rest), checksum)
    return b"\x78\xda" + block * blocks + tail + struct.pack(">I", checksum)


def huge_grey_png(side: int) -> bytes:
    """side x side pixels of black, 8-bit grey: 20000 x 20000 (400 million pixels) is about 400 KB of file."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", _deflated_zeros(side + 1, side))
        + _png_chunk(b"IEND", b"")
    )


def _png_with_text_bomb() -> bytes:
    """A small PNG with a zTXt chunk that inflates to 64 MB."""
    png = seeds()["png"][1]
    bomb = _png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(bytes(64 * 1024 * 1024), 9))
    end = png.rfind(b"IEND") - 4
    return png[:end] + bomb + png[end:]


def _mjpeg_mp4_declaring(width: int, height: int) -> bytes:
    """An MP4 whose Motion JPEG frames claim width x height (container and frame headers both)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuvj420p"
        frame = av.VideoFrame.from_image(Image.new("RGB", (16, 16), (90, 90, 90)))
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    data = rewritten(buffer.getvalue(), b"\xff\xc0", 5, ">HH", height, width)
    data = rewritten(data, b"tkhd", 80, ">II", width << 16, height << 16)  # 16.16 fixed point
    return rewritten(data, b"mp4v", 28, ">HH", width, height)  # the visual sample entry


def _pixel_bombs() -> list[HostileFile]:
    with tempfile.TemporaryDirectory() as folder:
        png_bomb = make_pixel_bomb_png(Path(folder) / "bomb.png").read_bytes()
    too_large = {"outcomes": (FAILED,), "reason": "too large"}
    return [
        HostileFile("pixel-bomb/png-100000x100000", "pixel-bomb", "bomb.png", png_bomb, **too_large),
        HostileFile(
            "pixel-bomb/jpeg-65500x65500", "pixel-bomb", "bomb.jpg", _jpeg_declaring(65500, 65500), **too_large
        ),
        HostileFile("pixel-bomb/gif-65535x65535", "pixel-bomb", "bomb.gif", _gif_declaring(65535, 65535), **too_large),
        HostileFile(
            "pixel-bomb/heic-60000x60000", "pixel-bomb", "bomb.heic", _heic_declaring(60000, 60000), **too_large
        ),
        HostileFile(
            "pixel-bomb/mp4-mjpeg-16000x16000",
            "pixel-bomb",
            "bomb.mp4",
            _mjpeg_mp4_declaring(16000, 16000),
            **too_large,
        ),
        HostileFile(
            "pixel-bomb/png-ztxt-64mb", "pixel-bomb", "text-bomb.png", _png_with_text_bomb(), outcomes=(PROCESSED,)
        ),
        HostileFile("huge-png/20000x20000-over-the-limit", "huge-png", "huge.png", huge_grey_png(20000), **too_large),
        HostileFile(
            "huge-png/8000x8000-under-the-limit", "huge-png", "big.png", huge_grey_png(8000), outcomes=(PROCESSED,)
        ),
    ]


def _decode_bombs() -> list[HostileFile]:
    """Issue 26, item 5: within the pixel limit, but over the decode memory limit unless reduced while decoding."""
    too_large = {"outcomes": (FAILED,), "reason": "too large"}
    return [
        # Decoded at a quarter of each side (JPEG 2000 resolution levels): about 200 MB instead of 2.4 GB.
        HostileFile(
            "decode-bomb/jp2-rgba-9999x9999",
            "decode-bomb",
            "bomb.jp2",
            jp2_declaring(9999, 9999),
            outcomes=(PROCESSED,),
        ),
        HostileFile("decode-bomb/bmp-rle-10000x10000", "decode-bomb", "bomb.bmp", rle_bmp(10000, 10000), **too_large),
        HostileFile(
            "decode-bomb/png-interlaced-16bit-9999x9999",
            "decode-bomb",
            "bomb.png",
            interlaced_png16(9999, 9999),
            **too_large,
        ),
        HostileFile(
            "decode-bomb/jpeg-progressive-15000x15000",
            "decode-bomb",
            "bomb.jpg",
            progressive_jpeg(15000, 15000),
            **too_large,
        ),
        # Under the limit (about 300 MB of coefficients): decoded, as grey.
        HostileFile(
            "decode-bomb/jpeg-progressive-9999x9999",
            "decode-bomb",
            "bomb.jpg",
            progressive_jpeg(9999, 9999),
            outcomes=(PROCESSED,),
        ),
    ]


# -- EXIF -------------------------------------------------------------------------------------------------------


def _with_app1(jpeg: bytes, *payloads: bytes) -> bytes:
    """The JPEG with APP1 segments (EXIF or XMP payloads) inserted right after its start-of-image marker."""
    segments = b"".join(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload for payload in payloads)
    return jpeg[:2] + segments + jpeg[2:]


def _plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    noisy_picture((96, 64), seed=3).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _tiff(entries: list[tuple[int, int, int, bytes]], *, next_ifd: int | None = None) -> bytes:
    """A little-endian TIFF structure with one IFD at offset 8 (optionally chained to `next_ifd`)."""
    table, extra = _tiff_ifd(entries, 8)
    if next_ifd is not None:
        table = table[:-4] + struct.pack("<I", next_ifd)
    return b"II*\0" + struct.pack("<I", 8) + table + extra


def _exif_files() -> list[HostileFile]:
    plain = _plain_jpeg()
    comment = piexif.dump({"Exif": {piexif.ExifIFD.UserComment: b"ASCII\0\0\0" + b"c" * 60_000}})
    maker = piexif.dump({"Exif": {piexif.ExifIFD.MakerNote: random.Random(7).randbytes(60_000)}})
    many = _tiff([(0x1000 + index, 3, 1, struct.pack("<H", index)) for index in range(5000)])
    looping = _tiff([(0x010F, 2, 5, b"Loop\0"), (0x8769, 4, 1, struct.pack("<I", 8))], next_ifd=8)
    lying = _tiff([(0x010F, 2, 0xFFFFFFFF, b"\0" * 8), (0x8825, 4, 1, struct.pack("<I", 0x7FFFFFF0))])
    kept = {"outcomes": (PROCESSED,)}  # the picture is fine: the junk around it is ignored
    return [
        HostileFile("huge-exif/60kb-user-comment", "huge-exif", "comment.jpg", _with_app1(plain, comment), **kept),
        HostileFile("huge-exif/60kb-maker-note", "huge-exif", "maker.jpg", _with_app1(plain, maker), **kept),
        HostileFile(
            "huge-exif/5000-ifd-entries", "huge-exif", "entries.jpg", _with_app1(plain, b"Exif\0\0" + many), **kept
        ),
        HostileFile("huge-exif/ifd-loop", "huge-exif", "loop.jpg", _with_app1(plain, b"Exif\0\0" + looping), **kept),
        HostileFile(
            "huge-exif/counts-and-offsets-past-the-end",
            "huge-exif",
            "lying.jpg",
            _with_app1(plain, b"Exif\0\0" + lying),
            **kept,
        ),
    ]


# -- XMP --------------------------------------------------------------------------------------------------------

_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    )
    + "]>"
)
_EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
_EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd">'


def _xmp_with(prolog: str, description: str) -> bytes:
    return prolog.encode() + make_xmp_packet(dc__description=description, xmp__Rating="5")


def _xmp_files() -> list[HostileFile]:
    photo = _plain_jpeg()
    laughs, external = _xmp_with(_LAUGHS, "&lol9;"), _xmp_with(_EXTERNAL, "&secret;")
    embedded = b"http://ns.adobe.com/xap/1.0/\0"
    kept = {"outcomes": (PROCESSED,)}  # the XMP is ignored with a warning, the photo is kept
    padded_utf16 = b" " * 64 + _xmp_with(_LAUGHS, "&lol9;").decode().encode("utf-16-le")
    return [
        # Issue 26, item 7: 64 bytes, then UTF-16LE without a byte order mark (once expanded: 7 M characters).
        HostileFile("xmp/sidecar-utf16le-after-padding", "xmp", "padded.jpg", photo, sidecar=padded_utf16, **kept),
        # Item 8: nested 60,000 deep (129 s to read before).
        HostileFile("xmp/sidecar-nested-4mb", "xmp", "nested.jpg", photo, sidecar=nested_xmp(4_000_000), **kept),
        HostileFile("xmp/sidecar-billion-laughs", "xmp", "laughs.jpg", photo, sidecar=laughs, **kept),
        HostileFile("xmp/sidecar-xxe-passwd", "xmp", "xxe.jpg", photo, sidecar=external, **kept),
        HostileFile(
            "xmp/sidecar-external-dtd", "xmp", "dtd.jpg", photo, sidecar=_xmp_with(_EXTERNAL_DTD, "dtd"), **kept
        ),
        HostileFile(
            "xmp/sidecar-utf16-xxe",
            "xmp",
            "utf16.jpg",
            photo,
            sidecar=external.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"', 1).encode("utf-16"),
            **kept,
        ),
        HostileFile(
            "xmp/sidecar-named-to-escape",
            "xmp",
            "escape.jpg",
            photo,
            sidecar=make_xmp_packet(dc__description="harmless"),
            sidecar_name="../../../../escape.xmp",
            **kept,
        ),
        HostileFile(
            "xmp/embedded-billion-laughs", "xmp", "embedded-laughs.jpg", _with_app1(photo, embedded + laughs), **kept
        ),
        HostileFile(
            "xmp/embedded-xxe-passwd", "xmp", "embedded-xxe.jpg", _with_app1(photo, embedded + external), **kept
        ),
    ]


# -- names ------------------------------------------------------------------------------------------------------

HOSTILE_NAMES = {
    "parent-folders": "../../../../tmp/escape.jpg",
    "absolute": "/etc/cron.d/escape.jpg",
    "backslashes": "..\\..\\..\\windows\\escape.jpg",
    "newline": "line\nbreak.jpg",
    "carriage-return": "header\r\nX-Injected: 1.jpg",
    "nul": "nul\x00byte.jpg",
    "control-characters": "bell\x07escape\x1b[31m.jpg",
    "255-byte-utf8": "é" * 125 + "a.jpg",
    "255-byte-emoji": "😀" * 62 + "abc.jpg",
    "over-long": "a" * 400 + ".jpg",
    "quotes": 'say "cheese"; filename=evil.jpg',
    "right-to-left-override": "photo\u202egpj.exe.jpg",
    "only-dots-with-extension": "....jpg",
    "extension-only": ".jpg",
    "dot": ".",
    "dot-dot": "..",
    "three-dots": "...",
}


def _named_files() -> list[HostileFile]:
    """Each hostile name twice: in the multipart part header (which Django sanitises) and in the `filename` field
    (which it does not). Every file has its own bytes, so none is answered as a duplicate of another."""
    photo = _plain_jpeg()
    files = []
    for index, (what, name) in enumerate(HOSTILE_NAMES.items()):
        for in_field in (False, True):
            unique = photo + f"trailer {index} {in_field}".encode()  # after the end-of-image marker: still a JPEG
            channel = "field" if in_field else "header"
            files.append(
                HostileFile(
                    f"name/{what}-in-{channel}",
                    "name",
                    name,
                    unique,
                    name_in_field=in_field,
                    outcomes=(REFUSED, PROCESSED),
                )
            )
    return files


@functools.cache
def hostile_corpus() -> tuple[HostileFile, ...]:
    files = [
        HostileFile(f"seed/{name}", "seed", f"seed{extension}", data, outcomes=(PROCESSED,))
        for name, (extension, data) in seeds().items()
    ]
    for name, (extension, data) in seeds().items():
        files += _truncations(name, extension, data) + _bit_flips(name, extension, data)
    files += _zero_bytes() + _mislabelled() + _pixel_bombs() + _decode_bombs() + _exif_files() + _xmp_files()
    files += _named_files()
    labels = [file.label for file in files]
    assert len(labels) == len(set(labels)), "corpus labels must be unique"
    return tuple(files)

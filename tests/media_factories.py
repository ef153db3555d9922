"""Real media made by code: JPEGs with EXIF (Pillow + piexif), PNG, WebP and MP4 (PyAV)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import piexif
from PIL import Image


def make_jpeg(
    path: Path,
    *,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (200, 40, 40),
    taken: str | None = "2021:06:15 10:30:00",
    offset: str | None = None,
    orientation: int | None = None,
    make: str = "TestMake",
    model: str = "TestModel",
) -> Path:
    exif = {"0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}, "Exif": {}}
    if orientation:
        exif["0th"][piexif.ImageIFD.Orientation] = orientation
    if taken:
        exif["Exif"][piexif.ExifIFD.DateTimeOriginal] = taken.encode()
    if offset:
        exif["Exif"][piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "JPEG", exif=piexif.dump(exif), quality=90)
    return path


def make_png(path: Path, *, size: tuple[int, int] = (40, 30), color=(20, 120, 220, 255)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", size, color).save(path, "PNG")
    return path


def make_webp(path: Path, *, size: tuple[int, int] = (40, 30), color=(20, 200, 20)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "WEBP")
    return path


def make_mp4(path: Path, *, size: tuple[int, int] = (64, 48), seconds: float = 1.0, fps: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(int(seconds * fps)):
            shade = (index * 20) % 255
            frame = av.VideoFrame.from_image(Image.new("RGB", size, (shade, 255 - shade, 128)))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_xmp(path: Path, *, description: str = "from sidecar") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>{description}</dc:description>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return path


# ---------------------------------------------------------------------------------------------------------------
# Media pipeline factories: every format the thumbnail and metadata steps must handle, plus hostile files.
# ---------------------------------------------------------------------------------------------------------------

import hashlib  # noqa: E402
import io  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402

import pyvips  # noqa: E402

MARK = (255, 0, 0)  # the corner square that must end up top-left once displayed
BACKGROUND = (0, 0, 255)

# Pillow transposes that turn an upright picture into what a camera stores for each EXIF orientation.
_STORED_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def upright_picture(size: tuple[int, int] = (120, 80), *, mark: int = 24, mode: str = "RGB") -> Image.Image:
    """Blue with a red square in the top-left corner, as the viewer should see it."""
    picture = Image.new(mode, size, BACKGROUND + ((255,) if mode == "RGBA" else ()))
    picture.paste(MARK + ((255,) if mode == "RGBA" else ()), (0, 0, mark, mark))
    return picture


def stored_for(picture: Image.Image, orientation: int | None) -> Image.Image:
    """The pixels a camera writes so that applying `orientation` shows `picture`."""
    if orientation in _STORED_FOR_ORIENTATION:
        return picture.transpose(_STORED_FOR_ORIENTATION[orientation])
    return picture


def noisy_picture(size: tuple[int, int], *, seed: int = 0) -> Image.Image:
    """A gradient with noise, so JPEG has real work to do (flat colours compress to nothing)."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40 + seed % 7)
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def make_exif_jpeg(
    path: Path,
    *,
    picture: Image.Image | None = None,
    orientation: int | None = None,
    exif: dict | None = None,
    icc: bytes | None = None,
    xmp: bytes | None = None,
    quality: int = 90,
) -> Path:
    """A JPEG of `picture` (upright), stored rotated per `orientation`, with piexif-style `exif` dicts merged in."""
    picture = picture or upright_picture()
    tags = {"0th": {}, "Exif": {}, "GPS": {}}
    for ifd, values in (exif or {}).items():
        tags.setdefault(ifd, {}).update(values)
    if orientation:
        tags["0th"][piexif.ImageIFD.Orientation] = orientation
    options = {"exif": piexif.dump(tags), "quality": quality}
    if icc:
        options["icc_profile"] = icc
    if xmp:
        options["xmp"] = xmp
    path.parent.mkdir(parents=True, exist_ok=True)
    stored_for(picture, orientation).save(path, "JPEG", **options)
    return path


def builtin_profile(name: str) -> bytes:
    """An ICC profile that libvips ships ("srgb", "p3")."""
    return bytes(pyvips.Image.black(1, 1, bands=3).icc_transform(name, input_profile="srgb").get("icc-profile-data"))


def make_image(path: Path, fmt: str, *, picture: Image.Image | None = None, **options) -> Path:
    """Pillow formats: PNG, WebP, GIF, TIFF, BMP."""
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = picture or upright_picture()
    if fmt == "GIF":
        picture = picture.convert("RGB").quantize(colors=16)
    picture.save(path, fmt, **options)
    return path


def make_png16(path: Path, size: tuple[int, int] = (80, 60)) -> Path:
    image = (pyvips.Image.black(*size, bands=3) + [0, 30000, 65535]).cast("ushort").copy(interpretation="rgb16")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.pngsave(str(path))
    return path


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24) + payload)


def _find_box(data: bytes, kind: bytes) -> bytes:
    index = data.find(kind)
    (size,) = struct.unpack(">I", data[index - 4 : index])
    return data[index - 4 : index - 4 + size]


def _heif_file(
    item_type: bytes, config: bytes, coded: bytes, size, *, irot: int, exif: bytes | None, brand: bytes
) -> bytes:
    """A minimal single-image HEIF: ftyp, meta (hdlr, pitm, iloc, iinf, iref, iprp with ispe/irot), mdat."""
    props = [config, _full_box(b"ispe", 0, struct.pack(">II", *size))]
    if irot:
        props.append(_box(b"irot", bytes([irot & 3])))
    links = bytes([0x81, 0x02] + ([0x83] if irot else []))
    iprp = _box(
        b"iprp", _box(b"ipco", b"".join(props)) + _full_box(b"ipma", 0, struct.pack(">IHB", 1, 1, len(links)) + links)
    )
    infos = [_full_box(b"infe", 2, struct.pack(">HH", 1, 0) + item_type + b"\0")]
    items = [(1, coded)]
    iref = b""
    if exif is not None:
        infos.append(_full_box(b"infe", 2, struct.pack(">HH", 2, 0) + b"Exif\0"))
        items.append((2, struct.pack(">I", 0) + exif))
        iref = _full_box(b"iref", 0, _box(b"cdsc", struct.pack(">HHH", 2, 1, 1)))
    head = [
        _full_box(b"hdlr", 0, b"\0\0\0\0pict" + b"\0" * 13),
        _full_box(b"pitm", 0, struct.pack(">H", 1)),
        None,  # iloc, once the offsets are known
        _full_box(b"iinf", 0, struct.pack(">H", len(infos)) + b"".join(infos)),
        iref,
        iprp,
    ]
    ftyp = _box(b"ftyp", brand + b"\0\0\0\0mif1" + brand)

    def layout(offsets):
        entries = b"".join(
            struct.pack(">HHHII", item, 0, 1, offset, len(data)) for (item, data), offset in zip(items, offsets)
        )
        head[2] = _full_box(b"iloc", 0, b"\x44\x00" + struct.pack(">H", len(items)) + entries)
        return ftyp + _full_box(b"meta", 0, b"".join(head))

    start = len(layout([0] * len(items))) + 8
    offsets = [start + sum(len(data) for _, data in items[:index]) for index in range(len(items))]
    return layout(offsets) + _box(b"mdat", b"".join(data for _, data in items))


def _hevc_still(picture: Image.Image) -> tuple[bytes, bytes]:
    """(hvcC box, one coded HEVC picture) from PyAV's libx265 through an MP4 that we take apart."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx265", rate=1)
        stream.width, stream.height = picture.size
        stream.pix_fmt = "yuv420p"
        stream.options = {"x265-params": "log-level=none"}
        frame = av.VideoFrame.from_image(picture.convert("RGB"))
        frame.pts = 0
        for packet in [*stream.encode(frame), *stream.encode()]:
            packet.dts = packet.pts  # libx265 through PyAV sometimes leaves dts uninitialised; one frame: dts = pts
            container.mux(packet)
    data = buffer.getvalue()
    return _find_box(data, b"hvcC"), _find_box(data, b"mdat")[8:]


def _av1_still(picture: Image.Image) -> tuple[bytes, bytes]:
    """(av1C box, the coded AV1 picture) from a libvips AVIF."""
    rgb = picture.convert("RGB")
    image = pyvips.Image.new_from_memory(rgb.tobytes(), rgb.width, rgb.height, 3, "uchar")
    data = image.heifsave_buffer(compression="av1", lossless=True, keep=pyvips.enums.ForeignKeep.NONE)
    return _find_box(data, b"av1C"), _find_box(data, b"mdat")[8:]


def make_heif(
    path: Path,
    *,
    codec: str = "hevc",
    picture: Image.Image | None = None,
    irot: int = 0,
    exif_orientation: int | None = None,
    exif: dict | None = None,
) -> Path:
    """HEIC (HEVC) or AVIF (AV1). `irot` rotates in the container (quarter turns anticlockwise, as iPhones do);
    `exif_orientation` without `irot` is the Samsung style. The picture is stored so it displays upright."""
    picture = picture or upright_picture(size=(64, 48), mark=16)
    if irot:
        stored = picture.rotate(-90 * irot, expand=True)  # the container's anticlockwise turn undoes this
    else:
        stored = stored_for(picture, exif_orientation)
    config, coded = _hevc_still(stored) if codec == "hevc" else _av1_still(stored)
    exif_blob = None
    if exif_orientation or exif:
        tags = {"0th": {}, "Exif": {}, "GPS": {}}
        for ifd, values in (exif or {}).items():
            tags.setdefault(ifd, {}).update(values)
        if exif_orientation:
            tags["0th"][piexif.ImageIFD.Orientation] = exif_orientation
        exif_blob = piexif.dump(tags)
    item_type, brand = (b"hvc1", b"heic") if codec == "hevc" else (b"av01", b"avif")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_heif_file(item_type, config, coded, stored.size, irot=irot, exif=exif_blob, brand=brand))
    return path


def _tiff_ifd(entries: list[tuple[int, int, int, bytes]], start: int, order: str = "<") -> tuple[bytes, bytes]:
    """One IFD at offset `start`: entries are (tag, type, count, value bytes); values over 4 bytes go after it."""
    entries = sorted(entries)
    table_size = 2 + 12 * len(entries) + 4
    extra, table = b"", struct.pack(order + "H", len(entries))
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack(order + "HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack(order + "HHII", tag, kind, count, start + table_size + len(extra))
            extra += value + (b"\0" if len(value) % 2 else b"")
    return table + struct.pack(order + "I", 0), extra


def make_dng(
    path: Path,
    *,
    picture: Image.Image | None = None,
    orientation: int | None = None,
    sensor: tuple[int, int] = (320, 240),
    make: str = "TestCam",
    model: str = "RAW-1",
) -> Path:
    """A minimal DNG: IFD0 is a tiny RGB thumbnail with DNGVersion, Make, Model, Orientation; SubIFD 1 is the
    'sensor' (16-bit CFA, which nothing here can demosaic); SubIFD 2 is a JPEG preview of `picture`."""
    picture = picture or upright_picture(size=(160, 120), mark=32)
    preview = io.BytesIO()
    stored_for(picture, orientation).save(preview, "JPEG", quality=90)
    preview = preview.getvalue()
    thumb_picture = stored_for(picture, orientation).resize((16, 12))
    thumb = thumb_picture.tobytes()
    cfa = bytes(sensor[0] * sensor[1] * 2)

    def short(tag, *values):
        return (tag, 3, len(values), struct.pack("<" + "H" * len(values), *values))

    def long(tag, *values):
        return (tag, 4, len(values), struct.pack("<" + "I" * len(values), *values))

    def text(tag, value):
        data = value.encode() + b"\0"
        return (tag, 2, len(data), data)

    # Layout: header | IFD0 | SubIFD raw | SubIFD preview | thumb | cfa | preview, offsets fixed in two passes.
    def build(positions):
        thumb_at, cfa_at, preview_at, raw_ifd_at, preview_ifd_at = positions
        ifd0 = [
            long(0x00FE, 1),
            long(0x0100, 16),
            long(0x0101, 12),
            short(0x0102, 8, 8, 8),
            short(0x0103, 1),
            short(0x0106, 2),
            text(0x010F, make),
            text(0x0110, model),
            long(0x0111, thumb_at),
            short(0x0112, orientation or 1),
            short(0x0115, 3),
            long(0x0116, 12),
            long(0x0117, len(thumb)),
            (0x014A, 4, 2, struct.pack("<II", raw_ifd_at, preview_ifd_at)),
            (0xC612, 1, 4, bytes([1, 4, 0, 0])),
        ]
        raw_ifd = [
            long(0x00FE, 0),
            long(0x0100, sensor[0]),
            long(0x0101, sensor[1]),
            short(0x0102, 16),
            short(0x0103, 1),
            short(0x0106, 32803),
            long(0x0111, cfa_at),
            short(0x0115, 1),
            long(0x0116, sensor[1]),
            long(0x0117, len(cfa)),
            short(0xC620, sensor[0] - 8, sensor[1] - 8),
        ]
        preview_ifd = [
            long(0x00FE, 1),
            long(0x0100, picture.width),
            long(0x0101, picture.height),
            short(0x0103, 7),
            long(0x0201, preview_at),
            long(0x0202, len(preview)),
        ]
        ifd0_table, ifd0_extra = _tiff_ifd(ifd0, 8)
        raw_table, raw_extra = _tiff_ifd(raw_ifd, 8 + len(ifd0_table) + len(ifd0_extra))
        offset = 8 + len(ifd0_table) + len(ifd0_extra) + len(raw_table) + len(raw_extra)
        preview_table, preview_extra = _tiff_ifd(preview_ifd, offset)
        body = ifd0_table + ifd0_extra + raw_table + raw_extra + preview_table + preview_extra
        layout = (
            8 + len(body),
            8 + len(body) + len(thumb),
            8 + len(body) + len(thumb) + len(cfa),
            8 + len(ifd0_table) + len(ifd0_extra),
            offset,
        )
        return b"II*\0" + struct.pack("<I", 8) + body + thumb + cfa + preview, layout

    data, layout = build((0, 0, 0, 0, 0))
    data, _ = build(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_video(
    path: Path,
    *,
    codec: str = "libx264",
    container_format: str | None = None,
    size: tuple[int, int] = (160, 96),
    seconds: float = 1.0,
    fps: int = 10,
    rotation: int = 0,
    black_frames: int = 0,
    audio: bool = False,
    pix_fmt: str = "yuv420p",
    metadata: dict | None = None,
    hdr: bool = False,
    container_options: dict | None = None,
) -> Path:
    """A clip of `upright_picture`-style frames stored landscape; `rotation` is the display matrix's turn
    (degrees anticlockwise, as FFmpeg reports it; phones recording portrait write -90, i.e. 270)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # What the camera stores: the upright picture turned back against the display rotation.
    coded = upright_picture(size=size if rotation % 180 == 0 else size[::-1], mark=size[1] // 2)
    coded = coded.rotate(-rotation, expand=True) if rotation else coded
    with av.open(str(path), "w", format=container_format, options=container_options or {}) as container:
        if metadata:
            container.metadata.update(metadata)
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = coded.size
        stream.pix_fmt = pix_fmt
        if codec == "libx265":
            # No B-frames, so dts = pts is right (libx265 through PyAV sometimes leaves dts uninitialised).
            stream.options = {"x265-params": "log-level=none:bframes=0"}
        if rotation:
            stream.set_display_rotation(rotation)
        if hdr:  # tagged HDR10: BT.2020 primaries and matrix, PQ transfer
            stream.codec_context.color_primaries = 9
            stream.codec_context.colorspace = 9
            stream.codec_context.color_trc = 16
        sound = container.add_stream("aac", rate=48000) if audio else None
        for index in range(int(seconds * fps)):
            picture = Image.new("RGB", coded.size, (0, 0, 0)) if index < black_frames else coded
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            for packet in stream.encode(frame):
                _mux(container, packet, codec)
        for packet in stream.encode():
            _mux(container, packet, codec)
        if sound is not None:
            _write_silence(container, sound, seconds)
    return path


def _mux(container, packet, codec: str) -> None:
    if codec == "libx265":
        packet.dts = packet.pts
    container.mux(packet)


def _write_silence(container, stream, seconds: float) -> None:
    samples = int(seconds * 48000)
    frame = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = 48000
    frame.pts = 0
    for packet in [*stream.encode(frame), *stream.encode()]:
        container.mux(packet)


def make_audio_only(path: Path, *, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        _write_silence(container, container.add_stream("aac", rate=48000), seconds)
    return path


def make_pixel_bomb_png(path: Path, *, width: int = 100_000, height: int = 100_000) -> Path:
    """A valid PNG header claiming width x height pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )
    return path


def make_truncated_jpeg(path: Path, *, keep: float = 0.5) -> Path:
    """A real photo-like JPEG cut after `keep` of its bytes, like an interrupted copy."""
    full = io.BytesIO()
    noisy_picture((640, 480)).save(full, "JPEG", quality=90)
    data = full.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_xmp_packet(**fields: str) -> bytes:
    """An XMP packet: keys like 'dc:description', 'xmp:Rating', 'exif:DateTimeOriginal', 'exif:GPSLatitude'."""
    namespaces = {
        "dc": "http://purl.org/dc/elements/1.1/",
        "xmp": "http://ns.adobe.com/xap/1.0/",
        "exif": "http://ns.adobe.com/exif/1.0/",
        "tiff": "http://ns.adobe.com/tiff/1.0/",
        "photoshop": "http://ns.adobe.com/photoshop/1.0/",
        "GPano": "http://ns.google.com/photos/1.0/panorama/",
    }
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in namespaces.items())
    body = ""
    for key, value in fields.items():
        name = key.replace("__", ":")
        if name == "dc:description":
            body += f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{value}</rdf:li></rdf:Alt></dc:description>'
        else:
            body += f"<{name}>{value}</{name}>"
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {declarations}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    ).encode()


# XYZ (D65) to linear sRGB, as a DNG's ColorMatrix1: the 'camera' of make_raw_dng sees linear sRGB.
_XYZ_TO_SRGB = (3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570)


def make_raw_dng(path: Path, *, picture: Image.Image | None = None, orientation: int | None = None) -> Path:
    """A DNG with sensor data only and no preview of any size (as some converters and phones write it): IFD0 is the
    16-bit RGGB mosaic of `picture` (linear light), with the colour matrix, neutral and white level a RAW decoder
    needs to show it. Only a RAW decoder (LibRaw) can make a picture of it."""
    picture = (picture or upright_picture(size=(160, 120), mark=32)).convert("RGB")
    stored = stored_for(picture, orientation)
    width, height = stored.size
    pixels = stored.load()
    sites = ((0, 1), (1, 2))  # RGGB: row 0 R G, row 1 G B (channel index per site)
    mosaic = bytearray()
    for y in range(height):
        for x in range(width):
            value = pixels[x, y][sites[y % 2][x % 2]]
            mosaic += struct.pack("<H", round((value / 255) ** 2.2 * 65535))

    def short(tag, *values):
        return (tag, 3, len(values), struct.pack("<" + "H" * len(values), *values))

    def long(tag, *values):
        return (tag, 4, len(values), struct.pack("<" + "I" * len(values), *values))

    def rationals(tag, kind, *values):
        return (tag, kind, len(values), b"".join(struct.pack("<ii", round(v * 10000), 10000) for v in values))

    def text(tag, value):
        data = value.encode() + b"\0"
        return (tag, 2, len(data), data)

    def build(data_at: int) -> bytes:
        ifd0 = [
            long(0x00FE, 0),
            long(0x0100, width),
            long(0x0101, height),
            short(0x0102, 16),
            short(0x0103, 1),
            short(0x0106, 32803),  # CFA
            text(0x010F, "TestCam"),
            text(0x0110, "RAW-only"),
            long(0x0111, data_at),
            short(0x0112, orientation or 1),
            short(0x0115, 1),
            long(0x0116, height),
            long(0x0117, len(mosaic)),
            short(0x828D, 2, 2),  # CFARepeatPatternDim
            (0x828E, 1, 4, bytes([0, 1, 1, 2])),  # CFAPattern: R G / G B
            (0xC612, 1, 4, bytes([1, 4, 0, 0])),  # DNGVersion
            text(0xC614, "TestCam RAW-only"),  # UniqueCameraModel
            short(0xC61D, 65535),  # WhiteLevel
            rationals(0xC621, 10, *_XYZ_TO_SRGB),  # ColorMatrix1
            rationals(0xC628, 5, 1, 1, 1),  # AsShotNeutral
            short(0xC65A, 21),  # CalibrationIlluminant1: D65
        ]
        table, extra = _tiff_ifd(ifd0, 8)
        return b"II*\0" + struct.pack("<I", 8) + table + extra

    head = build(0)
    head = build(len(head))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + bytes(mosaic))
    return path

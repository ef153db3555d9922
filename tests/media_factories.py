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

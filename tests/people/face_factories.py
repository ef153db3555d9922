"""Pictures with a coloured face square, and XMP face tags written the ways real tools write them: MWG regions
(digiKam's attribute style, Lightroom's parseType="Resource" style) and Microsoft People Tags, embedded in a JPEG
(APP1, optionally with Extended XMP) or as a sidecar."""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import numpy
import piexif
from PIL import Image

from tests.media_factories import stored_for

FACE = (0, 200, 0)
BACKGROUND = (30, 30, 160)
SIZE = (300, 200)  # the upright (displayed) picture
FACE_PX = (180, 40, 240, 100)  # left, top, right (exclusive), bottom (exclusive), in the upright picture
FACE_BOX = (0.6, 0.2, 0.8, 0.5)  # the same, normalised

NS = (
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
    'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" '
    'xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#" '
    'xmlns:MP="http://ns.microsoft.com/photo/1.2/" '
    'xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#" '
    'xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#" '
    'xmlns:xmpNote="http://ns.adobe.com/xmp/note/"'
)


def face_picture(size=SIZE, face=FACE_PX, colour=FACE, background=BACKGROUND) -> Image.Image:
    picture = Image.new("RGB", size, background)
    picture.paste(colour, face)
    return picture


def stored_box(picture: Image.Image, orientation: int | None, colour=FACE) -> tuple[float, float, float, float]:
    """Where the face square is in the pixels a camera stores for `orientation`, found by looking (normalised)."""
    stored = stored_for(picture, orientation).convert("RGB")
    ys, xs = numpy.nonzero((numpy.asarray(stored) == colour).all(axis=2))
    width, height = stored.size
    left, top, right, bottom = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    return float(left / width), float(top / height), float(right / width), float(bottom / height)


def _mwg_region(name, box, *, style, unit="normalized", size=None, kind="Face") -> str:
    x1, y1, x2, y2 = box
    x, y, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
    if unit == "pixel":
        x, w, y, h = x * size[0], w * size[0], y * size[1], h * size[1]
    area = f'stArea:x="{x!r}" stArea:y="{y!r}" stArea:w="{w!r}" stArea:h="{h!r}" stArea:unit="{unit}"'
    name_attr = f' mwg-rs:Name="{name}"' if name is not None else ""
    if style == "digikam":
        return (
            f'<rdf:li><rdf:Description{name_attr} mwg-rs:Type="{kind}"><mwg-rs:Area {area}/></rdf:Description></rdf:li>'
        )
    name_element = f"<mwg-rs:Name>{name}</mwg-rs:Name>" if name is not None else ""
    return (
        f'<rdf:li rdf:parseType="Resource">{name_element}<mwg-rs:Type>{kind}</mwg-rs:Type>'
        f"<mwg-rs:Area {area}/></rdf:li>"
    )


def mwg_block(regions, *, applied=None, style="digikam", unit="normalized") -> str:
    """`regions`: [(name or None, stored box (x1, y1, x2, y2) normalised)] (or (name, box, kind))."""
    dims = (
        f'<mwg-rs:AppliedToDimensions stDim:w="{applied[0]}" stDim:h="{applied[1]}" stDim:unit="pixel"/>'
        if applied
        else ""
    )
    items = "".join(
        _mwg_region(name, box, style=style, unit=unit, size=applied, kind=kind[0] if kind else "Face")
        for name, box, *kind in regions
    )
    return (
        f'<mwg-rs:Regions rdf:parseType="Resource">{dims}<mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag>'
        "</mwg-rs:RegionList></mwg-rs:Regions>"
    )


def mp_block(regions) -> str:
    """`regions`: [(name or None, stored box)], written as MPReg:Rectangle "x, y, w, h" (top-left corner)."""
    items = ""
    for name, (x1, y1, x2, y2) in regions:
        name_attr = f' MPReg:PersonDisplayName="{name}"' if name is not None else ""
        items += f'<rdf:li MPReg:Rectangle="{x1!r}, {y1!r}, {x2 - x1!r}, {y2 - y1!r}"{name_attr}/>'
    return (
        f'<MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>{items}</rdf:Bag>'
        "</MPRI:Regions></MP:RegionInfo>"
    )


def packet(*blocks: str, attributes: str = "") -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF {NS.split(" ", 1)[0]}><rdf:Description rdf:about="" {NS}{attributes}>{"".join(blocks)}'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _segment(payload: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_xmp(
    path: Path,
    *,
    picture: Image.Image,
    orientation: int | None,
    xmp: bytes | None = None,
    extended: bytes | None = None,
    quality: int = 95,
) -> Path:
    """A JPEG storing `picture` per `orientation` (EXIF tag set), with `xmp` in APP1 and `extended` as Extended
    XMP chunks (the main packet then names its GUID)."""
    tags = {"0th": {}, "Exif": {}, "GPS": {}}
    if orientation:
        tags["0th"][piexif.ImageIFD.Orientation] = orientation
    buffer = io.BytesIO()
    stored_for(picture, orientation).save(buffer, "JPEG", quality=quality, exif=piexif.dump(tags), subsampling=0)
    data = buffer.getvalue()
    segments = b""
    if extended is not None:
        guid = hashlib.md5(extended).hexdigest().upper().encode()
        note = f' xmpNote:HasExtendedXMP="{guid.decode()}"'
        xmp = xmp or packet(attributes=note)
        if b"HasExtendedXMP" not in xmp:
            xmp = xmp.replace(b'rdf:about=""', b'rdf:about=""' + note.encode(), 1)
    if xmp is not None:
        segments += _segment(b"http://ns.adobe.com/xap/1.0/\x00" + xmp)
    if extended is not None:
        chunk = 60000
        for offset in range(0, len(extended), chunk):
            body = guid + struct.pack(">II", len(extended), offset) + extended[offset : offset + chunk]
            segments += _segment(b"http://ns.adobe.com/xmp/extension/\x00" + body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:2] + segments + data[2:])
    return path

"""Face regions read from embedded XMP and sidecars, in both schemas and all 8 orientations, land on the face as
the viewer sees it. The expected box is where the test painted the face; the stored-frame region is found by
looking at the stored pixels, and libvips' own autorotation confirms the displayed box independently."""

from __future__ import annotations

import pytest
import pyvips

from tests.people.face_factories import (
    FACE_BOX,
    SIZE,
    face_picture,
    jpeg_with_xmp,
    mp_block,
    mwg_block,
    packet,
    stored_box,
)
from workers.media import faces

ORIENTATIONS = range(1, 9)


def stored_size(orientation: int) -> tuple[int, int]:
    return SIZE[::-1] if orientation in (5, 6, 7, 8) else SIZE


def assert_box(box: faces.Box, expected=FACE_BOX, tolerance=1e-6) -> None:
    assert box.x1 == pytest.approx(expected[0], abs=tolerance)
    assert box.y1 == pytest.approx(expected[1], abs=tolerance)
    assert box.x2 == pytest.approx(expected[2], abs=tolerance)
    assert box.y2 == pytest.approx(expected[3], abs=tolerance)


def read(original, orientation, sidecar=None) -> faces.FaceRegions:
    return faces.read_face_regions(
        original, sidecar=sidecar, orientation=orientation, stored_size=stored_size(orientation)
    )


def coloured_box(path) -> tuple[float, float, float, float]:
    """The green square's box in the image as libvips displays it (its own EXIF autorotation)."""
    image = pyvips.Image.new_from_file(str(path)).autorot()
    green = (image[1] > 150) & (image[0] < 80) & (image[2] < 80)
    left, top, width, height = green.find_trim(threshold=0, background=[0])
    return left / image.width, top / image.height, (left + width) / image.width, (top + height) / image.height


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("style", ["digikam", "lightroom"])
def test_embedded_mwg_regions_land_on_the_displayed_face(tmp_path, orientation, style):
    picture = face_picture()
    block = mwg_block([("Alice", stored_box(picture, orientation))], applied=stored_size(orientation), style=style)
    path = jpeg_with_xmp(tmp_path / "a.jpg", picture=picture, orientation=orientation, xmp=packet(block))
    found = read(path, orientation)
    assert found.origin == "embedded" and found.warnings == ()
    [region] = found.regions
    assert (region.name, region.source) == ("Alice", "mwg-rs")
    assert_box(region.box)
    assert_box(region.box, coloured_box(path), tolerance=2 / min(SIZE))


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_embedded_microsoft_regions_land_on_the_displayed_face(tmp_path, orientation):
    picture = face_picture()
    block = mp_block([("Bob", stored_box(picture, orientation))])
    path = jpeg_with_xmp(tmp_path / "b.jpg", picture=picture, orientation=orientation, xmp=packet(block))
    [region] = read(path, orientation).regions
    assert (region.name, region.source) == ("Bob", "mp")
    assert_box(region.box)
    assert_box(region.box, coloured_box(path), tolerance=2 / min(SIZE))


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_sidecar_with_both_schemas_gives_one_face(tmp_path, orientation):
    """digiKam writes every face twice, once per schema: one face comes out, the MWG one."""
    picture = face_picture()
    box = stored_box(picture, orientation)
    original = jpeg_with_xmp(tmp_path / "c.jpg", picture=picture, orientation=orientation)
    sidecar = tmp_path / "c.jpg.xmp"
    sidecar.write_bytes(
        packet(mwg_block([("Carol", box)], applied=stored_size(orientation)), mp_block([("Carol", box)]))
    )
    found = read(original, orientation, sidecar)
    assert found.origin == "sidecar"
    [region] = found.regions
    assert (region.name, region.source) == ("Carol", "mwg-rs")
    assert_box(region.box)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_pixel_units_are_read_against_applied_dimensions(tmp_path, orientation):
    picture = face_picture()
    applied = tuple(side * 10 for side in stored_size(orientation))  # tagged on the full-size original
    block = mwg_block([("Dan", stored_box(picture, orientation))], applied=applied, unit="pixel")
    path = jpeg_with_xmp(tmp_path / "d.jpg", picture=picture, orientation=orientation, xmp=packet(block))
    [region] = read(path, orientation).regions
    assert_box(region.box)


def test_the_sidecar_overrides_the_embedded_tags(tmp_path):
    picture = face_picture()
    box = stored_box(picture, 1)
    original = jpeg_with_xmp(
        tmp_path / "e.jpg", picture=picture, orientation=1, xmp=packet(mwg_block([("Embedded", box)]))
    )
    sidecar = tmp_path / "e.xmp"
    sidecar.write_bytes(packet(mwg_block([("Sidecar", box)])))
    assert [region.name for region in read(original, 1, sidecar).regions] == ["Sidecar"]


def test_a_sidecar_without_regions_leaves_the_embedded_ones(tmp_path):
    picture = face_picture()
    original = jpeg_with_xmp(
        tmp_path / "f.jpg",
        picture=picture,
        orientation=1,
        xmp=packet(mwg_block([("Embedded", stored_box(picture, 1))])),
    )
    sidecar = tmp_path / "f.xmp"
    sidecar.write_bytes(packet())
    found = read(original, 1, sidecar)
    assert [region.name for region in found.regions] == ["Embedded"] and found.origin == "embedded"


def test_names_are_trimmed_and_unnamed_faces_kept(tmp_path):
    regions = [("  Ann \n  Lee  ", (0.1, 0.1, 0.2, 0.2)), (None, (0.5, 0.5, 0.6, 0.6)), ("   ", (0.7, 0.1, 0.8, 0.2))]
    original = jpeg_with_xmp(tmp_path / "g.jpg", picture=face_picture(), orientation=1, xmp=packet(mwg_block(regions)))
    assert [region.name for region in read(original, 1).regions] == ["Ann Lee", None, None]


def test_regions_that_are_not_faces_are_ignored(tmp_path):
    regions = [
        ("Focus", (0.4, 0.4, 0.5, 0.5), "Focus"),
        ("Rex", (0.1, 0.1, 0.3, 0.3), "Pet"),
        ("Eve", (0.6, 0.2, 0.8, 0.5)),
    ]
    original = jpeg_with_xmp(tmp_path / "h.jpg", picture=face_picture(), orientation=1, xmp=packet(mwg_block(regions)))
    assert [region.name for region in read(original, 1).regions] == ["Eve"]


def test_microsoft_regions_that_repeat_an_mwg_face_are_not_doubled_but_others_are_kept(tmp_path):
    xmp = packet(
        mwg_block([("Fay", (0.6, 0.2, 0.8, 0.5))]),
        mp_block([("Fay", (0.601, 0.2, 0.8, 0.5)), ("Gus", (0.1, 0.1, 0.3, 0.4))]),
    )
    original = jpeg_with_xmp(tmp_path / "i.jpg", picture=face_picture(), orientation=1, xmp=xmp)
    assert [(region.name, region.source) for region in read(original, 1).regions] == [("Fay", "mwg-rs"), ("Gus", "mp")]


def test_extended_xmp_in_a_jpeg_is_read(tmp_path):
    """Packets over 64 KB spill into Extended XMP chunks (Lightroom with many faces): those regions count too."""
    many = [
        (f"Person {index}", (index % 20 / 20, index // 20 / 20, index % 20 / 20 + 0.04, index // 20 / 20 + 0.04))
        for index in range(400)
    ]
    extended = packet(mwg_block(many, style="lightroom"))
    assert len(extended) > 65535
    original = jpeg_with_xmp(tmp_path / "j.jpg", picture=face_picture(), orientation=1, extended=extended)
    found = read(original, 1)
    assert len(found.regions) == 400 and found.regions[7].name == "Person 7"


def test_png_with_embedded_xmp_is_read_through_the_image_header(tmp_path):
    picture = face_picture()
    path = tmp_path / "k.png"
    picture.save(path, "PNG", pnginfo=_png_xmp(packet(mwg_block([("Hal", stored_box(picture, 1))]))))
    [region] = read(path, 1).regions
    assert region.name == "Hal"
    assert_box(region.box)


def _png_xmp(data: bytes):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", data.decode(), zip=False)
    return info


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_to_displayed_is_a_round_trip_of_the_stored_frame(orientation):
    picture = face_picture()
    box = faces.Box(*stored_box(picture, orientation))
    assert_box(faces.to_displayed(box, orientation))

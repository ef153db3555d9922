"""The person thumbnail crop: a 250 px square JPEG around the face, from the upright image, in every orientation."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.people.face_factories import BACKGROUND, FACE, FACE_BOX, face_picture, jpeg_with_xmp
from workers.media import faces
from workers.media.errors import UnreadableMedia


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_crop_is_the_face_in_every_orientation(tmp_path, orientation):
    source = jpeg_with_xmp(tmp_path / "a.jpg", picture=face_picture(), orientation=orientation)
    out = tmp_path / "thumbs" / "face.jpeg"
    faces.generate_face_thumbnail(source, out, faces.Box(*FACE_BOX), orientation=orientation)
    with Image.open(out) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (250, 250)
        rgb = thumbnail.convert("RGB")
        assert close(rgb.getpixel((125, 125)), FACE)
        # 10% around the face: the square's corners are background, its inner area all face.
        assert close(rgb.getpixel((3, 3)), BACKGROUND) and close(rgb.getpixel((246, 246)), BACKGROUND)
        assert close(rgb.getpixel((40, 125)), FACE) and close(rgb.getpixel((125, 210)), FACE)
    assert [path.name for path in out.parent.iterdir()] == ["face.jpeg"]  # no temporary file left


def test_a_large_original_is_shrunk_on_load_and_still_centred(tmp_path):
    picture = face_picture(size=(3000, 2000), face=(1800, 400, 2400, 1000))
    source = jpeg_with_xmp(tmp_path / "big.jpg", picture=picture, orientation=6)
    out = tmp_path / "big.jpeg"
    faces.generate_face_thumbnail(source, out, faces.Box(0.6, 0.2, 0.8, 0.5), orientation=6)
    with Image.open(out) as thumbnail:
        assert thumbnail.size == (250, 250) and close(thumbnail.convert("RGB").getpixel((125, 125)), FACE)


def test_a_tall_face_gets_a_square_around_its_longer_side(tmp_path):
    picture = face_picture(face=(140, 20, 160, 180))  # 20 x 160 px
    source = jpeg_with_xmp(tmp_path / "tall.jpg", picture=picture, orientation=1)
    out = tmp_path / "tall.jpeg"
    faces.generate_face_thumbnail(source, out, faces.Box(140 / 300, 0.1, 160 / 300, 0.9), orientation=1)
    with Image.open(out) as thumbnail:
        rgb = thumbnail.convert("RGB")
        assert close(rgb.getpixel((125, 125)), FACE) and close(rgb.getpixel((40, 125)), BACKGROUND)


def test_the_square_stays_inside_the_image_at_its_edge():
    left, top, side = faces.crop_square(300, 200, faces.Box(0.9, 0.0, 1.0, 0.2))
    assert left + side <= 300 and top >= 0 and side == 44
    left, top, side = faces.crop_square(300, 200, faces.Box(0.0, 0.0, 1.0, 1.0))
    assert (left, top, side) == (50, 0, 200)


def test_an_unreadable_original_raises_unreadable_media(tmp_path):
    source = tmp_path / "broken.jpg"
    source.write_bytes(b"\xff\xd8\xff\xe0 not really")
    with pytest.raises(UnreadableMedia):
        faces.generate_face_thumbnail(source, tmp_path / "x.jpeg", faces.Box(*FACE_BOX), orientation=1)

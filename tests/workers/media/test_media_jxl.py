"""JPEG XL: its size (and EXIF) read from the header, since this build's libvips cannot decode it."""

from __future__ import annotations

import pytest
import pyvips

from tests.jxl_factory import codestream, make_jxl
from workers.media.errors import UnreadableMedia
from workers.media.jxl import codestream_size, read_jxl
from workers.media.metadata import image_facts


def test_this_libvips_has_no_jpeg_xl_loader():
    """Why the header is parsed here: once libvips gains jxlload, its size could be used instead."""
    assert not pyvips.type_find("VipsForeignLoad", "jxlload_source")


@pytest.mark.parametrize(
    ("width", "height", "ratio"),
    [(64, 48, None), (4000, 3000, None), (100_000, 7, None), (1920, 1080, (16, 9)), (333, 333, (1, 1))],
)
def test_the_codestream_size_header(width, height, ratio):
    assert codestream_size(codestream(width, height, ratio=ratio)) == (width, height)


def test_a_container_gives_its_size_and_exif(tmp_path):
    path = make_jxl(tmp_path / "a.jxl", 6000, 4000, container=True, taken="2020:05:06 07:08:09")
    width, height, exif = read_jxl(path.read_bytes())
    assert (width, height) == (6000, 4000) and exif.startswith((b"II*\x00", b"MM\x00*"))


def test_facts_of_a_jpeg_xl(tmp_path):
    facts = image_facts(make_jxl(tmp_path / "a.jxl", 640, 480, taken="2020:05:06 07:08:09"))
    assert (facts.width, facts.height, facts.format) == (640, 480, "jxl")
    assert facts.date_time_original.year == 2020


def test_a_truncated_header_is_unreadable():
    with pytest.raises(UnreadableMedia, match="truncated"):
        codestream_size(codestream(4000, 3000)[:3])

"""Apple's ContentIdentifier, the id a live photo's still and video share, read from each half."""

from __future__ import annotations

import pytest

from tests.live_photo_media import apple_maker_note, make_live_photo_still, make_live_photo_video
from tests.media_factories import make_exif_jpeg, make_video
from workers.media.exif import apple_content_identifier
from workers.media.metadata import image_facts, video_facts

CONTENT_ID = "4D2E3F1A-7B8C-4D5E-9F00-112233445566"


def test_a_stills_content_identifier_is_read_from_its_apple_maker_note(tmp_path):
    assert image_facts(make_live_photo_still(tmp_path / "IMG_0001.jpg", CONTENT_ID)).live_photo_cid == CONTENT_ID


def test_a_videos_content_identifier_is_read_from_its_quicktime_key(tmp_path):
    assert video_facts(make_live_photo_video(tmp_path / "IMG_0001.mov", CONTENT_ID)).live_photo_cid == CONTENT_ID


def test_files_without_one_have_none(tmp_path):
    assert image_facts(make_exif_jpeg(tmp_path / "plain.jpg")).live_photo_cid is None
    assert video_facts(make_video(tmp_path / "plain.mov", container_format="mov")).live_photo_cid is None


def test_a_little_endian_note_is_read_too():
    assert apple_content_identifier(apple_maker_note(CONTENT_ID, byte_order="<")) == CONTENT_ID


@pytest.mark.parametrize(
    "note",
    [
        b"Nikon\x00\x02\x10\x00\x00MM\x00\x01",  # another maker's note
        apple_maker_note(CONTENT_ID)[:30],  # cut inside its entries
        apple_maker_note(CONTENT_ID)[:-10],  # the identifier's text cut short
        b"Apple iOS\x00\x00\x01XX\x00\x01",  # no byte order
        b"Apple iOS\x00\x00\x01MM\xff\xff",  # 65535 entries declared, none there
        "Apple iOS",  # not bytes at all
    ],
)
def test_damaged_or_foreign_notes_give_none(note):
    assert apple_content_identifier(note) is None

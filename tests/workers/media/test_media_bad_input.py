"""Hostile and broken files fail with a readable reason, quickly, without touching the original or leaving output."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.media_factories import (
    make_audio_only,
    make_exif_jpeg,
    make_pixel_bomb_png,
    make_truncated_jpeg,
    make_video,
    sha1_of,
)
from workers.media.metadata import UnreadableMedia, image_facts, video_facts
from workers.media.thumbnails import ThumbnailSpec, generate_image_thumbnails, generate_video_thumbnails

SPECS = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))


def outputs_in(folder: Path) -> dict[str, Path]:
    return {spec.kind: folder / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}


def refused(source: Path, folder: Path, *, video: bool = False, **options) -> tuple[str, str]:
    """Both operations refuse the file; returns (metadata reason, thumbnail reason)."""
    before = sha1_of(source)
    with pytest.raises(UnreadableMedia) as facts_error:
        (video_facts if video else image_facts)(source, **options)
    with pytest.raises(UnreadableMedia) as thumbs_error:
        (generate_video_thumbnails if video else generate_image_thumbnails)(
            source, outputs_in(folder), SPECS, **options
        )
    assert sha1_of(source) == before
    out = folder / "out"
    assert not out.exists() or not any(out.iterdir()), "a failed run left files behind"
    return str(facts_error.value), str(thumbs_error.value)


def test_zero_byte_file(tmp_path):
    source = tmp_path / "empty.jpg"
    source.write_bytes(b"")
    assert refused(source, tmp_path) == ("the file is empty", "the file is empty")
    assert refused(tmp_path / "empty.jpg", tmp_path, video=True) == ("the file is empty", "the file is empty")


def test_truncated_jpeg_fails_instead_of_grey_fill(tmp_path):
    facts_reason, thumbs_reason = refused(make_truncated_jpeg(tmp_path / "cut.jpg"), tmp_path)
    assert "truncated" in facts_reason  # the structural check, before any decoding
    assert "premature end of JPEG image" in thumbs_reason  # libvips with fail_on="error"


def test_truncated_jpeg_is_caught_by_the_decoder_too(tmp_path, monkeypatch):
    # Without the structural check, libvips (fail_on="error") must still refuse rather than fill with grey.
    monkeypatch.setattr("workers.media.header.truncation_problem", lambda path, sniffed: None)
    source = make_truncated_jpeg(tmp_path / "cut.jpg", keep=0.4)
    with pytest.raises(UnreadableMedia, match="cannot decode the image"):
        generate_image_thumbnails(source, outputs_in(tmp_path), SPECS)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_random_bytes_are_not_an_image(tmp_path):
    source = tmp_path / "noise.jpg"
    source.write_bytes(bytes(range(256)) * 64)
    reasons = refused(source, tmp_path)
    assert reasons == ("not a recognised image format", "not a recognised image format")


def test_corrupt_jpeg_header(tmp_path):
    source = tmp_path / "corrupt.jpg"
    source.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9")
    facts_reason, thumbs_reason = refused(source, tmp_path)
    assert "JPEG" in facts_reason and "JPEG" in thumbs_reason


def test_pixel_bomb_is_refused_before_decoding(tmp_path):
    source = make_pixel_bomb_png(tmp_path / "bomb.png", width=100_000, height=100_000)
    started = time.monotonic()
    reasons = refused(source, tmp_path)
    assert time.monotonic() - started < 2
    assert all("100000x100000" in reason and "limit" in reason for reason in reasons)


def test_pixel_limit_is_configurable(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg")  # 120x80 = 9600 pixels
    with pytest.raises(UnreadableMedia, match="limit of 5000"):
        image_facts(source, max_pixels=5000)
    with pytest.raises(UnreadableMedia, match="limit of 5000"):
        generate_image_thumbnails(source, outputs_in(tmp_path), SPECS, max_pixels=5000)


def test_video_without_a_video_stream(tmp_path):
    reasons = refused(make_audio_only(tmp_path / "voice.m4a"), tmp_path, video=True)
    assert reasons == ("the file has no video stream", "the file has no video stream")


def test_truncated_video(tmp_path):
    source = make_video(tmp_path / "a.mp4", seconds=1.0)
    source.write_bytes(source.read_bytes()[:200])
    facts_reason, thumbs_reason = refused(source, tmp_path, video=True)
    assert "video" in facts_reason and "video" in thumbs_reason


def test_a_video_is_not_an_image(tmp_path):
    with pytest.raises(UnreadableMedia, match="this is a video"):
        image_facts(make_video(tmp_path / "clip.jpg", container_format="mp4"))


def test_untrusted_loaders_are_blocked(tmp_path):
    # libvips would read these (SVG via librsvg, CSV/matrix as images); we refuse them by content.
    svg = tmp_path / "a.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    with pytest.raises(UnreadableMedia, match="SVG"):
        generate_image_thumbnails(svg, outputs_in(tmp_path), SPECS)
    csv = tmp_path / "a.csv"
    csv.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(UnreadableMedia, match="not a recognised image format"):
        generate_image_thumbnails(csv, outputs_in(tmp_path), SPECS)


def test_libvips_itself_refuses_blocked_loaders(tmp_path):
    import pyvips

    from workers.media.formats import harden_vips

    harden_vips()
    matrix = tmp_path / "a.mat"
    matrix.write_text("2 2\n1 2\n3 4\n")
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_file(str(matrix)).avg()
    svg = tmp_path / "b.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    with pytest.raises(pyvips.Error):
        pyvips.Image.thumbnail(str(svg), 10).avg()

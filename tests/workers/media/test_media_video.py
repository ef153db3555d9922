"""Videos through PyAV: facts for each container/codec, and an upright, non-black still with the same outputs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import pyvips

from tests.media_factories import make_video, sha1_of
from workers.media.demux import open_video
from workers.media.metadata import video_facts
from workers.media.thumbnails import ThumbnailSpec, generate_video_thumbnails

SPECS = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))

CLIPS = {
    "mp4-h264": ("a.mp4", dict(codec="libx264"), "h264", "mp4"),
    "mov-hevc": ("a.mov", dict(codec="libx265", container_format="mov"), "hevc", "mov"),
    "mkv-h264": ("a.mkv", dict(codec="libx264", container_format="matroska"), "h264", "mkv"),
    "webm-vp9": ("a.webm", dict(codec="libvpx-vp9", container_format="webm"), "vp9", "webm"),
    "avi-mpeg4": ("a.avi", dict(codec="mpeg4", container_format="avi"), "mpeg4", "avi"),
}


def load(path) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(path.read_bytes(), "")


def assert_upright(image: pyvips.Image) -> None:
    def close(pixel, colour):
        return all(abs(a - b) < 70 for a, b in zip(pixel[:3], colour))

    assert close(image(2, 2), (255, 0, 0)), image(2, 2)
    assert close(image(image.width - 3, image.height - 3), (0, 0, 255)), image(image.width - 3, image.height - 3)
    assert close(image(2, image.height - 3), (0, 0, 255)), image(2, image.height - 3)


@pytest.mark.parametrize("clip", CLIPS)
def test_facts_and_still_for_each_container_and_codec(tmp_path, clip):
    name, options, codec, fmt = CLIPS[clip]
    source = make_video(tmp_path / name, size=(160, 96), seconds=1.0, fps=10, **options)
    before = sha1_of(source)
    facts = video_facts(source)
    assert (facts.video_codec, facts.format, facts.width, facts.height) == (codec, fmt, 160, 96)
    assert facts.duration_ms == pytest.approx(1000, abs=150)
    assert facts.fps == pytest.approx(10, abs=0.1)
    assert facts.rotation == 0 and facts.displayed_size == (160, 96)
    assert facts.pixel_format == "yuv420p"

    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    result = generate_video_thumbnails(source, outputs, SPECS)
    assert sha1_of(source) == before
    assert result.source_path_used == "video-frame"
    assert (result.width, result.height) == (160, 96)
    for path in outputs.values():
        assert_upright(load(path))
    assert len(result.thumbhash) >= 5


@pytest.mark.parametrize("clip", CLIPS)
def test_opening_without_probe_decoding_gives_the_same_size_and_first_frame(tmp_path, clip):
    name, options, _, _ = CLIPS[clip]
    source = make_video(tmp_path / name, size=(160, 96), seconds=0.5, fps=10, **options)

    def size_and_first_frame(probe_decoding: bool):
        with open_video(source, probe_decoding=probe_decoding) as container:
            stream = container.streams.video[0]
            size = (stream.codec_context.width, stream.codec_context.height)
            return size, next(container.decode(stream)).to_ndarray(format="rgb24")

    (probed_size, probed), (unprobed_size, unprobed) = size_and_first_frame(True), size_and_first_frame(False)
    assert unprobed_size == probed_size == (160, 96)
    assert np.array_equal(unprobed, probed)


def test_a_stills_jpeg_keeps_the_videos_halved_chroma_as_immichs_ffmpeg_writes_it(tmp_path):
    source = make_video(tmp_path / "a.mp4", size=(320, 192), seconds=0.3, fps=10)
    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    generate_video_thumbnails(source, outputs, SPECS)
    assert load(outputs["preview"]).get("jpeg-chroma-subsample") == "4:2:0"


def test_portrait_phone_video_with_a_display_matrix_is_upright(tmp_path):
    # Stored landscape 160x96 with "rotate 90 clockwise to display", as phones held upright record.
    source = make_video(tmp_path / "portrait.mp4", size=(160, 96), rotation=-90, audio=True)
    facts = video_facts(source)
    assert (facts.width, facts.height, facts.rotation) == (160, 96, 90)
    assert facts.displayed_size == (96, 160)
    assert facts.audio_codec == "aac"
    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    result = generate_video_thumbnails(source, outputs, SPECS)
    assert (result.width, result.height) == (96, 160)
    assert_upright(load(outputs["preview"]))


def test_black_intro_frames_are_skipped(tmp_path):
    source = make_video(tmp_path / "fade.mp4", size=(160, 96), seconds=2.0, fps=10, black_frames=8)
    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    result = generate_video_thumbnails(source, outputs, SPECS)
    assert_upright(load(outputs["preview"]))
    assert not result.warnings


def test_an_all_black_clip_still_gets_a_still_and_a_warning(tmp_path):
    source = make_video(tmp_path / "black.mp4", seconds=1.0, fps=10, black_frames=10)
    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    result = generate_video_thumbnails(source, outputs, SPECS)
    assert max(load(outputs["preview"]).max(), 0) < 30
    assert any("most detailed" in warning for warning in result.warnings)


def test_large_frames_are_scaled_to_the_preview_size(tmp_path):
    source = make_video(tmp_path / "big.mp4", size=(1920, 1080), seconds=0.2, fps=10)
    outputs = {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}
    result = generate_video_thumbnails(
        source, outputs, (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 720, 80))
    )
    assert (result.width, result.height) == (1280, 720)
    assert (load(outputs["thumbnail"]).width, load(outputs["thumbnail"]).height) == (444, 250)


def test_creation_time_and_hdr_transfer(tmp_path):
    source = make_video(
        tmp_path / "hdr.mov",
        codec="libx265",
        container_format="mov",
        pix_fmt="yuv420p10le",
        metadata={"creation_time": "2021-06-15T10:30:00.000000Z"},
        hdr=True,
    )
    facts = video_facts(source)
    assert facts.date_time_original == datetime(2021, 6, 15, 10, 30, tzinfo=timezone.utc)
    assert facts.date_time_original.utcoffset() == timedelta(0)
    assert (facts.date_source, facts.date_confidence) == ("exif", "exact")
    assert facts.pixel_format == "yuv420p10le"
    assert facts.color_transfer == "smpte2084"


def test_video_without_a_date_falls_back_to_file_time(tmp_path):
    source = make_video(tmp_path / "a.mkv", container_format="matroska")
    client = datetime(2001, 1, 1, tzinfo=timezone.utc)
    facts = video_facts(source, fallback_date=client)
    assert (facts.date_time_original, facts.date_source) == (client, "file")

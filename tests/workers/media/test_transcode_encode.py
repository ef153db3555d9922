"""The PyAV encoder on real files made by code: what comes out (codecs, sizes, rotation, colours, fast start), and
what happens to bad input. Pure: no database."""

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from tests.transcode_media import (
    HAS_HEVC,
    make_audio_only,
    make_damaged_in_the_middle,
    make_pq_clip,
    make_truncated,
    make_video,
)
from workers.media import encoders, video_encode
from workers.media.transcode import Action, AudioPlan, EncodePlan, TranscodeSettings, VideoPlan, decide, plan
from workers.media.video_probe import UnreadableVideo, moov_before_mdat, probe

needs_hevc = pytest.mark.skipif(not HAS_HEVC, reason="this PyAV build has no libx265")


def transcode(source: Path, out: Path, **changes):
    config = replace(TranscodeSettings(), **changes)
    summary = probe(source)
    decision = decide(summary, config)
    encode_plan = plan(summary, decision, config, encoders.available_encoders())
    return decision, video_encode.encode(source, out, encode_plan)


def frames_of(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_probe_tells_codecs_and_containers_apart(tmp_path):
    clips = {
        "h264.mp4": dict(codec="libx264"),
        "vp9.webm": dict(codec="libvpx-vp9", audio="libopus"),
        "mpeg4.avi": dict(codec="mpeg4", audio="libmp3lame"),
    }
    if HAS_HEVC:
        clips["hevc.mkv"] = dict(codec="libx265")
    seen = {}
    for name, options in clips.items():
        summary = probe(make_video(tmp_path / name, **options))
        seen[name] = (summary.container, summary.video.codec, summary.audio.codec)
    expected = {
        "h264.mp4": ("mov", "h264", "aac"),
        "vp9.webm": ("webm", "vp9", "opus"),
        "mpeg4.avi": ("avi", "mpeg4", "mp3"),
    }
    if HAS_HEVC:
        expected["hevc.mkv"] = ("webm", "hevc", "aac")
    assert seen == expected


def test_1080p_h264_becomes_a_720p_fast_start_mp4(tmp_path):
    source = make_video(tmp_path / "big.mp4", size=(1920, 1080), frames=2)
    out = tmp_path / "out" / "asset.mp4"
    decision, result = transcode(source, out, policy="optimal")
    assert decision.reason == "1080p above target 720p"
    assert result.stored and result.video_encoder == "libx264" and result.audio_encoder == "copy"
    summary = probe(out)
    assert (summary.container, summary.video.codec, summary.video.width, summary.video.height) == (
        "mov",
        "h264",
        1280,
        720,
    )
    assert summary.audio.codec == "aac"
    assert moov_before_mdat(out) is True  # plays while it downloads
    assert len(frames_of(out)) == 2
    assert leftovers(out.parent) == []


@needs_hevc
def test_hevc_in_matroska_is_encoded_to_h264(tmp_path):
    out = tmp_path / "out.mp4"
    decision, result = transcode(make_video(tmp_path / "clip.mkv", codec="libx265"), out)
    assert decision.reason == "codec hevc not accepted"
    assert probe(out).video.codec == "h264"
    assert len(frames_of(out)) == 10


def test_vp9_webm_keeps_its_opus_audio(tmp_path):
    out = tmp_path / "out.mp4"
    decision, result = transcode(make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"), out)
    assert decision.action is Action.TRANSCODE_VIDEO
    summary = probe(out)
    assert (summary.video.codec, summary.audio.codec) == ("h264", "opus")


def test_avi_with_accepted_streams_is_remuxed_without_re_encoding(tmp_path):
    source = make_video(tmp_path / "clip.avi", codec="mpeg4", audio="libmp3lame")
    out = tmp_path / "out.mp4"
    decision, result = transcode(source, out, accepted_video_codecs=("h264", "mpeg4"))
    assert decision.action is Action.REMUX
    assert (result.video_encoder, result.audio_encoder) == ("copy", "copy")
    with av.open(str(source)) as original, av.open(str(out)) as copy:
        before = [bytes(p) for p in original.demux(video=0) if p.size]
        after = [bytes(p) for p in copy.demux(video=0) if p.size]
    assert after == before  # the same compressed pictures, only the container changed
    assert probe(out).container == "mov" and moov_before_mdat(out)


def test_rotation_is_kept_so_portrait_video_plays_upright(tmp_path):
    out = tmp_path / "out.mp4"
    transcode(make_video(tmp_path / "portrait.mp4", rotation=90, audio=None), out, policy="all")
    summary = probe(out)
    assert summary.video.rotation == 90
    assert (summary.video.width, summary.video.height) == (160, 90)  # stored as shot; the player turns it


def test_rotated_1080p_is_scaled_on_its_short_side(tmp_path):
    out = tmp_path / "out.mp4"
    transcode(make_video(tmp_path / "portrait.mp4", size=(1920, 1080), frames=2, rotation=-90), out, policy="optimal")
    summary = probe(out)
    assert (summary.video.width, summary.video.height, summary.video.rotation) == (1280, 720, -90)


def test_video_without_audio_gets_no_audio_stream(tmp_path):
    out = tmp_path / "out.mp4"
    decision, result = transcode(make_video(tmp_path / "silent.mp4", audio=None), out, policy="all")
    assert decision.action is Action.TRANSCODE_VIDEO and result.audio_encoder is None
    assert probe(out).audio is None


def test_audio_is_encoded_to_stereo_in_the_target_codec(tmp_path):
    out = tmp_path / "out.mp4"
    source = make_video(tmp_path / "clip.mp4", audio="libmp3lame")
    decision, result = transcode(source, out, accepted_audio_codecs=("aac",))
    assert decision.action is Action.TRANSCODE_AUDIO
    assert (result.video_encoder, result.audio_encoder) == ("copy", "aac")
    summary = probe(out)
    assert (summary.audio.codec, summary.audio.channels) == ("aac", 2)


@pytest.mark.parametrize(
    "video_codec, audio_codec, expected",
    [("vp9", "opus", ("vp9", "opus")), ("av1", "mp3", ("av1", "mp3"))]
    + ([("hevc", "aac", ("hevc", "aac"))] if HAS_HEVC else []),
)
def test_other_targets(tmp_path, video_codec, audio_codec, expected):
    out = tmp_path / "out.mp4"
    transcode(
        make_video(tmp_path / "clip.mp4"),
        out,
        policy="all",
        target_video_codec=video_codec,
        target_audio_codec=audio_codec,
    )
    summary = probe(out)
    assert (summary.video.codec, summary.audio.codec) == expected
    assert len(frames_of(out)) == 10
    if video_codec == "hevc":
        with av.open(str(out)) as container:
            assert container.streams.video[0].codec_tag == "hvc1"


@needs_hevc
def test_hdr_pq_is_tone_mapped_to_sdr_bt709(tmp_path):
    source = make_pq_clip(tmp_path / "hdr.mp4", code=0.7518)  # a 1000-nit grey
    mapped, plain = tmp_path / "mapped.mp4", tmp_path / "plain.mp4"
    decision, result = transcode(source, mapped)
    assert decision.reason == "codec hevc not accepted; 10-bit HDR PQ (yuv420p10le)"
    assert result.notes == ("HDR PQ tone-mapped to SDR BT.709 (hable)",)
    _, untouched = transcode(source, plain, tonemap="disabled")
    summary = probe(mapped)
    video = summary.video
    assert (video.pix_fmt, video.color_transfer, video.color_primaries) == ("yuv420p", "bt709", "bt709")
    luma = frames_of(mapped)[0].to_ndarray()[:64].astype(float).mean()
    plain_luma = frames_of(plain)[0].to_ndarray()[:64].astype(float).mean()
    assert luma > 225  # the peak maps to SDR white (235 in limited range)
    assert 170 < plain_luma < 190  # without tone mapping the PQ code is just squeezed into 8 bits
    assert probe(plain).video.color_transfer == "smpte2084"


@needs_hevc
def test_tone_mapping_keeps_mid_tones_below_white(tmp_path):
    out = tmp_path / "out.mp4"
    transcode(make_pq_clip(tmp_path / "hdr.mp4", code=0.508), out)  # 100 nits
    luma = frames_of(out)[0].to_ndarray()[:64].astype(float).mean()
    assert 110 < luma < 160


def test_odd_dimensions_are_made_even(tmp_path):
    out = tmp_path / "out.mp4"
    decision, _ = transcode(make_video(tmp_path / "odd.mp4", size=(161, 91), pix_fmt="yuv444p", audio=None), out)
    assert decision.reason == "pixel format yuv444p is not 4:2:0"
    summary = probe(out)
    assert (summary.video.width, summary.video.height, summary.video.pix_fmt) == (160, 90, "yuv420p")


def test_variable_frame_rate_timestamps_pass_through(tmp_path):
    pts = [0, 1, 2, 5, 6, 10, 11, 12]
    out = tmp_path / "out.mp4"
    transcode(make_video(tmp_path / "vfr.mp4", pts=pts, audio=None), out, policy="all")
    times = [round(float(frame.time), 2) for frame in frames_of(out)]
    assert times == [p / 10 for p in pts]


def test_damaged_packets_in_the_middle_give_a_best_effort_output_that_says_so(tmp_path):
    intact = make_video(tmp_path / "intact.mp4", seconds=3, audio=None)
    out = tmp_path / "out.mp4"
    _, result = transcode(make_damaged_in_the_middle(tmp_path / "damaged.mp4", intact), out, policy="all")
    assert result.stored
    assert any(note.startswith("best effort:") and "damaged video packet" in note for note in result.notes)
    assert 0 < len(frames_of(out)) < 30


def test_a_damaged_video_comes_out_the_same_on_every_run(tmp_path):
    damaged = make_damaged_in_the_middle(
        tmp_path / "damaged.mp4", make_video(tmp_path / "intact.mp4", seconds=3, audio=None)
    )
    outcomes = set()
    for run in range(3):
        out = tmp_path / f"out-{run}.mp4"
        _, result = transcode(damaged, out, policy="all")
        outcomes.add((len(frames_of(out)), result.notes))
    assert len(outcomes) == 1


def test_a_truncated_file_without_its_index_is_unreadable(tmp_path):
    truncated = make_truncated(tmp_path / "cut.mp4", make_video(tmp_path / "whole.mp4"))
    with pytest.raises(UnreadableVideo):
        probe(truncated)


def test_a_truncated_fast_start_file_is_transcoded_up_to_where_it_ends(tmp_path):
    whole = make_video(tmp_path / "whole.mp4", seconds=3, audio=None, faststart=True)
    out = tmp_path / "out.mp4"
    _, result = transcode(make_truncated(tmp_path / "cut.mp4", whole, keep=0.8), out, policy="all")
    assert result.stored
    assert 0 < len(frames_of(out)) < 30
    assert any("could be read (truncated or damaged)" in note for note in result.notes)


def test_audio_only_and_empty_files_have_no_video(tmp_path):
    assert probe(make_audio_only(tmp_path / "voice.m4a")).video is None
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableVideo, match="empty"):
        probe(empty)


def test_garbage_is_unreadable(tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(1).bytes(50_000))
    with pytest.raises(UnreadableVideo):
        probe(garbage)


def test_a_time_limit_stops_the_encode_and_leaves_nothing(tmp_path):
    source = make_video(tmp_path / "clip.mp4", seconds=2)
    config = TranscodeSettings(policy="all")
    summary = probe(source)
    encode_plan = plan(summary, decide(summary, config), config, encoders.available_encoders())
    out = tmp_path / "out" / "asset.mp4"
    with pytest.raises(video_encode.TranscodeTimeout, match="time limit"):
        video_encode.encode(source, out, encode_plan, time_limit_s=1e-9)
    assert list(out.parent.iterdir()) == []


def test_a_result_identical_to_the_original_is_not_stored(tmp_path, monkeypatch):
    source = make_video(tmp_path / "clip.mp4")

    def byte_copy(source, temp, plan, deadline, stats):  # a writer that produced the original again
        temp.write_bytes(source.read_bytes())
        return "copy", "copy", 10, []

    monkeypatch.setattr(video_encode, "_encode_to", byte_copy)
    copy_plan = EncodePlan(
        action=Action.REMUX,
        video=VideoPlan(copy=True, index=0, codec="h264"),
        audio=AudioPlan(copy=True, index=1, codec="aac"),
    )
    out = tmp_path / "out" / "asset.mp4"
    result = video_encode.encode(source, out, copy_plan)
    assert not result.stored
    assert result.notes[-1] == "the result was identical to the original: not stored"
    assert list(out.parent.iterdir()) == []


def test_two_pass_with_a_bitrate_cap_cleans_up_its_statistics(tmp_path):
    out = tmp_path / "out" / "asset.mp4"
    transcode(make_video(tmp_path / "clip.mp4", seconds=2), out, policy="all", two_pass=True, max_bitrate=300_000)
    assert len(frames_of(out)) == 20
    assert sorted(p.name for p in out.parent.iterdir()) == ["asset.mp4"]


@pytest.mark.skipif(
    "h264_nvenc" not in av.codecs_available or encoders.encoder_problem("h264_nvenc") is None,
    reason="needs a build with h264_nvenc and no NVIDIA device",
)
def test_a_hardware_encoder_that_cannot_start_falls_back_with_the_reason(tmp_path):
    out = tmp_path / "out.mp4"
    _, result = transcode(make_video(tmp_path / "clip.mp4"), out, policy="all", accel="nvenc")
    assert result.video_encoder == "libx264"
    assert any(note.startswith("h264_nvenc could not start") and "libx264 instead" in note for note in result.notes)


def test_leftovers_of_a_killed_encode_are_removed_by_the_next_one(tmp_path):
    out = tmp_path / "out" / "asset.mp4"
    out.parent.mkdir()
    (out.parent / ".asset.mp4.0badf00d.partial").write_bytes(b"half a video")
    (out.parent / ".asset.mp4.0badf00d.passlog.mbtree").write_bytes(b"stats")
    (out.parent / "other.mp4").write_bytes(b"another asset's transcode")
    transcode(make_video(tmp_path / "clip.mp4"), out, policy="all")
    assert sorted(p.name for p in out.parent.iterdir()) == ["asset.mp4", "other.mp4"]


def test_a_full_disk_is_the_storage_s_condition_not_a_broken_video(tmp_path, small_disk):
    """ENOSPC comes out as the OSError it is (the step retries it), not as TranscodeFailed (a permanent failure)."""
    source = make_video(tmp_path / "clip.mp4", size=(320, 180), seconds=2)
    disk = small_disk(tmp_path / "disk", 256 * 1024)
    out = disk.path / "out" / "asset.mp4"
    out.parent.mkdir()
    disk.fill(leave=8192)
    with pytest.raises(OSError, match="No space left on device") as raised:
        transcode(source, out, policy="all")
    assert not isinstance(raised.value, video_encode.TranscodeFailed)
    assert list(out.parent.iterdir()) == []


def test_rotation_survives_a_stream_copy(tmp_path):
    out = tmp_path / "out.mp4"
    source = make_video(tmp_path / "portrait.mp4", rotation=90, audio="libmp3lame")
    decision, result = transcode(source, out, accepted_audio_codecs=("aac",))
    assert result.video_encoder == "copy"
    assert probe(out).video.rotation == 90

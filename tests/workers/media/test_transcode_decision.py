"""The transcoding decision and plan: pure functions over probe summaries, one rule per test."""

from dataclasses import replace

import pytest

from workers.media.transcode import (
    Action,
    TranscodeSettings,
    decide,
    estimate_output_bytes,
    output_size,
    parse_bitrate,
    plan,
    time_limit_s,
)
from workers.media.video_probe import AudioStreamInfo, ProbeSummary, VideoStreamInfo, container_name

H264_1080 = VideoStreamInfo(
    index=0, codec="h264", width=1920, height=1080, pix_fmt="yuv420p", bit_depth=8, bitrate=16_000_000, fps=30.0
)
AAC = AudioStreamInfo(index=1, codec="aac", channels=2, sample_rate=48000, bitrate=128_000)
SOFTWARE = {"libx264", "libx265", "libvpx-vp9", "libsvtav1", "aac", "libmp3lame", "libopus"}


def summary(video=H264_1080, audio=AAC, container="mov", **changes) -> ProbeSummary:
    fields = dict(
        container=container,
        format_name=container,
        size_bytes=20_000_000,
        duration_s=10.0,
        bitrate=16_128_000,
        video=video,
        audio=audio,
        faststart=True,
    )
    return ProbeSummary(**{**fields, **changes})


def settings(**changes) -> TranscodeSettings:
    return replace(TranscodeSettings(), **changes)


def test_default_policy_required_leaves_an_accepted_1080p_h264_alone():
    decision = decide(summary(), settings())
    assert decision.action is Action.NONE
    assert decision.reason == "nothing to do: h264 yuv420p with aac in mov accepted (policy required)"


@pytest.mark.parametrize(
    ("brand", "named"), [("isom", "MP4 (Immich's container mov)"), ("qt  ", "QuickTime MOV"), (None, "mov")]
)
def test_the_reason_names_the_container_as_the_file_is_named(brand, named):
    """An .mp4 was said to be "in mov" (Immich's name for the whole QuickTime family): its ftyp brand tells."""
    decision = decide(summary(brand=brand), settings())
    assert decision.reason == f"nothing to do: h264 yuv420p with aac in {named} accepted (policy required)"


def test_optimal_transcodes_above_the_target_resolution():
    decision = decide(summary(), settings(policy="optimal", target_resolution="720"))
    assert decision.action is Action.TRANSCODE_VIDEO
    assert decision.reason == "1080p above target 720p"


def test_optimal_uses_the_short_side_so_portrait_video_counts_the_same():
    portrait = replace(H264_1080, width=1080, height=1920)
    assert decide(summary(video=portrait), settings(policy="optimal")).reason == "1080p above target 720p"


def test_optimal_with_original_resolution_never_scales():
    assert decide(summary(), settings(policy="optimal", target_resolution="original")).action is Action.NONE


def test_unaccepted_codec_is_required_under_every_policy_but_disabled():
    hevc = replace(H264_1080, codec="hevc")
    for policy in ("required", "optimal", "bitrate", "all"):
        assert "codec hevc not accepted" in decide(summary(video=hevc), settings(policy=policy)).reasons
    assert decide(summary(video=hevc), settings(policy="disabled")).action is Action.NONE


def test_ten_bit_hdr_is_required_and_says_why():
    hdr = replace(H264_1080, codec="hevc", pix_fmt="yuv420p10le", bit_depth=10, color_transfer="smpte2084")
    decision = decide(summary(video=hdr), settings(accepted_video_codecs=("h264", "hevc")))
    assert decision.action is Action.TRANSCODE_VIDEO
    assert decision.reason == "10-bit HDR PQ (yuv420p10le)"


def test_4_2_2_chroma_is_required():
    decision = decide(summary(video=replace(H264_1080, pix_fmt="yuv422p")), settings())
    assert decision.reason == "pixel format yuv422p is not 4:2:0"


def test_bitrate_policy_compares_with_the_max_in_kbit_per_second():
    assert decide(summary(), settings(policy="bitrate", max_bitrate=parse_bitrate("20000"))).action is Action.NONE
    decision = decide(summary(), settings(policy="bitrate", max_bitrate=parse_bitrate("10m")))
    assert decision.reason == "bitrate 16.0 Mbit/s above max 10.0 Mbit/s"


def test_bitrate_policy_without_a_max_transcodes_nothing_extra():
    assert decide(summary(), settings(policy="bitrate", max_bitrate=0)).action is Action.NONE


def test_unaccepted_audio_alone_transcodes_only_the_audio():
    pcm = replace(AAC, codec="pcm_s16le")
    decision = decide(summary(audio=pcm), settings())
    assert (decision.action, decision.reason) == (Action.TRANSCODE_AUDIO, "audio codec pcm_s16le not accepted")


def test_video_and_audio_reasons_combine():
    decision = decide(summary(video=replace(H264_1080, codec="vp9"), audio=replace(AAC, codec="ac3")), settings())
    assert decision.action is Action.TRANSCODE_ALL
    assert decision.reasons == ("codec vp9 not accepted", "audio codec ac3 not accepted")


def test_policy_all_transcodes_everything():
    decision = decide(summary(), settings(policy="all"))
    assert decision.action is Action.TRANSCODE_ALL
    assert decision.reason == "policy all transcodes every video"


def test_policy_all_without_audio_transcodes_the_video():
    assert decide(summary(audio=None), settings(policy="all")).action is Action.TRANSCODE_VIDEO


def test_unaccepted_container_alone_is_remuxed():
    decision = decide(summary(container="avi"), settings())
    assert decision.action is Action.REMUX
    assert decision.reason == "container avi not accepted: streams copied into MP4"


def test_disabled_never_remuxes():
    assert decide(summary(container="avi"), settings(policy="disabled")).action is Action.NONE


def test_mp4_is_always_an_accepted_container():
    assert decide(summary(container="mp4"), settings(accepted_containers=())).action is Action.NONE


def test_a_late_index_is_mentioned_when_nothing_is_done():
    assert "index at the end" in decide(summary(faststart=False), settings()).reason


def test_container_names_follow_the_reference():
    assert container_name("mov,mp4,m4a,3gp,3g2,mj2", "QuickTime / MOV") == "mov"
    assert container_name("matroska,webm", "Matroska / WebM") == "webm"
    assert container_name("avi", "AVI (Audio Video Interleaved)") == "avi"


@pytest.mark.parametrize(
    "text, bits", [("0", 0), ("8000", 8_000_000), ("8000k", 8_000_000), ("8m", 8_000_000), ("2.5M", 2_500_000)]
)
def test_bitrates_without_a_unit_are_kbit_per_second(text, bits):
    assert parse_bitrate(text) == bits


def test_a_bitrate_that_is_not_one_is_refused():
    with pytest.raises(ValueError):
        parse_bitrate("fast")


@pytest.mark.parametrize(
    "size, target, expected",
    [
        ((1920, 1080), 720, (1280, 720)),
        ((1080, 1920), 720, (720, 1280)),
        ((3840, 2160), 1080, (1920, 1080)),
        ((640, 360), 720, (640, 360)),  # never upscaled
        ((161, 91), 720, (160, 90)),  # odd sizes made even
        ((1920, 1080), None, (1920, 1080)),  # original
        ((1440, 1080), 720, (960, 720)),
    ],
)
def test_output_size(size, target, expected):
    video = replace(H264_1080, width=size[0], height=size[1])
    assert output_size(video, target) == expected


def test_plan_scales_and_copies_accepted_audio():
    probe = summary()
    encode_plan = plan(probe, decide(probe, settings(policy="optimal")), settings(policy="optimal"), SOFTWARE)
    assert (encode_plan.video.width, encode_plan.video.height, encode_plan.video.encoders) == (1280, 720, ("libx264",))
    assert encode_plan.audio.copy
    assert encode_plan.notes == ()


def test_plan_falls_back_with_a_note_when_the_target_encoder_is_missing():
    config = settings(policy="all", target_video_codec="av1")
    probe = summary()
    encode_plan = plan(probe, decide(probe, config), config, SOFTWARE - {"libsvtav1"})
    assert encode_plan.video.codec == "h264"
    assert encode_plan.notes == (
        "video encoder libsvtav1/libaom-av1 for av1 is missing from this build: encoded h264 with libx264 instead",
    )


def test_plan_refuses_when_no_encoder_at_all():
    probe = summary()
    with pytest.raises(LookupError, match="no video encoder"):
        plan(probe, decide(probe, settings(policy="all")), settings(policy="all"), {"aac"})


def test_plan_tone_maps_hdr_and_says_so():
    hdr = replace(H264_1080, codec="hevc", pix_fmt="yuv420p10le", bit_depth=10, color_transfer="arib-std-b67")
    probe = summary(video=hdr)
    encode_plan = plan(probe, decide(probe, settings()), settings(), SOFTWARE)
    assert (encode_plan.video.tonemap, encode_plan.video.hdr) == ("hable", "HLG")
    assert encode_plan.notes == ("HDR HLG tone-mapped to SDR BT.709 (hable)",)


def test_plan_without_tone_mapping_warns():
    hdr = replace(H264_1080, codec="hevc", pix_fmt="yuv420p10le", bit_depth=10, color_transfer="smpte2084")
    probe = summary(video=hdr)
    encode_plan = plan(probe, decide(probe, settings(tonemap="disabled")), settings(tonemap="disabled"), SOFTWARE)
    assert encode_plan.video.tonemap is None
    assert "without tone mapping" in encode_plan.notes[0]


def test_plan_puts_the_hardware_encoder_first_when_configured_and_notes_a_missing_one():
    probe = summary()
    config = settings(policy="all", accel="nvenc")
    assert plan(probe, decide(probe, config), config, SOFTWARE | {"h264_nvenc"}).video.encoders == (
        "h264_nvenc",
        "libx264",
    )
    fallback = plan(probe, decide(probe, config), config, SOFTWARE)
    assert fallback.video.encoders == ("libx264",)
    assert fallback.notes == ("hardware nvenc has no h264 encoder in this build: software encoding",)


def test_two_pass_needs_a_max_bitrate():
    probe = summary()
    config = settings(policy="all", two_pass=True)
    encode_plan = plan(probe, decide(probe, config), config, SOFTWARE)
    assert not encode_plan.video.two_pass
    assert "two-pass ignored: it needs a max bitrate" in encode_plan.notes
    capped = settings(policy="all", two_pass=True, max_bitrate=4_000_000)
    assert plan(probe, decide(probe, capped), capped, SOFTWARE).video.two_pass


def test_pcm_audio_is_encoded_even_when_remuxing():
    probe = summary(container="avi", audio=replace(AAC, codec="pcm_s16le"))
    config = settings(accepted_audio_codecs=("aac", "pcm_s16le"))
    decision = decide(probe, config)
    assert decision.action is Action.REMUX
    encode_plan = plan(probe, decision, config, SOFTWARE)
    assert encode_plan.video.copy and not encode_plan.audio.copy and encode_plan.audio.codec == "aac"


def test_estimates():
    probe = summary()
    none = decide(probe, settings())
    assert estimate_output_bytes(probe, none, settings()) == 0
    remux = decide(summary(container="avi"), settings())
    assert estimate_output_bytes(summary(container="avi"), remux, settings()) == 20_000_000
    optimal = settings(policy="optimal")
    size_720 = estimate_output_bytes(probe, decide(probe, optimal), optimal)
    smaller = replace(optimal, target_resolution="480")
    size_480 = estimate_output_bytes(probe, decide(probe, smaller), smaller)
    assert 1_000_000 < size_480 < size_720 < 20_000_000
    capped = replace(optimal, max_bitrate=1_000_000)
    assert estimate_output_bytes(probe, decide(probe, capped), capped) <= (1_000_000 + 128_000) * 10 / 8


def test_time_limit_grows_with_duration_and_pixels():
    short, long = summary(duration_s=10.0), summary(duration_s=100.0)
    config = settings(policy="optimal")
    limit = time_limit_s(short, plan(short, decide(short, config), config, SOFTWARE))
    assert limit < time_limit_s(long, plan(long, decide(long, config), config, SOFTWARE))
    uhd = summary(video=replace(H264_1080, width=3840, height=2160))
    assert limit < time_limit_s(uhd, plan(uhd, decide(uhd, config), config, SOFTWARE))


def test_probe_summaries_round_trip_through_json():
    import json

    probe = summary(video=replace(H264_1080, rotation=90, color_transfer="smpte2084"))
    assert ProbeSummary.from_dict(json.loads(json.dumps(probe.to_dict()))) == probe

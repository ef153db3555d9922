"""The transcoding decision, made in words. Pure: a probe summary and the settings in, a decision and an encode
plan out (no ORM, no settings access, no files). The rules are the reference's (immich-reference.md §3.1):

* the video stream is *required* to transcode when its codec is not accepted or its pixel format is not 4:2:0
  8-bit (so 10-bit / HDR / 4:2:2 always is);
* policy all: always; optimal: required or the short side above the target resolution; bitrate: required or
  above the max bitrate; required: required; disabled: never (and never remux);
* audio is transcoded when the policy is all or its codec is not accepted;
* when nothing is transcoded but the container is neither mp4 nor accepted, the streams are remuxed into MP4;
* when nothing is needed, an existing transcode is no longer wanted (the caller deletes it).

Where this differs from the reference it says so: a max bitrate without a unit means kbit/s in the policy check
too (the reference reads it as bit/s there, so "5000" transcodes every video)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workers.media.video_probe import ProbeSummary, VideoStreamInfo

POLICIES = ("all", "optimal", "bitrate", "required", "disabled")
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
# Software encoders for each target, in order of preference.
VIDEO_ENCODERS = {
    "h264": ("libx264",),
    "hevc": ("libx265",),
    "vp9": ("libvpx-vp9",),
    "av1": ("libsvtav1", "libaom-av1"),
}
AUDIO_ENCODERS = {"aac": ("aac",), "mp3": ("libmp3lame",), "opus": ("libopus",), "pcm_s16le": ("pcm_s16le",)}
FALLBACK_VIDEO, FALLBACK_AUDIO = "h264", "aac"
HW_CODECS = {
    "nvenc": ("h264", "hevc", "av1"),
    "qsv": ("h264", "hevc", "vp9", "av1"),
    "vaapi": ("h264", "hevc", "vp9", "av1"),
    "rkmpp": ("h264", "hevc"),
}
_BITRATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


class Action(StrEnum):
    TRANSCODE_ALL = "transcode_all"  # video and audio
    TRANSCODE_VIDEO = "transcode_video"  # audio copied
    TRANSCODE_AUDIO = "transcode_audio"  # video copied
    REMUX = "remux"  # both copied into MP4
    NONE = "none"  # the original plays as it is

    @property
    def writes_file(self) -> bool:
        return self is not Action.NONE


def parse_bitrate(text: str) -> int:
    """ "0" -> 0; "8000" or "8000k" -> 8,000,000 bit/s; "8m" -> 8,000,000. Raises ValueError on anything else."""
    match = _BITRATE.match(str(text))
    if not match:
        raise ValueError(f"not a bitrate: {text!r} (use a number of kbit/s, optionally with k or m)")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * (1_000_000 if unit == "m" else 1000))


@dataclass(frozen=True)
class TranscodeSettings:
    policy: str = "required"
    target_video_codec: str = "h264"
    accepted_video_codecs: tuple[str, ...] = ("h264",)
    target_audio_codec: str = "aac"
    accepted_audio_codecs: tuple[str, ...] = ("aac", "mp3", "opus")
    accepted_containers: tuple[str, ...] = ("mov", "ogg", "webm")
    target_resolution: str = "720"
    crf: int = 23
    preset: str = "ultrafast"
    max_bitrate: int = 0  # bit/s; 0 = no cap
    threads: int = 0
    two_pass: bool = False
    tonemap: str = "hable"
    bframes: int = -1
    refs: int = 0
    gop_size: int = 0
    accel: str = "disabled"

    @classmethod
    def from_config(cls, ffmpeg: dict[str, Any]) -> TranscodeSettings:
        """From the system config's `ffmpeg` section (already validated)."""
        return cls(
            policy=ffmpeg["transcode"],
            target_video_codec=ffmpeg["targetVideoCodec"],
            accepted_video_codecs=tuple(ffmpeg["acceptedVideoCodecs"]),
            target_audio_codec=ffmpeg["targetAudioCodec"],
            accepted_audio_codecs=tuple(ffmpeg["acceptedAudioCodecs"]),
            accepted_containers=tuple(ffmpeg["acceptedContainers"]),
            target_resolution=str(ffmpeg["targetResolution"]),
            crf=ffmpeg["crf"],
            preset=ffmpeg["preset"],
            max_bitrate=parse_bitrate(ffmpeg["maxBitrate"]),
            threads=ffmpeg["threads"],
            two_pass=ffmpeg["twoPass"],
            tonemap=ffmpeg["tonemap"],
            bframes=ffmpeg["bframes"],
            refs=ffmpeg["refs"],
            gop_size=ffmpeg["gopSize"],
            accel=ffmpeg["accel"],
        )

    @property
    def target_short_side(self) -> int | None:
        return None if self.target_resolution == "original" else int(self.target_resolution)


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[str, ...]  # why it is transcoded, or why nothing is done

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def transcodes_video(self) -> bool:
        return self.action in (Action.TRANSCODE_ALL, Action.TRANSCODE_VIDEO)

    @property
    def transcodes_audio(self) -> bool:
        return self.action in (Action.TRANSCODE_ALL, Action.TRANSCODE_AUDIO)


def _mbit(bits: int) -> str:
    return f"{bits / 1_000_000:.1f} Mbit/s"


def required_video_reasons(video: VideoStreamInfo, settings: TranscodeSettings) -> list[str]:
    """Why the video stream must be transcoded whatever the policy (except disabled)."""
    reasons = []
    if video.codec not in settings.accepted_video_codecs:
        reasons.append(f"codec {video.codec} not accepted")
    if not video.pix_fmt.endswith("420p"):
        hdr = f" HDR {video.hdr}" if video.hdr else ""
        if video.bit_depth > 8:
            reasons.append(f"{video.bit_depth}-bit{hdr} ({video.pix_fmt})")
        else:
            reasons.append(f"pixel format {video.pix_fmt} is not 4:2:0{hdr}")
    return reasons


def decide(probe: ProbeSummary, settings: TranscodeSettings) -> Decision:
    video, audio = probe.video, probe.audio
    if video is None:
        raise ValueError("a decision needs a video stream")
    if settings.policy == "disabled":
        return Decision(Action.NONE, ("transcoding is disabled (policy disabled)",))

    required = required_video_reasons(video, settings)
    video_reasons = list(required)
    target = settings.target_short_side
    if settings.policy == "all":
        video_reasons = ["policy all transcodes every video", *required]
    elif settings.policy == "optimal" and target is not None and video.short_side > target:
        video_reasons.append(f"{video.short_side}p above target {target}p")
    elif settings.policy == "bitrate" and settings.max_bitrate and (video.bitrate or 0) > settings.max_bitrate:
        video_reasons.append(f"bitrate {_mbit(video.bitrate or 0)} above max {_mbit(settings.max_bitrate)}")

    audio_reasons = []
    if audio is not None:
        if settings.policy == "all":
            audio_reasons.append("audio transcoded with every video (policy all)")
        elif audio.codec not in settings.accepted_audio_codecs:
            audio_reasons.append(f"audio codec {audio.codec} not accepted")

    if video_reasons and audio_reasons:
        return Decision(
            Action.TRANSCODE_ALL, tuple(video_reasons + [r for r in audio_reasons if "policy all" not in r])
        )
    if video_reasons:
        return Decision(Action.TRANSCODE_VIDEO, tuple(video_reasons))
    if audio_reasons:
        return Decision(Action.TRANSCODE_AUDIO, tuple(audio_reasons))
    if probe.container not in ("mp4", *settings.accepted_containers):
        return Decision(Action.REMUX, (f"container {probe.container_label} not accepted: streams copied into MP4",))
    return Decision(Action.NONE, (_nothing_to_do(probe, settings),))


def _nothing_to_do(probe: ProbeSummary, settings: TranscodeSettings) -> str:
    video, audio = probe.video, probe.audio
    if video is None:
        raise ValueError("a decision needs a video stream")
    streams = f"{video.codec} {video.pix_fmt}" + (f" with {audio.codec}" if audio else "")
    text = f"nothing to do: {streams} in {probe.container_label} accepted"
    target = settings.target_short_side
    if settings.policy == "optimal" and target is not None:
        text += f", {video.short_side}p within target {target}p"
    elif settings.policy == "optimal":
        text += ", target resolution original"
    elif settings.policy == "bitrate":
        text += (
            ", no max bitrate" if not settings.max_bitrate else f", bitrate within max {_mbit(settings.max_bitrate)}"
        )
    text += f" (policy {settings.policy})"
    if probe.faststart is False:
        text += "; note: the original keeps its index at the end, so players fetch the end of the file before playing"
    return text


# -- the plan: what the encoder does -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoPlan:
    copy: bool
    index: int
    codec: str = ""  # target codec actually used
    encoders: tuple[str, ...] = ()  # candidates, tried in order (a hardware one first when configured)
    width: int = 0
    height: int = 0
    rotation: int = 0
    tonemap: str | None = None  # curve name when HDR is tone-mapped
    hdr: str | None = None  # the source's HDR transfer (PQ/HLG), if any
    crf: int = 23
    preset: str = "ultrafast"
    max_bitrate: int = 0
    two_pass: bool = False
    threads: int = 0
    bframes: int = -1
    refs: int = 0
    gop_size: int = 0


@dataclass(frozen=True)
class AudioPlan:
    copy: bool
    index: int
    codec: str = ""
    encoders: tuple[str, ...] = ()
    sample_rate: int = 48000


@dataclass(frozen=True)
class EncodePlan:
    action: Action
    video: VideoPlan
    audio: AudioPlan | None
    notes: tuple[str, ...] = field(default=())


def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def output_size(video: VideoStreamInfo, target_short_side: int | None) -> tuple[int, int]:
    """Stored (unrotated) dimensions of the output: the short side brought down to the target, never up, both
    sides even (odd sizes are not encodable in 4:2:0)."""
    width, height = video.width, video.height
    short = min(width, height)
    if target_short_side is None or short <= target_short_side:
        return width - width % 2 or 2, height - height % 2 or 2
    scale = target_short_side / short
    if width <= height:
        return even(target_short_side), even(height * scale)
    return even(width * scale), even(target_short_side)


def _choose(
    target: str,
    table: Mapping[str, tuple[str, ...]],
    fallback: str,
    available: Collection[str],
    kind: str,
    notes: list[str],
) -> tuple[str, tuple[str, ...]]:
    candidates = tuple(name for name in table.get(target, ()) if name in available)
    if candidates:
        return target, candidates
    missing = "/".join(table.get(target, ())) or target
    fallback_candidates = tuple(name for name in table[fallback] if name in available)
    if not fallback_candidates:
        raise LookupError(f"no {kind} encoder: {missing} and {'/'.join(table[fallback])} are missing from this build")
    notes.append(
        f"{kind} encoder {missing} for {target} is missing from this build: encoded {fallback} with "
        f"{fallback_candidates[0]} instead"
    )
    return fallback, fallback_candidates


def plan(
    probe: ProbeSummary, decision: Decision, settings: TranscodeSettings, available: Collection[str]
) -> EncodePlan:
    """What to write for a decision that writes a file. `available` is the set of encoder names this build has."""
    video, audio = probe.video, probe.audio
    if video is None:
        raise ValueError("a plan needs a video stream")
    notes: list[str] = []
    if decision.transcodes_video:
        codec, encoders = _choose(
            settings.target_video_codec, VIDEO_ENCODERS, FALLBACK_VIDEO, available, "video", notes
        )
        if settings.accel != "disabled":
            if codec in HW_CODECS.get(settings.accel, ()) and f"{codec}_{settings.accel}" in available:
                encoders = (f"{codec}_{settings.accel}", *encoders)
            else:
                notes.append(f"hardware {settings.accel} has no {codec} encoder in this build: software encoding")
        width, height = output_size(video, settings.target_short_side)
        tonemap = None
        if video.hdr and settings.tonemap != "disabled":
            tonemap = settings.tonemap
            notes.append(f"HDR {video.hdr} tone-mapped to SDR BT.709 ({settings.tonemap})")
        elif video.hdr:
            notes.append(
                f"HDR {video.hdr} reduced to 8-bit without tone mapping (tone mapping disabled): "
                "colours look washed out"
            )
        elif video.bit_depth > 8:
            notes.append(f"{video.bit_depth}-bit reduced to 8-bit yuv420p")
        two_pass = settings.two_pass and (settings.max_bitrate > 0 or codec == "vp9")
        if settings.two_pass and not two_pass:
            notes.append("two-pass ignored: it needs a max bitrate")
        video_plan = VideoPlan(
            copy=False,
            index=video.index,
            codec=codec,
            encoders=encoders,
            width=width,
            height=height,
            rotation=video.rotation,
            tonemap=tonemap,
            hdr=video.hdr,
            crf=settings.crf,
            preset=settings.preset,
            max_bitrate=settings.max_bitrate,
            two_pass=two_pass,
            threads=settings.threads,
            bframes=settings.bframes,
            refs=settings.refs,
            gop_size=settings.gop_size,
        )
    else:
        video_plan = VideoPlan(
            copy=True,
            index=video.index,
            codec=video.codec,
            width=video.width,
            height=video.height,
            rotation=video.rotation,
        )
    audio_plan = None
    if audio is not None:
        if decision.transcodes_audio or audio.codec.startswith("pcm_"):
            if not decision.transcodes_audio:
                notes.append(f"audio {audio.codec} cannot be copied into MP4: encoded instead")
            codec, encoders = _choose(
                settings.target_audio_codec, AUDIO_ENCODERS, FALLBACK_AUDIO, available, "audio", notes
            )
            rate = 48000 if codec == "opus" else min(audio.sample_rate or 48000, 48000)
            audio_plan = AudioPlan(copy=False, index=audio.index, codec=codec, encoders=encoders, sample_rate=rate)
        else:
            audio_plan = AudioPlan(copy=True, index=audio.index, codec=audio.codec)
    return EncodePlan(action=decision.action, video=video_plan, audio=audio_plan, notes=tuple(notes))


# -- estimates and limits ----------------------------------------------------------------------------------------

# Bits per pixel per frame of x264 at CRF 23 for typical phone footage, by preset speed; other codecs scale it.
_BPP = {"ultrafast": 0.11, "superfast": 0.085, "veryfast": 0.075}
_BPP_DEFAULT = 0.065
_CODEC_EFFICIENCY = {"h264": 1.0, "hevc": 0.6, "vp9": 0.65, "av1": 0.5}
AUDIO_BITRATE = 128_000


def estimate_output_bytes(probe: ProbeSummary, decision: Decision, settings: TranscodeSettings) -> int:
    """A rough size of what the decision would write, for dry runs (not a promise)."""
    if decision.action is Action.NONE:
        return 0
    if decision.action is Action.REMUX or not probe.duration_s:
        return probe.size_bytes
    video, seconds = probe.video, probe.duration_s
    if video is None:
        raise ValueError("an estimate needs a video stream")
    audio_bits = 0
    if probe.audio is not None:
        audio_bits = AUDIO_BITRATE if decision.transcodes_audio else (probe.audio.bitrate or AUDIO_BITRATE)
    if not decision.transcodes_video:
        video_bits = video.bitrate or max(probe.size_bytes * 8 / seconds - audio_bits, 0)
        return int((video_bits + audio_bits) * seconds / 8)
    width, height = output_size(video, settings.target_short_side)
    fps = min(video.fps or 30, 120)
    bpp = _BPP.get(settings.preset, _BPP_DEFAULT) * _CODEC_EFFICIENCY.get(settings.target_video_codec, 1.0)
    video_bits = width * height * fps * bpp * 2 ** ((23 - settings.crf) / 6)
    if video.bitrate:
        # Simple footage stays simple: never far above the source's own rate for the same number of pixels.
        video_bits = min(video_bits, 1.5 * video.bitrate * (width * height) / (video.width * video.height))
    if settings.max_bitrate:
        video_bits = min(video_bits, settings.max_bitrate)
    return int((video_bits + audio_bits) * seconds / 8)


def time_limit_s(probe: ProbeSummary, encode_plan: EncodePlan) -> float:
    """How long an encode may take before it is stopped as hung: scaled to the duration and the pixels."""
    seconds = probe.duration_s or 600
    video = probe.video
    megapixels = (video.width * video.height) / 1_000_000 if video else 2
    per_second = 2 + 6 * math.ceil(megapixels / 2)  # 8 s per second of 1080p, 26 for 4K, on one slow core
    if encode_plan.video.two_pass:
        per_second *= 2
    return 120 + seconds * per_second

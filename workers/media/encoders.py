"""Which encoders this build has and can open here, and the options each is given for a plan: quality (CRF), speed
(preset), the bitrate cap and two-pass. Pure (no ORM, no settings)."""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import cast

import av
from av.audio.codeccontext import AudioCodecContext
from av.video.codeccontext import VideoCodecContext

from workers.media.transcode import AUDIO_ENCODERS, HW_CODECS, PRESETS, VIDEO_ENCODERS, VideoPlan

TWO_PASS_ENCODERS = ("libx264", "libx265")


@cache
def encoder_problem(name: str) -> str | None:
    """None when this build can open the encoder here; else why not, in words. Checked once per process (a
    hardware encoder without its device fails here, and every file then falls back without trying it again)."""
    try:
        codec = av.Codec(name, "w")
    except (av.FFmpegError, ValueError) as error:
        return f"not in this build ({error})"
    try:
        context = av.CodecContext.create(codec)
        if codec.type == "video":
            context = cast(VideoCodecContext, context)  # create() makes the context of the codec's kind
            context.width, context.height, context.pix_fmt = 64, 64, "yuv420p"
            context.time_base = Fraction(1, 25)
            if name == "libx265":
                context.options = {"x265-params": "log-level=error"}
        else:
            context = cast(AudioCodecContext, context)
            context.sample_rate = 48000
            context.layout = "stereo"
            context.format = codec.audio_formats[0].name if codec.audio_formats else "fltp"
            context.time_base = Fraction(1, 48000)
        context.open()
    except (av.FFmpegError, ValueError, OSError) as error:
        return str(error)
    return None


def available_encoders() -> frozenset[str]:
    """The encoders of the transcoding targets (software and hardware) that this build has. Whether one opens
    here (a hardware device present, a library loadable) is checked when a file needs it, by `encoder_problem`."""
    names = {name for names in (*VIDEO_ENCODERS.values(), *AUDIO_ENCODERS.values()) for name in names}
    names |= {f"{codec}_{accel}" for accel, codecs in HW_CODECS.items() for codec in codecs}
    return frozenset(name for name in names if name in av.codecs_available)


def _preset_index(preset: str) -> int:
    return PRESETS.index(preset) if preset in PRESETS else PRESETS.index("medium")


def video_options(name: str, plan: VideoPlan, *, pass_number: int = 0, stats: Path | None = None) -> dict[str, str]:
    """Encoder options for the plan: quality (CRF), speed (preset), the bitrate cap and two-pass."""
    options: dict[str, str] = {}
    kbps = plan.max_bitrate // 1000
    if plan.bframes > -1:
        options["bf"] = str(plan.bframes)
    if plan.refs > 0:
        options["refs"] = str(plan.refs)
    if plan.gop_size > 0:
        options["g"] = str(plan.gop_size)
    if name in ("libx264", "libx265"):
        options["preset"] = plan.preset
        if name == "libx265":
            options["x265-params"] = "log-level=error"
    elif name == "libvpx-vp9":
        options.update({"cpu-used": str(min(_preset_index(plan.preset), 5)), "row-mt": "1", "deadline": "good"})
    elif name in ("libsvtav1", "libaom-av1"):
        options["preset" if name == "libsvtav1" else "cpu-used"] = str(min(_preset_index(plan.preset) + 4, 8))
    if pass_number:
        target = math.ceil(kbps / 1.45) if kbps else 0
        options.update(
            {"b": f"{target}k", "minrate": f"{target // 2}k", "maxrate": f"{kbps}k", "bufsize": f"{2 * kbps}k"}
        )
        if name == "libx264":
            options["stats"] = str(stats)
        elif name == "libx265":
            options["x265-params"] += f":pass={pass_number}:stats={stats}"
        return options
    if name in ("libx264", "libx265", "libvpx-vp9", "libsvtav1", "libaom-av1"):
        options["crf"] = str(plan.crf)
    if name == "libvpx-vp9":
        options["b"] = f"{kbps}k" if kbps else "0"
    elif kbps:
        options.update({"maxrate": f"{kbps}k", "bufsize": f"{2 * kbps}k"})
    return options

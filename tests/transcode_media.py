"""Videos made by code for the transcoding tests (PyAV): every codec and container the policy must tell apart,
HDR, rotation, no audio, variable frame rate, audio only, and damaged files. Tiny (160x90, about a second) except
one 1080p-shaped clip of two frames for the resolution rules."""

from __future__ import annotations

import random
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

HAS_HEVC = "libx265" in av.codecs_available
QUIET = {"libx265": {"x265-params": "log-level=error"}, "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"}}


def _picture(index: int, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 0] = (index * 25) % 255
    image[:, : width // 2, 1] = 200  # left half green: shows which way is up after rotation
    image[: height // 4, :, 2] = 255  # a blue band at the top
    return image


def _audio_frames(stream, seconds: float):
    context = stream.codec_context
    rate, size = context.sample_rate, context.frame_size or 1024
    resampler = av.AudioResampler(format=context.format.name, layout="stereo", rate=rate, frame_size=size)
    written = 0
    while written < seconds * rate:
        tone = (np.sin(2 * np.pi * 440 * (np.arange(size) + written) / rate) * 0.3).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, written
        yield from resampler.resample(frame)
        written += size
    yield from resampler.resample(None)


def make_video(
    path: Path,
    *,
    codec: str = "libx264",
    size: tuple[int, int] = (160, 90),
    seconds: float = 1.0,
    fps: int = 10,
    pix_fmt: str = "yuv420p",
    audio: str | None = "aac",
    audio_rate: int = 44100,
    container_format: str | None = None,
    rotation: int | None = None,
    color: tuple[int, int, int] | None = None,  # (primaries, transfer, matrix) as libav numbers
    frames: int | None = None,
    pts: list[int] | None = None,  # explicit timestamps in 1/fps units (variable frame rate)
    faststart: bool = False,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = frames if frames is not None else (len(pts) if pts else int(seconds * fps))
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, options=options) as container:
        video = container.add_stream(codec, rate=fps, options=QUIET.get(codec, {}))
        video.width, video.height = size
        video.pix_fmt = pix_fmt
        video.codec_context.time_base = Fraction(1, fps)
        if color:
            context = video.codec_context
            context.color_primaries, context.color_trc, context.colorspace = color
        if rotation is not None:
            video.set_display_rotation(rotation)
        sound = None
        if audio:
            sound = container.add_stream(audio, rate=48000 if audio == "libopus" else audio_rate)
            sound.layout = "stereo"
        for index in range(count):
            frame = av.VideoFrame.from_ndarray(_picture(index, size), format="rgb24").reformat(format=pix_fmt)
            frame.pts = pts[index] if pts else index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            for frame in _audio_frames(sound, count / fps):
                container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    return path


def make_pq_clip(path: Path, *, code: float, size: tuple[int, int] = (64, 64), frames: int = 3) -> Path:
    """10-bit HEVC tagged BT.2020 / PQ, an even grey at PQ signal `code` (0.7518 is 1000 nits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx265", rate=10, options=QUIET["libx265"])
        video.width, video.height, video.pix_fmt = width, height, "yuv420p10le"
        context = video.codec_context
        context.color_primaries, context.color_trc, context.colorspace = 9, 16, 9
        luma = np.full((height, width), 64 + round(code * 876), np.uint16)
        chroma = np.full((height // 2, width // 2), 512, np.uint16)
        for index in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p10le")
            for plane, values in zip(frame.planes, (luma, chroma, chroma)):
                plane.update(values.tobytes())
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return path


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        sound = container.add_stream("aac", rate=44100)
        sound.layout = "stereo"
        for frame in _audio_frames(sound, seconds):
            container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    return path


def mdat_span(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"mdat":
            return offset + 8, offset + length
        offset += length
    raise ValueError("no mdat box")


def make_damaged_in_the_middle(path: Path, source: Path, share: float = 0.25) -> Path:
    """A copy of an MP4 whose media data has random bytes over `share` of it, a third of the way in."""
    data = bytearray(source.read_bytes())
    start, end = mdat_span(source)
    chaos = random.Random(1)
    first = start + (end - start) // 3
    for position in range(first, first + int((end - start) * share)):
        data[position] = chaos.randrange(256)
    path.write_bytes(bytes(data))
    return path


def make_truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path

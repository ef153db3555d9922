"""Videos through PyAV (FFmpeg in-process): stream facts, and a representative still frame.

Rotation: phones record landscape-coded frames plus a display matrix; FFmpeg attaches it to decoded frames and
PyAV reads it as `frame.rotation` (degrees counter-clockwise). Here it is turned into degrees clockwise, the way
image tools rotate, so `rotation=90` means "turn the coded frame 90 degrees clockwise to see it upright".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pyvips
from av.container import InputContainer
from av.video.reformatter import ColorRange, Colorspace, ColorTrc, Interpolation, VideoReformatter
from av.video.stream import VideoStream

from workers.media.demux import decodable, ffmpeg_words, open_video
from workers.media.errors import UnreadableMedia
from workers.media.exif import clean_text, gps_problem
from workers.media.formats import sniff

# FFmpeg's names for the transfer characteristics (what ffprobe prints as color_transfer).
_TRANSFER_NAMES: dict[int, str] = {
    ColorTrc.BT709: "bt709",
    ColorTrc.GAMMA22: "gamma22",
    ColorTrc.GAMMA28: "gamma28",
    ColorTrc.SMPTE170M: "smpte170m",
    ColorTrc.SMPTE240M: "smpte240m",
    ColorTrc.LINEAR: "linear",
    ColorTrc.IEC61966_2_4: "iec61966-2-4",
    ColorTrc.BT1361_ECG: "bt1361e",
    ColorTrc.IEC61966_2_1: "iec61966-2-1",
    ColorTrc.BT2020_10: "bt2020-10",
    ColorTrc.BT2020_12: "bt2020-12",
    ColorTrc.SMPTE2084: "smpte2084",
    ColorTrc.SMPTE428: "smpte428",
    ColorTrc.ARIB_STD_B67: "arib-std-b67",
}
_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")
_DATE_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")  # Apple's keeps the local offset
_MAX_PACKETS_FOR_FIRST_FRAME = 600
# FFmpeg's AVColorSpace of a frame -> swscale's matrix constants (what VideoReformatter takes).
_MATRICES = {
    1: Colorspace.ITU709,
    4: Colorspace.FCC,
    5: Colorspace.ITU601,
    6: Colorspace.ITU601,
    7: Colorspace.SMPTE240M,
    9: Colorspace.BT2020,
    10: Colorspace.BT2020,
}


@dataclass(frozen=True)
class VideoProbe:
    width: int
    height: int
    format: str
    duration_ms: int | None
    video_codec: str | None
    audio_codec: str | None
    rotation: int
    fps: float | None
    bitrate: int | None
    pixel_format: str | None
    color_transfer: str | None
    make: str | None
    model: str | None
    latitude: float | None
    longitude: float | None
    altitude: float | None
    dates: tuple[tuple[str, str], ...]
    content_identifier: str | None = None  # Apple's, shared with the still of a live photo
    description: str | None = None  # QuickTime's (Apple's Keys description, else the ©des atom)
    warnings: tuple[str, ...] = ()


def clockwise(frame_rotation: int) -> int:
    return (-int(round(frame_rotation))) % 360


def _video_stream(container: InputContainer, max_pixels: int) -> VideoStream:
    if not container.streams.video:
        raise UnreadableMedia("the file has no video stream")
    streams = decodable(container.streams.video)
    if not streams:
        raise UnreadableMedia("the video stream's codec is unknown (no decoder for it)")
    stream = streams[0]
    # Checked before any frame is decoded: a decoder allocates width x height as the stream declares it.
    if stream.codec_context.width * stream.codec_context.height > max_pixels:
        raise UnreadableMedia(
            f"video frames too large to process safely: {stream.codec_context.width}x{stream.codec_context.height} "
            f"pixels is over the limit of {max_pixels}"
        )
    return stream


def _first_frame(container: InputContainer, stream: VideoStream) -> av.VideoFrame:
    try:
        for count, packet in enumerate(container.demux(stream)):
            for frame in packet.decode():
                return frame
            if count > _MAX_PACKETS_FOR_FIRST_FRAME:
                break
    except av.FFmpegError as error:
        raise UnreadableMedia(f"the video stream cannot be decoded: {ffmpeg_words(error)}") from error
    raise UnreadableMedia("the video stream has no decodable frame")


def _epoch_placeholder(text: str) -> bool:
    """Cameras without a clock write the container epoch (1904) or the Unix epoch as creation time."""
    return text.startswith(("1904-01-01", "1970-01-01", "0000"))


def probe_video(path: Path, *, max_pixels: int = 100_000_000) -> VideoProbe:
    if path.stat().st_size == 0:
        raise UnreadableMedia("the file is empty")
    sniffed = sniff(path)
    with open_video(path, probe_decoding=False) as container:
        stream = _video_stream(container, max_pixels)
        frame = _first_frame(container, stream)
        context = stream.codec_context
        duration = None
        if container.duration is not None:
            duration = int(container.duration / 1000)
        elif stream.duration is not None and stream.time_base is not None:
            duration = int(stream.duration * stream.time_base * 1000)
        audio = next((audio.codec_context.name for audio in decodable(container.streams.audio)), None)
        rate = stream.average_rate or stream.guessed_rate
        tags = {
            **{k.lower(): v for k, v in stream.metadata.items()},
            **{k.lower(): v for k, v in container.metadata.items()},
        }
        transfer = frame.color_trc if frame.color_trc != ColorTrc.UNSPECIFIED else context.color_trc
        location = _ISO6709.match(tags.get("com.apple.quicktime.location.iso6709") or tags.get("location") or "")
        latitude = longitude = altitude = None
        warnings = []
        if location:
            latitude, longitude = float(location[1]), float(location[2])
            altitude = float(location[3]) if location[3] else None
            if problem := gps_problem(latitude, longitude):
                warnings.append(f"QuickTime GPS position {problem}, ignored")
                latitude = longitude = altitude = None
        return VideoProbe(
            width=context.width or frame.width,
            height=context.height or frame.height,
            format=sniffed.format or (container.format.name.split(",")[0] if container.format else "video"),
            duration_ms=duration,
            video_codec=context.name,
            audio_codec=audio,
            rotation=clockwise(frame.rotation),
            fps=round(float(rate), 3) if rate else None,
            bitrate=container.bit_rate or None,
            pixel_format=context.pix_fmt or (frame.format.name if frame.format else None),
            color_transfer=_TRANSFER_NAMES.get(transfer),
            make=_first_text(tags, "com.apple.quicktime.make", "make", "com.android.manufacturer"),
            model=_first_text(tags, "com.apple.quicktime.model", "model", "com.android.model"),
            latitude=latitude,
            longitude=longitude,
            altitude=altitude,
            dates=tuple((key, tags[key]) for key in _DATE_KEYS if tags.get(key) and not _epoch_placeholder(tags[key])),
            content_identifier=tags.get("com.apple.quicktime.content.identifier") or None,
            description=_first_text(tags, "com.apple.quicktime.description", "description"),
            warnings=tuple(warnings),
        )


def _first_text(tags: dict[str, str], *keys: str) -> str | None:
    return next((text for key in keys if (text := clean_text(tags.get(key)))), None)


def _luma_spread(frame: av.VideoFrame) -> float:
    """Standard deviation of a 64x36 grey version: near 0 for black, white or flat frames (fades, lens caps)."""
    small = frame.reformat(width=64, height=36, format="gray")
    plane = np.frombuffer(bytes(small.planes[0]), dtype=np.uint8).reshape(36, -1)[:, :64]
    return float(plane.std())


def _to_vips(frame: av.VideoFrame, target_short_side: int | None) -> pyvips.Image:
    """The frame as an sRGB libvips image, scaled (never up) so its shorter side is the target, not yet rotated."""
    width, height = frame.width, frame.height
    scale = 1.0
    if target_short_side and min(width, height) > target_short_side:
        scale = target_short_side / min(width, height)
    out_w, out_h = max(1, round(width * scale)), max(1, round(height * scale))
    # Untagged HD video is BT.709 and SD BT.601, as players assume; swscale would otherwise always use BT.601.
    matrix = _MATRICES.get(int(frame.colorspace)) or (Colorspace.ITU709 if height >= 720 else Colorspace.ITU601)
    rgb = VideoReformatter().reformat(
        frame,
        width=out_w,
        height=out_h,
        format="rgb24",
        src_colorspace=matrix,
        dst_colorspace=matrix,
        src_color_range=int(frame.color_range) or ColorRange.MPEG,
        dst_color_range=ColorRange.JPEG,
        # Full chroma interpolation as Immich asks of ffmpeg, but not accurate_rnd: exact rounding takes swscale
        # off its SIMD path (8x the time for a 1080p frame) for differences of one level at most.
        interpolation=Interpolation.LANCZOS | Interpolation.FULL_CHR_H_INT,
        threads=1,
    )
    pixels = np.ascontiguousarray(rgb.to_ndarray())
    # libvips keeps a reference to the buffer, so the array's memory is used as it is, without a copy.
    return pyvips.Image.new_from_memory(pixels.data, out_w, out_h, 3, "uchar").copy(interpretation="srgb")


def grab_still(
    path: Path,
    *,
    target_short_side: int | None,
    seek_seconds: float = 3.0,
    spread_threshold: float = 12.0,
    max_pixels: int = 100_000_000,
) -> tuple[pyvips.Image, list[str]]:
    """A representative, upright frame from the first `seek_seconds`: the first whose luma spread exceeds the
    threshold (skipping black intros and flat frames), else the most detailed one seen."""
    warnings: list[str] = []
    if path.stat().st_size == 0:
        raise UnreadableMedia("the file is empty")
    with open_video(path, probe_decoding=False) as container:
        stream = _video_stream(container, max_pixels)
        best, best_spread = None, -1.0
        try:
            for frame in container.decode(stream):
                spread = _luma_spread(frame)
                if spread > best_spread:
                    best, best_spread = frame, spread
                if spread >= spread_threshold:
                    break
                if frame.time is not None and frame.time > seek_seconds:
                    break
        except av.FFmpegError as error:
            if best is None:
                raise UnreadableMedia(f"the video stream cannot be decoded: {ffmpeg_words(error)}") from error
            warnings.append(f"decoding stopped early: {ffmpeg_words(error)}")
        if best is None:
            raise UnreadableMedia("the video stream has no decodable frame")
        if best_spread < spread_threshold:
            warnings.append("no detailed frame in the first seconds; used the most detailed one")
        if best.color_trc in (ColorTrc.SMPTE2084, ColorTrc.ARIB_STD_B67):
            warnings.append(f"HDR video ({_TRANSFER_NAMES[best.color_trc]}): still converted without tone mapping")
        image = _to_vips(best, target_short_side)
        turn = clockwise(best.rotation)
    if turn:
        image = image.rot({90: "d90", 180: "d180", 270: "d270"}[turn])
    return image, warnings

"""What the transcoding decision needs to know about a video file, read with PyAV. Pure: paths in, a frozen
summary out (no ORM, no settings). The summary round-trips through JSON so the server can keep it per asset
and answer a dry run without opening the files again."""

from __future__ import annotations

import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
from av.container import InputContainer
from av.video.stream import VideoStream

from workers.media.demux import decodable, ffmpeg_words, open_video
from workers.media.errors import UnreadableMedia

# AVColorTransferCharacteristic / AVColorPrimaries / AVColorSpace values, named as ffprobe names them.
TRANSFERS = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    9: "log100",
    10: "log316",
    11: "iec61966-2-4",
    12: "bt1361e",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    17: "smpte428",
    18: "arib-std-b67",
}
PRIMARIES = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "film",
    9: "bt2020",
    10: "smpte428",
    11: "smpte431",
    12: "smpte432",
    22: "ebu3213",
}
SPACES = {
    0: "gbr",
    1: "bt709",
    4: "fcc",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "ycgco",
    9: "bt2020nc",
    10: "bt2020c",
}
HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
_QUICKTIME_FAMILY = {"mov", "mp4"}


class UnreadableVideo(Exception):
    """The file cannot be used as a video; the message says why in words."""


@dataclass(frozen=True)
class VideoStreamInfo:
    index: int
    codec: str  # ffprobe's codec_name: h264, hevc, vp9, av1, mpeg4...
    width: int  # as stored (before the display rotation)
    height: int
    pix_fmt: str
    bit_depth: int
    color_transfer: str | None = None
    color_primaries: str | None = None
    color_space: str | None = None
    bitrate: int | None = None  # bit/s of the video stream (estimated from the file when the container has none)
    fps: float | None = None
    rotation: int = 0  # degrees counter-clockwise, from the display matrix

    @property
    def hdr(self) -> str | None:
        """ "PQ" or "HLG" for HDR transfers, else None."""
        return HDR_TRANSFERS.get(self.color_transfer or "")

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    channels: int
    sample_rate: int
    bitrate: int | None = None


@dataclass(frozen=True)
class ProbeSummary:
    container: str  # Immich's name: mov for QuickTime/MP4, webm for Matroska/WebM, else the format name
    format_name: str
    size_bytes: int
    duration_s: float | None
    bitrate: int | None  # overall bit/s
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    faststart: bool | None = None  # QuickTime family: is the index (moov) before the media data?
    brand: str | None = None  # QuickTime family: the ftyp box's major brand ("qt  " QuickTime, "isom" MP4, ...)

    @property
    def container_label(self) -> str:
        """The container as people name the file: MP4 or QuickTime MOV (Immich's settings call both "mov")."""
        if self.container != "mov" or self.brand is None:
            return self.container
        return "QuickTime MOV" if self.brand.strip() == "qt" else "MP4 (Immich's container mov)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeSummary:
        video = data.get("video")
        audio = data.get("audio")
        return cls(
            **{key: value for key, value in data.items() if key not in ("video", "audio")},
            video=VideoStreamInfo(**video) if video else None,
            audio=AudioStreamInfo(**audio) if audio else None,
        )


def container_name(format_name: str, long_name: str) -> str:
    """The reference's rule: "QuickTime / MOV" -> mov, "Matroska / WebM" -> webm, otherwise the format name."""
    if long_name == "QuickTime / MOV":
        return "mov"
    if long_name == "Matroska / WebM":
        return "webm"
    return format_name.split(",")[0]


def major_brand(path: Path) -> str | None:
    """The major brand of an MP4/MOV's leading ftyp box; None without one (old QuickTime files have none)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return None
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    return head[8:12].decode("latin-1")


def moov_before_mdat(path: Path) -> bool | None:
    """Walk the top-level boxes of an MP4/MOV: True when the index comes first (plays while downloading)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            offset = 0
            while offset + 8 <= size:
                handle.seek(offset)
                header = handle.read(16)
                if len(header) < 8:
                    return None
                length, kind = struct.unpack(">I4s", header[:8])
                if length == 1 and len(header) == 16:
                    length = struct.unpack(">Q", header[8:16])[0]
                elif length == 0:
                    length = size - offset
                if kind == b"moov":
                    return True
                if kind == b"mdat":
                    return False
                if length < 8:
                    return None
                offset += length
    except OSError:
        return None
    return None


def _bit_depth(pix_fmt: str) -> int:
    try:
        return max(component.bits for component in av.VideoFormat(pix_fmt).components)
    except (ValueError, TypeError):
        return 8


def _first_frame_rotation(container: InputContainer, stream: VideoStream) -> int:
    """The display rotation the decoder attaches to frames (PyAV exposes it there, not on the stream)."""
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation or 0))
    except (av.FFmpegError, ValueError):
        return 0
    return 0


def _video_info(
    container: InputContainer,
    stream: VideoStream,
    duration_s: float | None,
    total_bitrate: int | None,
    audio_bitrate: int | None,
    size: int,
) -> VideoStreamInfo:
    context = stream.codec_context
    if not context.width or not context.height:
        raise UnreadableVideo("the video stream has no dimensions (0x0)")
    pix_fmt = context.pix_fmt or (context.format.name if context.format else "") or "unknown"
    bitrate = context.bit_rate or stream.bit_rate or None
    if not bitrate:
        overall = total_bitrate or (int(size * 8 / duration_s) if duration_s else None)
        bitrate = max(overall - (audio_bitrate or 0), 0) if overall else None
    rate = stream.average_rate or stream.guessed_rate
    return VideoStreamInfo(
        index=stream.index,
        codec=stream.codec.canonical_name if stream.codec else context.name,
        width=context.width,
        height=context.height,
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        color_transfer=TRANSFERS.get(context.color_trc),
        color_primaries=PRIMARIES.get(context.color_primaries),
        color_space=SPACES.get(context.colorspace),
        bitrate=int(bitrate) if bitrate else None,
        fps=round(float(rate), 3) if rate else None,
        rotation=_first_frame_rotation(container, stream),
    )


def probe(path: Path) -> ProbeSummary:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableVideo("the file is empty")
    try:
        with open_video(path) as container:
            fmt = container.format
            name = container_name(fmt.name, fmt.long_name)
            duration_s = container.duration / 1_000_000 if container.duration else None
            audio_streams = [s for s in decodable(container.streams.audio) if s.codec_context.channels]
            audio = None
            if audio_streams:
                stream = audio_streams[0]
                audio = AudioStreamInfo(
                    index=stream.index,
                    codec=stream.codec.canonical_name if stream.codec else stream.codec_context.name,
                    channels=stream.codec_context.channels,
                    sample_rate=stream.codec_context.sample_rate,
                    bitrate=stream.codec_context.bit_rate or None,
                )
            video = None
            if streams := decodable(container.streams.video):
                audio_bitrate = audio.bitrate if audio else None
                video = _video_info(container, streams[0], duration_s, container.bit_rate, audio_bitrate, size)
            return ProbeSummary(
                container=name,
                format_name=fmt.name,
                size_bytes=size,
                duration_s=round(duration_s, 3) if duration_s else None,
                bitrate=container.bit_rate or None,
                video=video,
                audio=audio,
                faststart=moov_before_mdat(path) if name in _QUICKTIME_FAMILY else None,
                brand=major_brand(path) if name in _QUICKTIME_FAMILY else None,
            )
    except UnreadableMedia as error:
        raise UnreadableVideo(str(error)) from error
    except av.FFmpegError as error:
        raise UnreadableVideo(f"not a readable video: {ffmpeg_words(error)}") from error

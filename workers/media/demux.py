"""Opening an uploaded video with FFmpeg (PyAV), and saying in words why one cannot be opened.

FFmpeg picks one of its few hundred demuxers by probing the content, whatever the file is called. Some of them open
other files or URLs (HLS playlists, concat scripts), others read pictures or text as video. An upload named .mp4
can hold any of them, so the choice is limited to the containers of the accepted video extensions before FFmpeg
reads a byte, only the file protocol may be opened, and a picture is refused before FFmpeg sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import av
from av.container import InputContainer
from av.stream import Stream

from workers.media.errors import UnreadableMedia
from workers.media.formats import sniff, truncation_problem

# FFmpeg's names of the demuxers behind VIDEO_EXTENSIONS (assets/media_types.py): QuickTime/MP4/3GP, Matroska/WebM,
# AVI, MPEG transport (.ts .mts .m2ts) and program streams (.mpg .vob), raw MPEG-1/2 and MPEG-4 video, ASF (.wmv),
# FLV and MXF.
ALLOWED_DEMUXERS = ("mov", "matroska", "avi", "mpegts", "mpeg", "mpegvideo", "m4v", "asf", "flv", "mxf")
_OPTIONS = {"format_whitelist": ",".join(ALLOWED_DEMUXERS), "protocol_whitelist": "file"}
# Stream probing decodes a frame of each stream to learn what most containers already say (the pixel format,
# mostly): ~45 ms for a 1080p H.264 keyframe, a third of a video still's time. With this the probe's decoders skip
# every frame; the streams' own decoders, opened later, do not inherit it.
_NO_PROBE_DECODING = {"skip_frame": "all"}

AnyStream = TypeVar("AnyStream", bound=Stream)


def open_input(path: Path, *, probe_decoding: bool = True) -> InputContainer:
    """av.open for reading an untrusted file with the allowed demuxers only; raises av.FFmpegError as av.open does
    (EINVAL when no allowed demuxer recognises the content). Without probe_decoding the streams' properties are only
    what the container and the codec parsers tell (no colour properties, often no pixel format) until a frame is
    decoded."""
    return av.open(
        str(path),
        metadata_errors="ignore",
        container_options=dict(_OPTIONS),
        options={} if probe_decoding else dict(_NO_PROBE_DECODING),
    )


def open_video(path: Path, *, probe_decoding: bool = True) -> InputContainer:
    """open_input, raising UnreadableMedia with the reason in words: what the file really is, a truncation (also
    when FFmpeg opens what is left but finds no video in it), or FFmpeg's own words without its error number and
    the file's path."""
    sniffed = sniff(path)
    if sniffed.kind == "image":
        raise UnreadableMedia(f"this is an image ({sniffed.format}), not a video")
    try:
        container = open_input(path, probe_decoding=probe_decoding)
    except av.FFmpegError as error:
        if sniffed.kind != "video":
            reason = "not a recognised video format"
        else:
            reason = truncation_problem(path, sniffed) or ffmpeg_words(error)
        raise UnreadableMedia(f"not a readable video: {reason}") from error
    if not container.streams.video and (problem := truncation_problem(path, sniffed)):
        container.close()
        raise UnreadableMedia(f"not a readable video: {problem}")
    return container


def decodable(streams: Iterable[AnyStream]) -> list[AnyStream]:
    """The streams FFmpeg has a decoder for: PyAV gives a stream of an unknown codec no codec context at all."""
    return [stream for stream in streams if stream.codec_context is not None]


def ffmpeg_words(error: av.FFmpegError) -> str:
    """ "Invalid data found when processing input" rather than "[Errno 1094995529] Invalid data ...: '/media/...'"."""
    return error.strerror or type(error).__name__

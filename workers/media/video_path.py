"""The video path of an encode: decoded frames -> libavfilter's graph (scale, tone-map HDR, convert) -> the encoder,
with the timestamps passed through; how the decoder and the encoder are set up for a plan. Pure (no ORM, no
settings)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from typing import cast

import av
from av.container import InputContainer
from av.packet import Packet
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream

from workers.media import tonemap as tonemapping
from workers.media.transcode import VideoPlan

# Frame-threaded decoding holds pictures per thread: past 1080p the thread count is capped so a 4K clip stays
# under 500 MB on a many-core worker (measured on 4K 10-bit HEVC: 6 threads peaked at 417 MB, 4 at 340 MB).
LARGE_FRAME_PIXELS = 2_500_000
LARGE_FRAME_DECODE_THREADS = 4
NO_MORE = (av.error.BlockingIOError, av.error.EOFError)


def _graph(frame: av.VideoFrame, plan: VideoPlan, time_base: Fraction | None, threads: int) -> av.filter.Graph | None:
    """scale to the planned size (and tone-map HDR) inside libavfilter; None when the frame needs nothing."""
    same_size = (frame.width, frame.height) == (plan.width, plan.height)
    if same_size and not plan.tonemap and frame.format.name == "yuv420p":
        return None
    graph = av.filter.Graph()
    graph.threads = threads
    source = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format, time_base=time_base)
    size = {"w": str(plan.width), "h": str(plan.height), "flags": "bicubic"}
    if plan.tonemap:
        assert plan.hdr, "the plan tone-maps HDR sources only"
        cube = tonemapping.cube_file(transfer=plan.hdr, algorithm=plan.tonemap)
        chain = [
            graph.add("scale", **size, in_color_matrix="bt2020"),
            graph.add("format", pix_fmts="gbrp16le"),
            graph.add("lut3d", file=str(cube), interp="tetrahedral"),
            graph.add("setparams", color_primaries="bt709", color_trc="bt709", colorspace="bt709"),
            graph.add("scale", out_color_matrix="bt709", out_range="tv"),
            graph.add("format", pix_fmts="yuv420p"),
        ]
    else:
        chain = [graph.add("scale", **size), graph.add("format", pix_fmts="yuv420p")]
    sink = graph.add("buffersink")
    graph.link_nodes(source, *chain, sink)
    graph.configure()
    return graph


class VideoPath:
    """Decoded frames -> (graph) -> encoder, with the timestamps passed through (variable frame rates stay)."""

    def __init__(self, source: VideoStream, encoder: VideoCodecContext, plan: VideoPlan) -> None:
        self.source, self.encoder, self.plan = source, encoder, plan
        self.graph: av.filter.Graph | None = None
        self.graph_key: tuple[int, int, str] | None = None
        self.last_pts: int | None = None
        self.frames = self.dropped = 0
        self.threads = plan.threads or min(os.cpu_count() or 1, 8)
        rate = source.average_rate or source.guessed_rate or Fraction(30)
        self.tick = max(int(1 / (rate * source.time_base)), 1) if source.time_base else 1

    def _filtered(self, frame: av.VideoFrame | None) -> Iterator[av.VideoFrame]:
        if frame is not None:
            key = (frame.width, frame.height, frame.format.name)
            if key != self.graph_key:  # first frame, or the stream changed size mid-way
                yield from self._drain(None)
                self.graph, self.graph_key = _graph(frame, self.plan, self.source.time_base, self.threads), key
            if self.graph is None:
                yield frame
                return
        yield from self._drain(frame)

    def _drain(self, frame: av.VideoFrame | None) -> Iterator[av.VideoFrame]:
        if self.graph is None:
            return
        self.graph.push(frame)
        while True:
            try:
                yield cast(av.VideoFrame, self.graph.pull())  # a video graph gives video frames
            except NO_MORE:
                return

    def encode(self, frame: av.VideoFrame | None) -> list[Packet[Stream]]:
        packets: list[Packet[Stream]] = []
        for out in self._filtered(frame):
            pts = out.pts if out.pts is not None else (self.last_pts + self.tick if self.last_pts is not None else 0)
            if self.last_pts is not None and pts <= self.last_pts:
                self.dropped += 1  # duplicate or backwards timestamp: the encoder would refuse it
                continue
            self.last_pts = out.pts = pts
            out.time_base = self.source.time_base
            out.pict_type = av.video.frame.PictureType.NONE
            self.frames += 1
            packets.extend(self.encoder.encode(out))
        if frame is None:
            packets.extend(self.encoder.encode(None))
        return packets


def decode_threads(stream: VideoStream, plan: VideoPlan) -> int:
    """The configured thread count, else libav's automatic one, capped for large frames (memory)."""
    if plan.threads:
        return plan.threads
    context = stream.codec_context
    if context.width * context.height > LARGE_FRAME_PIXELS:
        return min(os.cpu_count() or 1, LARGE_FRAME_DECODE_THREADS)
    return 0


def configure_video(context: VideoCodecContext, source: VideoStream, plan: VideoPlan) -> None:
    context.width, context.height, context.pix_fmt = plan.width, plan.height, "yuv420p"
    context.time_base = time_base(source)
    rate = source.average_rate or source.guessed_rate
    if rate:
        context.framerate = rate
    if source.sample_aspect_ratio:
        context.sample_aspect_ratio = source.sample_aspect_ratio
    context.thread_count = plan.threads
    if plan.tonemap:
        context.color_primaries = context.color_trc = context.colorspace = 1  # BT.709
        context.color_range = 1  # limited (TV)
    else:
        original = source.codec_context
        context.color_primaries, context.color_trc = original.color_primaries, original.color_trc
        context.colorspace, context.color_range = original.colorspace, original.color_range


def time_base(stream: Stream) -> Fraction:
    return cast(Fraction, stream.time_base)  # libavformat gives every stream it opens one (the stub allows None)


def planned_video(container: InputContainer, plan: VideoPlan) -> VideoStream:
    return cast(VideoStream, container.streams[plan.index])  # the plan chose a video stream

"""Writing the playable copy with PyAV: decode, scale / tone-map / convert inside libavfilter's graph, encode,
mux into a fast-start MP4 (index first, so players start before the download ends). Streams that need no change
are copied packet for packet (remux). Pure: paths and a plan in, a file and a result out (no ORM, no settings).

The file is written under a temporary name in the output's folder and renamed into place; a failure or a timeout
leaves nothing behind. A result identical to the original is not kept."""

from __future__ import annotations

import filecmp
import logging
import math
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar, cast

import av
from av.audio.codeccontext import AudioCodecContext
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from av.codec.context import ThreadType
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream

from workers.media import fs
from workers.media import tonemap as tonemapping
from workers.media.demux import open_input
from workers.media.errors import out_of_space
from workers.media.transcode import AUDIO_ENCODERS, HW_CODECS, PRESETS, VIDEO_ENCODERS, AudioPlan, EncodePlan, VideoPlan

logger = logging.getLogger(__name__)

AUDIO_BITRATE = 128_000
# Frames a libav decoder may reject before the file counts as unusable rather than damaged in places.
MAX_DAMAGED_SHARE = 0.5
_TWO_PASS_ENCODERS = ("libx264", "libx265")
# Frame-threaded decoding holds pictures per thread: past 1080p the thread count is capped so a 4K clip stays
# under 500 MB on a many-core worker (measured on 4K 10-bit HEVC: 6 threads peaked at 417 MB, 4 at 340 MB).
LARGE_FRAME_PIXELS = 2_500_000
LARGE_FRAME_DECODE_THREADS = 4
_NO_MORE = (av.error.BlockingIOError, av.error.EOFError)


class TranscodeFailed(Exception):
    """The file cannot be transcoded; the message says why in words (a permanent failure)."""


class TranscodeTimeout(TranscodeFailed):
    pass


@dataclass(frozen=True)
class EncodeResult:
    stored: bool  # False when the output was byte-identical to the original (then nothing is kept)
    output_size: int
    video_encoder: str  # an encoder name, or "copy"
    audio_encoder: str | None  # None when the video has no audio
    frames: int
    seconds: float
    notes: tuple[str, ...] = field(default=())


# -- capabilities -------------------------------------------------------------------------------------------------


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


# -- the video path -----------------------------------------------------------------------------------------------


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


class _VideoPath:
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
            except _NO_MORE:
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


def _configure_video(context: VideoCodecContext, source: VideoStream, plan: VideoPlan) -> None:
    context.width, context.height, context.pix_fmt = plan.width, plan.height, "yuv420p"
    context.time_base = _time_base(source)
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


def _choose_encoder(plan: VideoPlan, notes: list[str]) -> str:
    for position, name in enumerate(plan.encoders):
        problem = encoder_problem(name)
        if problem is None:
            return name
        following = plan.encoders[position + 1] if position + 1 < len(plan.encoders) else None
        notes.append(
            f"{name} could not start ({problem})" + (f": encoded with {following} instead" if following else "")
        )
    raise TranscodeFailed(f"no usable {plan.codec} encoder: " + "; ".join(notes))


def _time_base(stream: Stream) -> Fraction:
    return cast(Fraction, stream.time_base)  # libavformat gives every stream it opens one (the stub allows None)


def _video_in(container: InputContainer, plan: VideoPlan) -> VideoStream:
    return cast(VideoStream, container.streams[plan.index])  # the plan chose a video stream


def _first_pass(source: Path, plan: VideoPlan, name: str, stats: Path, deadline: _Deadline) -> None:
    """Two-pass, pass 1: analyse the video into the stats file; the packets are thrown away."""
    with open_input(source) as container:
        stream = _video_in(container, plan)
        stream.thread_type = ThreadType.AUTO
        stream.codec_context.thread_count = decode_threads(stream, plan)
        encoder = cast(VideoCodecContext, av.CodecContext.create(name, "w"))  # the plan's encoders are video ones
        _configure_video(encoder, stream, plan)
        encoder.options = video_options(name, plan, pass_number=1, stats=stats)
        if name == "libx264":
            encoder.flags |= av.codec.context.Flags.pass1
        path = _VideoPath(stream, encoder, plan)
        damaged = [0]
        for packet in _packets(container, [stream], deadline, [], damaged):
            if packet.size == 0:
                continue
            for frame in _decode(stream, packet, damaged):
                path.encode(frame)
        for frame in _decode(stream, None, damaged):
            path.encode(frame)
        path.encode(None)


# -- the audio path ----------------------------------------------------------------------------------------------


def _audio_stream(
    output: OutputContainer, plan: AudioPlan, notes: list[str]
) -> tuple[AudioStream, str, AudioResampler]:
    for name in plan.encoders:
        problem = encoder_problem(name)
        if problem:
            notes.append(f"{name} could not start ({problem})")
            continue
        stream = cast(AudioStream, output.add_stream(name, rate=plan.sample_rate))  # the plan's encoders are audio ones
        context = stream.codec_context
        context.layout = "stereo"
        formats = [f.name for f in av.Codec(name, "w").audio_formats or ()]
        context.format = "fltp" if "fltp" in formats or not formats else formats[0]
        context.time_base = Fraction(1, plan.sample_rate)
        if not name.startswith("pcm_"):
            context.bit_rate = AUDIO_BITRATE
        context.open()
        resampler = AudioResampler(
            format=context.format.name, layout="stereo", rate=plan.sample_rate, frame_size=context.frame_size or None
        )
        return stream, name, resampler
    raise TranscodeFailed(f"no usable {plan.codec} encoder: " + "; ".join(notes))


# -- the loop ----------------------------------------------------------------------------------------------------


class _Deadline:
    def __init__(self, limit_s: float | None) -> None:
        self.limit_s = limit_s
        self.end = time.monotonic() + limit_s if limit_s else None

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise TranscodeTimeout(f"stopped after {self.limit_s:.0f} s, the time limit for this video")


def _packets(
    container: InputContainer, streams: Sequence[Stream], deadline: _Deadline, notes: list[str], damaged: list[int]
) -> Iterator[Packet[Stream]]:
    """Demux, stopping (with a note) where a damaged or truncated file can no longer be read."""
    iterator = container.demux(*streams)
    while True:
        deadline.check()
        try:
            packet = next(iterator)
        except StopIteration:
            return
        except (av.error.InvalidDataError, av.error.EOFError, OSError) as error:
            damaged[0] += 1
            notes.append(f"the file could not be read to the end ({error}): the output stops there")
            return
        yield packet


class _DamagedUnderThreads(Exception):
    """Packets were rejected while frames were decoded on several threads: which frames survive damage then depends
    on the threads' timing, so the same file could come out best effort on one run and too damaged on the next."""


_Frame = TypeVar("_Frame")


class _Decoder(Protocol[_Frame]):
    def decode(self, packet: Packet[Stream] | None = None) -> list[_Frame]: ...


def _decode(stream: _Decoder[_Frame], packet: Packet[Stream] | None, damaged: list[int]) -> list[_Frame]:
    try:
        return stream.decode(packet)
    except av.error.InvalidDataError:
        damaged[0] += 1
        return []


def _copy(packet: Packet[Stream], target: Stream) -> Packet[Stream]:
    if packet.pts is None:
        packet.pts = packet.dts
    packet.stream = target
    return packet


def _encode_to(
    source: Path, temp: Path, plan: EncodePlan, deadline: _Deadline, stats: Path, *, one_decode_thread: bool = False
) -> tuple[str, str | None, int, list[str]]:
    notes: list[str] = []
    video_name = "copy"
    if not plan.video.copy:
        video_name = _choose_encoder(plan.video, notes)
        if plan.video.two_pass and video_name not in _TWO_PASS_ENCODERS:
            notes.append(f"two-pass is not available with {video_name} here: one pass with the bitrate cap")
        elif plan.video.two_pass:
            _first_pass(source, plan.video, video_name, stats, deadline)
    with (
        open_input(source) as container,
        av.open(str(temp), "w", format="mp4", options={"movflags": "+faststart"}) as output,
    ):
        video_in = _video_in(container, plan.video)
        audio_in = cast(AudioStream, container.streams[plan.audio.index]) if plan.audio else None  # the plan's choice
        if plan.video.copy:
            video_out = output.add_stream_from_template(video_in)
            path = None
        else:
            video_in.thread_type = ThreadType.AUTO
            video_in.codec_context.thread_count = 1 if one_decode_thread else decode_threads(video_in, plan.video)
            rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
            video_out = cast(VideoStream, output.add_stream(video_name, rate=rate))  # the plan's encoder is a video one
            _configure_video(video_out.codec_context, video_in, plan.video)
            two_pass = plan.video.two_pass and video_name in _TWO_PASS_ENCODERS
            video_out.codec_context.options = video_options(
                video_name, plan.video, pass_number=2 if two_pass else 0, stats=stats
            )
            if two_pass and video_name == "libx264":
                video_out.codec_context.flags |= av.codec.context.Flags.pass2
            path = _VideoPath(video_in, video_out.codec_context, plan.video)
        if plan.video.codec == "hevc":
            video_out.codec_tag = "hvc1"  # what Apple players want
        if plan.video.rotation:
            video_out.set_display_rotation(plan.video.rotation)
        audio_name: str | None = None
        audio_out: AudioStream | None = None
        resampler: AudioResampler | None = None
        if plan.audio and audio_in is not None and plan.audio.copy:
            audio_out, audio_name = output.add_stream_from_template(audio_in), "copy"
        elif plan.audio:
            audio_out, audio_name, resampler = _audio_stream(output, plan.audio, notes)

        damaged = [0]  # video packets the decoder rejected (and a read error, if the file ends badly)
        audio_damaged = [0]
        streams = [video_in] + ([audio_in] if audio_in is not None else [])
        for packet in _packets(container, streams, deadline, notes, damaged):
            if packet.size == 0:  # the demuxer's end-of-stream marker: decoders are flushed below
                continue
            if packet.stream is video_in:
                if path is None:
                    output.mux(_copy(packet, video_out))
                else:
                    for frame in _decode(video_in, packet, damaged):
                        output.mux(path.encode(frame))
            else:
                assert audio_in is not None and audio_out is not None, "only the video and the planned audio are read"
                if resampler is None:
                    output.mux(_copy(packet, audio_out))
                else:
                    for audio_frame in _decode(audio_in, packet, audio_damaged):
                        for resampled in resampler.resample(audio_frame):
                            output.mux(audio_out.encode(resampled))
        if path is not None:
            for frame in _decode(video_in, None, damaged):
                output.mux(path.encode(frame))
            output.mux(path.encode(None))
        if resampler is not None and audio_out is not None:
            for resampled in resampler.resample(None):
                output.mux(audio_out.encode(resampled))
            output.mux(audio_out.encode(None))
        if damaged[0] and path is not None and video_in.codec_context.thread_count != 1:
            raise _DamagedUnderThreads()
        frames = path.frames if path else video_in.frames
        if path is not None and path.frames == 0:
            raise TranscodeFailed("no frame of the video could be decoded")
        if path is not None and damaged[0] > MAX_DAMAGED_SHARE * max(path.frames + damaged[0], 1) and damaged[0] > 2:
            raise TranscodeFailed(f"too damaged: {damaged[0]} packets could not be decoded, {path.frames} frames could")
        if path is not None and path.last_pts is not None and container.duration:
            expected, reached = container.duration / 1_000_000, float(path.last_pts * _time_base(video_in))
            if reached < expected * 0.9 - 1 / float(video_in.average_rate or 30):
                notes.append(
                    f"best effort: only {reached:.1f} s of {expected:.1f} s could be read (truncated or damaged)"
                )
        if damaged[0]:
            notes.append(f"best effort: {damaged[0]} damaged video packet(s) skipped")
        if audio_damaged[0]:
            notes.append(f"best effort: {audio_damaged[0]} damaged audio packet(s) skipped")
        if path is not None and path.dropped:
            notes.append(f"{path.dropped} frame(s) with repeated or backwards timestamps dropped")
    return video_name, audio_name, frames, notes


def encode(source: Path, output: Path, plan: EncodePlan, *, time_limit_s: float | None = None) -> EncodeResult:
    """Write `output` (an MP4) for the plan; raises TranscodeFailed (or TranscodeTimeout) with the reason."""
    started = time.monotonic()
    output.parent.mkdir(parents=True, exist_ok=True)
    for stale in output.parent.glob(f".{output.name}.*"):  # left by a worker killed mid-encode (one runs per asset)
        stale.unlink(missing_ok=True)
    token = uuid.uuid4().hex[:8]
    stats = output.with_name(f".{output.name}.{token}.passlog")
    try:
        with fs.write_then_replace(output, token=token) as temp:
            deadline = _Deadline(time_limit_s)
            try:
                try:
                    video_name, audio_name, frames, notes = _encode_to(source, temp, plan, deadline, stats)
                except _DamagedUnderThreads:
                    # Damaged files are rare: decoding one again on a single thread gives the same outcome every time.
                    video_name, audio_name, frames, notes = _encode_to(
                        source, temp, plan, deadline, stats, one_decode_thread=True
                    )
            except av.FFmpegError as error:
                if out_of_space(error):
                    raise  # not the video's fault: the step is retried once space is freed
                raise TranscodeFailed(f"libav could not transcode the file: {error}") from error
            size = temp.stat().st_size
            if size == source.stat().st_size and filecmp.cmp(source, temp, shallow=False):
                temp.unlink()  # nothing replaces the output
                return EncodeResult(
                    False,
                    0,
                    video_name,
                    audio_name,
                    frames,
                    time.monotonic() - started,
                    (*plan.notes, *notes, "the result was identical to the original: not stored"),
                )
    finally:
        for leftover in (
            stats,
            Path(f"{stats}.mbtree"),
            Path(f"{stats}.temp"),
            Path(f"{stats}.mbtree.temp"),
            Path(f"{stats}.cutree"),
        ):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass
    return EncodeResult(True, size, video_name, audio_name, frames, time.monotonic() - started, (*plan.notes, *notes))

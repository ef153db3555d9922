"""Writing the playable copy with PyAV: decode, scale / tone-map / convert inside libavfilter's graph, encode,
mux into a fast-start MP4 (index first, so players start before the download ends). Streams that need no change
are copied packet for packet (remux). Pure: paths and a plan in, a file and a result out (no ORM, no settings).
The encoders and their options are `encoders`', the video's filter graph and stream setup `video_path`'s.

The file is written under a temporary name in the output's folder and renamed into place; a failure or a timeout
leaves nothing behind. A result identical to the original is not kept."""

from __future__ import annotations

import filecmp
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol, TypeVar, cast

import av
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from av.codec.context import ThreadType
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream

from workers.media import fs
from workers.media.demux import open_input
from workers.media.encoders import TWO_PASS_ENCODERS, encoder_problem, video_options
from workers.media.errors import out_of_space
from workers.media.transcode import AudioPlan, EncodePlan, VideoPlan
from workers.media.video_path import VideoPath, configure_video, decode_threads, planned_video, time_base

logger = logging.getLogger(__name__)

AUDIO_BITRATE = 128_000
# Frames a libav decoder may reject before the file counts as unusable rather than damaged in places.
MAX_DAMAGED_SHARE = 0.5


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


# -- the video ---------------------------------------------------------------------------------------------------


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


def _first_pass(source: Path, plan: VideoPlan, name: str, stats: Path, deadline: _Deadline) -> None:
    """Two-pass, pass 1: analyse the video into the stats file; the packets are thrown away."""
    with open_input(source) as container:
        stream = planned_video(container, plan)
        stream.thread_type = ThreadType.AUTO
        stream.codec_context.thread_count = decode_threads(stream, plan)
        encoder = cast(VideoCodecContext, av.CodecContext.create(name, "w"))  # the plan's encoders are video ones
        configure_video(encoder, stream, plan)
        encoder.options = video_options(name, plan, pass_number=1, stats=stats)
        if name == "libx264":
            encoder.flags |= av.codec.context.Flags.pass1
        path = VideoPath(stream, encoder, plan)
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
        if plan.video.two_pass and video_name not in TWO_PASS_ENCODERS:
            notes.append(f"two-pass is not available with {video_name} here: one pass with the bitrate cap")
        elif plan.video.two_pass:
            _first_pass(source, plan.video, video_name, stats, deadline)
    with (
        open_input(source) as container,
        av.open(str(temp), "w", format="mp4", options={"movflags": "+faststart"}) as output,
    ):
        video_in = planned_video(container, plan.video)
        audio_in = cast(AudioStream, container.streams[plan.audio.index]) if plan.audio else None  # the plan's choice
        if plan.video.copy:
            video_out = output.add_stream_from_template(video_in)
            path = None
        else:
            video_in.thread_type = ThreadType.AUTO
            video_in.codec_context.thread_count = 1 if one_decode_thread else decode_threads(video_in, plan.video)
            rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
            video_out = cast(VideoStream, output.add_stream(video_name, rate=rate))  # the plan's encoder is a video one
            configure_video(video_out.codec_context, video_in, plan.video)
            two_pass = plan.video.two_pass and video_name in TWO_PASS_ENCODERS
            video_out.codec_context.options = video_options(
                video_name, plan.video, pass_number=2 if two_pass else 0, stats=stats
            )
            if two_pass and video_name == "libx264":
                video_out.codec_context.flags |= av.codec.context.Flags.pass2
            path = VideoPath(video_in, video_out.codec_context, plan.video)
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
            expected, reached = container.duration / 1_000_000, float(path.last_pts * time_base(video_in))
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

"""Transcoding benchmark: the PyAV encoder against the ffmpeg command-line tool on the same file, same settings.

Targets (issue 5; ratios measured in one run, not timed tests):
  * transcoding a 1080p30 H.264 clip to 720p H.264 CRF 23 ultrafast with AAC takes at most 1.05x the time of
    `ffmpeg` (Debian's) with the same settings on the same file;
  * the worker's peak memory stays under 500 MB on a 4K clip.

Run from the repository root (needs `ffmpeg` on PATH for the comparison: `apt-get install ffmpeg`):

    .venv/bin/python bench/transcode.py [--seconds 10] [--runs 5] [--skip-4k]

It makes the clips with PyAV (testsrc2 with light temporal noise: about 14 Mbit/s at 1080p, like a phone) in a
temporary folder, then alternates ffmpeg and this project's encoder (`workers.media.video_encode`, each in a fresh
child process), measuring wall time, CPU time (user + system) and peak RSS of each child. Wall times on a busy
machine are noisy: the medians and the CPU-time ratio are printed too. The 4K figures are the peak RSS of the
encoder transcoding a 4K H.264 clip and a 4K 10-bit HEVC PQ clip (tone-mapped) to 720p.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

ENCODE_ONE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from workers.media import encoders, transcode, video_encode, video_probe
source, output = Path({source!r}), Path({output!r})
settings = transcode.TranscodeSettings(policy="optimal", target_resolution="720", crf=23, preset="ultrafast")
summary = video_probe.probe(source)
decision = transcode.decide(summary, settings)
plan = transcode.plan(summary, decision, settings, encoders.available_encoders())
video_encode.encode(source, output, plan)
"""


def make_clip(
    path: Path,
    *,
    size: tuple[int, int],
    seconds: float,
    codec: str,
    pix_fmt: str,
    hdr: bool = False,
    audio: bool = True,
) -> Path:
    import av
    import numpy as np

    if path.exists():
        return path
    width, height = size
    graph = av.filter.Graph()
    chain = [
        graph.add("testsrc2", size=f"{width}x{height}", rate="30", duration=str(seconds)),
        graph.add("noise", alls="3", allf="t"),
        graph.add("format", pix_fmts=pix_fmt),
    ]
    graph.link_nodes(*chain, graph.add("buffersink"))
    graph.configure()
    options = (
        {"preset": "veryfast", "crf": "20"}
        if codec == "libx264"
        else {"preset": "ultrafast", "crf": "24", "x265-params": "log-level=error"}
    )
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        video = container.add_stream(codec, rate=30, options=options)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if hdr:
            video.codec_context.color_primaries, video.codec_context.color_trc, video.codec_context.colorspace = (
                9,
                16,
                9,
            )
        sound = container.add_stream("aac", rate=48000) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        written = frames = 0
        while True:
            try:
                frame = graph.pull()
            except (av.error.EOFError, av.error.BlockingIOError):
                break
            container.mux(video.encode(frame))
            frames += 1
            while sound is not None and written < frames / 30 * 48000:  # interleaved, as a camera writes
                tone = (np.sin(2 * np.pi * 440 * (np.arange(1024) + written) / 48000) * 0.3).astype(np.float32)
                samples = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
                samples.sample_rate, samples.pts = 48000, written
                container.mux(sound.encode(samples))
                written += 1024
        container.mux(video.encode(None))
        if sound is not None:
            container.mux(sound.encode(None))
    partial.rename(path)
    return path


def make_clip_in_child(
    path: Path,
    *,
    size: tuple[int, int],
    seconds: float,
    codec: str,
    pix_fmt: str,
    hdr: bool = False,
    audio: bool = True,
) -> Path:
    """Clips are made in a child process: a fork copies the parent's resident memory into the child's peak RSS
    (counted before exec), so the parent stays small for the measured children's figures to be theirs."""
    if not path.exists():
        command = [
            sys.executable,
            __file__,
            "--make",
            str(path),
            "--make-size",
            f"{size[0]}x{size[1]}",
            "--seconds",
            str(seconds),
            "--make-codec",
            codec,
            "--make-pix-fmt",
            pix_fmt,
        ]
        command += (["--make-hdr"] if hdr else []) + ([] if audio else ["--make-no-audio"])
        run_child(command)
    return path


def run_child(command: list[str]) -> dict:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed with {status}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def ours(source: Path, output: Path) -> list[str]:
    return [sys.executable, "-c", ENCODE_ONE.format(root=str(REPO_ROOT), source=str(source), output=str(output))]


def ffmpeg(source: Path, output: Path) -> list[str]:
    """The reference's software command for this case (immich-reference.md §3.3)."""
    return [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-i",
        str(source),
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-map",
        "0:0",
        "-map_metadata",
        "-1",
        "-map",
        "0:1",
        "-ac",
        "2",
        "-preset",
        "ultrafast",
        "-crf",
        "23",
        "-movflags",
        "faststart",
        "-fps_mode",
        "passthrough",
        "-vf",
        "scale=-2:720,format=yuv420p",
        str(output),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the 1080p clip")
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each")
    parser.add_argument("--skip-4k", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the clips in this folder (reused by later runs)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)  # internal: make one clip in this process
    parser.add_argument("--make-size", default="1920x1080", help=argparse.SUPPRESS)
    parser.add_argument("--make-codec", default="libx264", help=argparse.SUPPRESS)
    parser.add_argument("--make-pix-fmt", default="yuv420p", help=argparse.SUPPRESS)
    parser.add_argument("--make-hdr", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--make-no-audio", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        width, height = (int(side) for side in args.make_size.split("x"))
        make_clip(
            args.make,
            size=(width, height),
            seconds=args.seconds,
            codec=args.make_codec,
            pix_fmt=args.make_pix_fmt,
            hdr=args.make_hdr,
            audio=not args.make_no_audio,
        )
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict = {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    try:
        clip = make_clip_in_child(
            folder / f"1080p30-h264-{args.seconds:g}s.mp4",
            size=(1920, 1080),
            seconds=args.seconds,
            codec="libx264",
            pix_fmt="yuv420p",
        )
        results["clip_mbit_s"] = round(clip.stat().st_size * 8 / args.seconds / 1e6, 1)
        pairs = []
        if shutil.which("ffmpeg"):
            for _ in range(args.runs):
                reference = run_child(ffmpeg(clip, folder / "ffmpeg.mp4"))
                mine = run_child(ours(clip, folder / "ours.mp4"))
                pairs.append((reference, mine))
                if not args.json:
                    print(
                        f"ffmpeg {reference['wall_s']:6.2f} s wall {reference['cpu_s']:6.2f} s cpu | "
                        f"pyav {mine['wall_s']:6.2f} s wall {mine['cpu_s']:6.2f} s cpu | "
                        f"ratio {mine['wall_s'] / reference['wall_s']:.3f}",
                        flush=True,
                    )
            wall_ref = statistics.median(p[0]["wall_s"] for p in pairs)
            wall_ours = statistics.median(p[1]["wall_s"] for p in pairs)
            cpu_ref = statistics.median(p[0]["cpu_s"] for p in pairs)
            cpu_ours = statistics.median(p[1]["cpu_s"] for p in pairs)
            results.update(
                {
                    "ffmpeg_wall_s": round(wall_ref, 2),
                    "pyav_wall_s": round(wall_ours, 2),
                    "wall_ratio_of_medians": round(wall_ours / wall_ref, 3),
                    "best_wall_ratio": round(
                        min(p[1]["wall_s"] for p in pairs) / min(p[0]["wall_s"] for p in pairs), 3
                    ),
                    "ffmpeg_cpu_s": round(cpu_ref, 2),
                    "pyav_cpu_s": round(cpu_ours, 2),
                    "cpu_ratio": round(cpu_ours / cpu_ref, 3),
                    "ffmpeg_rss_mb": round(max(p[0]["rss_mb"] for p in pairs)),
                    "pyav_rss_mb_1080p": round(max(p[1]["rss_mb"] for p in pairs)),
                }
            )
        else:
            results["ffmpeg"] = "not on PATH: no comparison (apt-get install ffmpeg)"
            results["pyav_wall_s"] = round(run_child(ours(clip, folder / "ours.mp4"))["wall_s"], 2)
        if not args.skip_4k:
            uhd = make_clip_in_child(
                folder / "2160p30-h264-3s.mp4", size=(3840, 2160), seconds=3, codec="libx264", pix_fmt="yuv420p"
            )
            results["pyav_rss_mb_4k_h264"] = round(run_child(ours(uhd, folder / "uhd.mp4"))["rss_mb"])
            has_x265 = "import av, sys; sys.exit(0 if 'libx265' in av.codecs_available else 1)"
            if subprocess.run([sys.executable, "-c", has_x265]).returncode == 0:
                hdr = make_clip_in_child(
                    folder / "2160p30-hevc10-pq-2s.mp4",
                    size=(3840, 2160),
                    seconds=2,
                    codec="libx265",
                    pix_fmt="yuv420p10le",
                    hdr=True,
                    audio=False,
                )
                results["pyav_rss_mb_4k_hevc10_pq_tonemapped"] = round(
                    run_child(ours(hdr, folder / "hdr.mp4"))["rss_mb"]
                )
        results["load_after"] = os.getloadavg()[0]
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:40} {value}")


if __name__ == "__main__":
    main()

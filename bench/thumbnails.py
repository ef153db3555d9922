"""Thumbnail benchmark: this project's media operations against what Immich runs, side by side in one run.

Targets (from the media pipeline issue):
  * thumbhash + WebP 250 + JPEG 1440 from a 24 MP JPEG in at most 0.8x the time of `sharp` (Immich's library)
    producing the same outputs the way Immich's media repository does, one thread each;
  * a video's still (the same outputs) in at most 0.25x the time of Immich's ffmpeg thumbnail command, on a 1080p
    clip with a keyframe every second as phones record (a clip with a single keyframe is measured beside it);
  * worker peak memory under 400 MB while processing 24 MP images.

Run from the repository root:

    .venv/bin/python bench/thumbnails.py [--rounds 10] [--sharp-dir /tmp/sharp-bench]

sharp and the npm `thumbhash` package are installed into --sharp-dir with `npm install` when missing (Node 20+).
The ffmpeg comparison runs when an `ffmpeg` binary is on PATH; otherwise only PyAV's time is reported.
Every figure printed is measured in this one run, on generated files (kept in a temporary folder, then removed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["VIPS_CONCURRENCY"] = "1"  # one thread, like sharp.concurrency(1); must precede loading libvips

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402
import pyvips  # noqa: E402

from workers.media.thumbhash import rgba_to_thumbhash  # noqa: E402
from workers.media.thumbnails import ThumbnailSpec, generate_image_thumbnails, generate_video_thumbnails  # noqa: E402

SPECS = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))
RATIO_TARGET, VIDEO_RATIO_TARGET, RSS_TARGET_MB = 0.8, 0.25, 400
# Keyframe intervals in frames at 30 fps. Phones record a keyframe about every second, which is what Immich's filter
# chain meets in practice (its `-skip_frame nointra` decodes every keyframe of the first seconds). With x264's own
# interval of 250 the 5 s clip has a single keyframe: ffmpeg then decodes one frame, its cheapest case.
VIDEO_CLIPS = {"phone_like": 30, "single_keyframe": 250}
TARGET_CLIP = "phone_like"

# What Immich's media repository does for an sRGB image (decodeImage, then generateThumbnail x2 and the thumbhash
# in parallel from the raw preview-sized buffer), with sharp limited to one thread.
SHARP_SCRIPT = r"""
import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
sharp.concurrency(1);
sharp.cache(false);
const [input, outDir] = process.argv.slice(2);
async function once() {
  const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: false })
    .pipelineColorspace('srgb').rotate()
    .resize(1440, 1440, { fit: 'outside', withoutEnlargement: true })
    .raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).pipelineColorspace('srgb').withIccProfile('srgb')
      .resize(250, 250, { fit: 'outside', withoutEnlargement: true })
      .webp({ quality: 80 }).toFile(`${outDir}/thumbnail.webp`),
    sharp(data, raw).pipelineColorspace('srgb').withIccProfile('srgb')
      .jpeg({ quality: 80, progressive: false, chromaSubsampling: '4:4:4' }).toFile(`${outDir}/preview.jpeg`),
    sharp(data, raw).resize(100, 100, { fit: 'inside', withoutEnlargement: true }).raw().ensureAlpha()
      .toBuffer({ resolveWithObject: true })
      .then(({ data, info }) => rgbaToThumbHash(info.width, info.height, data)),
  ]);
}
// One round per line on stdin, so the caller can interleave rounds with its own (fair under changing load).
import { createInterface } from 'readline';
// Each answer is [wall seconds, CPU seconds of the whole process (all threads)].
for await (const line of createInterface({ input: process.stdin })) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await once();
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify([Number(process.hrtime.bigint() - start) / 1e9, (used.user + used.system) / 1e6]));
}
"""

THUMBHASH_SCRIPT = r"""
import { rgbaToThumbHash } from 'thumbhash';
import { readFileSync } from 'fs';
const items = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = items.map(([w, h, hex]) => Buffer.from(rgbaToThumbHash(w, h, Buffer.from(hex, 'hex'))).toString('hex'));
console.log(JSON.stringify(out));
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def make_photo_like_jpeg(path: Path, width: int = 6000, height: int = 4000, seed: int = 0) -> Path:
    """24 MP: gradients plus grain, so the JPEG carries real entropy (flat colour would decode trivially)."""
    xyz = pyvips.Image.xyz(width, height)
    red = xyz[0] * (255 / width)
    green = xyz[1] * (255 / height)
    blue = (xyz[0] + xyz[1]) * (255 / (width + height))
    grain = pyvips.Image.gaussnoise(width, height, sigma=18, mean=0, seed=seed)
    image = (red.bandjoin([green, blue]) + grain).cast("uchar").copy(interpretation="srgb")
    image.jpegsave(str(path), Q=90)
    return path


def timed(function, rounds: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def timed_with_cpu(function, rounds: int, warmup: int = 1) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds per round; CPU counts this process and any child processes it waited for."""
    for _ in range(warmup):
        function()
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu + _children_cpu() - children)
    return walls, cpus


def ensure_sharp(sharp_dir: Path) -> None:
    if (sharp_dir / "node_modules" / "sharp").is_dir() and (sharp_dir / "node_modules" / "thumbhash").is_dir():
        return
    log(f"installing sharp and thumbhash into {sharp_dir}")
    sharp_dir.mkdir(parents=True, exist_ok=True)
    if not (sharp_dir / "package.json").exists():
        (sharp_dir / "package.json").write_text('{"name": "sharp-bench", "private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "sharp", "thumbhash"], cwd=sharp_dir, check=True)


def _node_command(sharp_dir: Path, script: str, name: str, *args: str) -> tuple[list[str], dict]:
    script_path = sharp_dir / name  # inside sharp_dir so the imports resolve there
    script_path.write_text(script)
    return ["node", str(script_path), *args], {**os.environ, "UV_THREADPOOL_SIZE": "1", "VIPS_CONCURRENCY": "1"}


def run_node(sharp_dir: Path, script: str, *args: str) -> str:
    command, env = _node_command(sharp_dir, script, "bench-once.mjs", *args)
    done = subprocess.run(command, cwd=sharp_dir, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def interleaved(ours, sharp_dir: Path, source: Path, out_dir: Path, rounds: int, warmup: int = 2):
    """Alternate one round of ours and one of sharp's (a long-lived node process), so load changes on a shared
    machine hit both alike. Returns ([(wall, cpu)] ours, [(wall, cpu)] sharp's) in seconds; CPU time is the fairer
    figure when other work shares the cores (it leaves out time spent waiting for one)."""
    command, env = _node_command(sharp_dir, SHARP_SCRIPT, "bench-sharp.mjs", str(source), str(out_dir))
    node = subprocess.Popen(command, cwd=sharp_dir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def sharp_once() -> tuple[float, float]:
        node.stdin.write("go\n")
        node.stdin.flush()
        return tuple(json.loads(node.stdout.readline()))

    try:
        for _ in range(warmup):
            ours()
            sharp_once()
        our_times, sharp_times = [], []
        for _ in range(rounds):
            start, cpu = time.perf_counter(), time.process_time()
            ours()
            our_times.append((time.perf_counter() - start, time.process_time() - cpu))
            sharp_times.append(sharp_once())
        return our_times, sharp_times
    finally:
        node.stdin.close()
        node.wait(timeout=30)


def thumbhash_parity(sharp_dir: Path, workdir: Path, count: int = 200) -> tuple[int, int]:
    """Our thumbhash against the npm package (what Immich runs) on random images, alpha included."""
    rng = random.Random(7)
    items, ours = [], []
    for index in range(count):
        width, height = rng.choice(
            [(100, 75), (75, 100), (100, 100), (5, 14), (rng.randint(1, 100), rng.randint(1, 100))]
        )
        pixels = np.zeros((height, width, 4), dtype=np.uint8)
        pixels[...] = [rng.randrange(256) for _ in range(3)] + [255 if index % 2 else rng.choice([0, 90, 255])]
        if index % 3:
            noise = np.random.default_rng(index).integers(0, 256, size=(height, width, 4), dtype=np.uint8)
            mask = np.random.default_rng(index + 1).random((height, width)) < rng.random()
            pixels[mask] = noise[mask]
            if index % 2:
                pixels[..., 3] = 255
        data = pixels.tobytes()
        items.append([width, height, data.hex()])
        ours.append(rgba_to_thumbhash(width, height, data).hex())
    source = workdir / "thumbhash-items.json"
    source.write_text(json.dumps(items))
    theirs = json.loads(run_node(sharp_dir, THUMBHASH_SCRIPT, str(source)))
    return sum(a != b for a, b in zip(ours, theirs)), count


def make_clip(
    path: Path, *, keyframe_interval: int, width: int = 1920, height: int = 1080, seconds: float = 5.0, fps: int = 30
) -> Path:
    """1080p H.264, 5 s: a moving gradient with grain, the way a phone clip keeps the encoder busy."""
    rng = np.random.default_rng(3)
    base = np.zeros((height, width, 3), dtype=np.uint8)
    base[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    base[..., 1] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    grain = rng.integers(0, 40, size=(height, width, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": str(keyframe_interval)}
        for index in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.roll(base, index * 8, axis=1) + grain, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


IMMICH_VIDEO_FILTER = (
    "fps=12:start_time=0:eof_action=pass:round=down,thumbnail=12,"
    "select=gt(scene\\,0.1)-eq(prev_selected_n\\,n)+isnan(prev_selected_n)+gt(n\\,20),trim=end_frame=2,reverse,"
    "scale=-2:{size}:flags=lanczos+accurate_rnd+full_chroma_int:out_range=pc,format=yuv420p"
)


def immich_ffmpeg_stills(ffmpeg: str, clip: Path, workdir: Path) -> None:
    """Immich's two ffmpeg runs (preview, then thumbnail) for a video; its thumbhash then reads the preview."""
    for size, name in ((1440, "preview.jpeg"), (250, "thumbnail.webp")):
        subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-threads",
                "1",
                "-skip_frame",
                "nointra",
                "-sws_flags",
                "accurate_rnd+full_chroma_int",
                "-i",
                str(clip),
                "-fps_mode",
                "vfr",
                "-frames:v",
                "1",
                "-update",
                "1",
                "-vf",
                IMMICH_VIDEO_FILTER.format(size=size),
                "-q:v",
                "2",
                str(workdir / name),
            ],
            check=True,
        )


RSS_CHILD = r"""
import os, sys
os.environ["VIPS_CONCURRENCY"] = "1"
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from workers.media.thumbnails import ThumbnailSpec, generate_image_thumbnails
specs = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))
for source in sys.argv[3:]:
    for _ in range(5):
        generate_image_thumbnails(Path(source), {"thumbnail": Path(sys.argv[2]) / "t.webp",
                                                 "preview": Path(sys.argv[2]) / "p.jpeg"}, specs, max_pixels=250_000_000)
# VmHWM, not getrusage: ru_maxrss survives exec, so a child would report its parent's peak.
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) // 1024)
"""


def peak_rss_mb(sources: list[Path], workdir: Path) -> int:
    """Peak RSS of a fresh Python process (imports included) making the outputs of each source five times."""
    done = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(REPO_ROOT), str(workdir), *map(str, sources)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--sharp-dir", type=Path, default=Path("/tmp/sharp-bench"))
    args = parser.parse_args()
    figures: dict[str, object] = {"cores": os.cpu_count(), "vips": pyvips.version(0), "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="thumb-bench-") as temp:
        workdir = Path(temp)
        source = make_photo_like_jpeg(workdir / "24mp.jpg")
        log(f"24 MP JPEG: {source.stat().st_size / 1e6:.1f} MB")
        outputs = {spec.kind: workdir / "ours" / f"{spec.kind}.{spec.format}" for spec in SPECS}
        ensure_sharp(args.sharp_dir)
        (workdir / "sharp").mkdir()
        ours, theirs = interleaved(
            lambda: generate_image_thumbnails(source, outputs, SPECS),
            args.sharp_dir,
            source,
            workdir / "sharp",
            args.rounds,
        )
        figures["ours_image_wall_s"] = statistics.median(wall for wall, _ in ours)
        figures["sharp_image_wall_s"] = statistics.median(wall for wall, _ in theirs)
        figures["ours_image_cpu_s"] = statistics.median(cpu for _, cpu in ours)
        figures["sharp_image_cpu_s"] = statistics.median(cpu for _, cpu in theirs)
        figures["image_ratio_wall"] = figures["ours_image_wall_s"] / figures["sharp_image_wall_s"]
        figures["image_ratio"] = figures["ours_image_cpu_s"] / figures["sharp_image_cpu_s"]
        figures["output_bytes_ours"] = {kind: path.stat().st_size for kind, path in outputs.items()}
        figures["output_bytes_sharp"] = {p.name: p.stat().st_size for p in sorted((workdir / "sharp").iterdir())}

        small = pyvips.Image.thumbnail(str(source), 100, height=100).bandjoin(255)
        rgba = small.write_to_memory()
        figures["thumbhash_ms"] = 1000 * statistics.median(
            timed(lambda: rgba_to_thumbhash(small.width, small.height, rgba), 50)
        )
        mismatches, total = thumbhash_parity(args.sharp_dir, workdir)
        figures["thumbhash_vs_npm_mismatches"] = f"{mismatches}/{total}"

        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg:
            figures["ffmpeg_version"] = subprocess.run(
                [ffmpeg, "-version"], capture_output=True, text=True
            ).stdout.split()[2]
        for clip_name, keyframe_interval in VIDEO_CLIPS.items():
            clip = make_clip(workdir / f"{clip_name}.mp4", keyframe_interval=keyframe_interval)
            video_outputs = {spec.kind: workdir / clip_name / f"{spec.kind}.{spec.format}" for spec in SPECS}
            walls, cpus = timed_with_cpu(lambda: generate_video_thumbnails(clip, video_outputs, SPECS), 7)  # noqa: B023 (run at once)
            video = figures.setdefault("video", {}).setdefault(clip_name, {"keyframe_interval": keyframe_interval})
            video["ours_wall_s"], video["ours_cpu_s"] = statistics.median(walls), statistics.median(cpus)
            if ffmpeg:
                (workdir / clip_name / "ffmpeg").mkdir()
                walls, cpus = timed_with_cpu(
                    lambda: immich_ffmpeg_stills(ffmpeg, clip, workdir / clip_name / "ffmpeg"),  # noqa: B023 (run at once)
                    7,
                )
                video["ffmpeg_wall_s"], video["ffmpeg_cpu_s"] = statistics.median(walls), statistics.median(cpus)
                video["ratio_wall"] = video["ours_wall_s"] / video["ffmpeg_wall_s"]
                video["ratio"] = video["ours_cpu_s"] / video["ffmpeg_cpu_s"]

        png = workdir / "24mp.png"
        pyvips.Image.new_from_file(str(source)).pngsave(str(png), compression=1)
        figures["peak_rss_mb"] = peak_rss_mb([source, png], workdir)

    print(json.dumps(figures, indent=2, default=str))
    ok = figures["image_ratio"] <= RATIO_TARGET and figures["peak_rss_mb"] < RSS_TARGET_MB
    video = figures["video"][TARGET_CLIP]
    if "ratio" in video:
        ok = ok and video["ratio"] <= VIDEO_RATIO_TARGET
    print(
        f"image ratio {figures['image_ratio']:.2f}x sharp in CPU time, {figures['image_ratio_wall']:.2f}x in wall time "
        f"(target <= {RATIO_TARGET}), "
        f"peak RSS {figures['peak_rss_mb']} MB (target < {RSS_TARGET_MB})"
        + "".join(
            f", video still ({name}) {clip['ratio']:.2f}x ffmpeg in CPU time, {clip['ratio_wall']:.2f}x in wall time"
            for name, clip in figures["video"].items()
            if "ratio" in clip
        )
        + f" (target <= {VIDEO_RATIO_TARGET} on the {TARGET_CLIP} clip)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

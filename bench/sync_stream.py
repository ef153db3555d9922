"""Mobile sync benchmark: `POST /api/sync/stream` as the app sends it, for a library of many assets with EXIF.

Run from the repository root, with a PostgreSQL database of your own (it is migrated; the bench user's library is
kept for the next run of the same size):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/sync_stream.py [--assets 100000]

Prints, for the first full sync: assets per second through the whole API stack, and two references read by a
server-side cursor in the same process: the same rows bare (asset joined to EXIF, into Python tuples: what the
database hands over with no JSON and no HTTP), and the stream's own lines as PostgreSQL renders them (the asset and
the EXIF queries, no HTTP: what the stream could reach with nothing of Django around it); the ratios to both, the CPU
time the process and its PostgreSQL backend (when local) spent per 100,000 assets (what a loaded machine distorts
least), and how much the process's peak memory grew while streaming. Then, with everything acked, the incremental
sync after one more asset: its median time and CPU, beside the median of `GET /api/server/ping` (the
cost of the stack alone)."""

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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from assets.models import Asset, AssetExif  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from sync import entities, selectors  # noqa: E402
from sync.acks import START as FROM_THE_START  # noqa: E402
from sync.acks import row_ack_parts  # noqa: E402
from sync.rendering import Query, row_lines  # noqa: E402

EMAIL = "bench-sync@example.com"
TYPES = ["AuthUsersV1", "UsersV1", "AssetsV2", "AssetExifsV1", "AlbumsV2", "AlbumToAssetsV1", "UserMetadataV1"]
START = datetime(2020, 1, 1, tzinfo=UTC)


def _assets(user: User, count: int, first: int = 0, folder: str = "/bench") -> list[Asset]:
    assets = []
    for index in range(first, first + count):
        taken = START + timedelta(seconds=index * 60)
        assets.append(Asset(
            owner=user, type="IMAGE", original_path=f"{folder}/{index}.jpg", original_file_name=f"IMG_{index}.jpg",
            checksum=uuid.uuid4().bytes[:20], file_created_at=taken, file_modified_at=taken, local_date_time=taken,
            width=4000, height=3000, thumbhash=b"\x01" * 25,
        ))  # fmt: skip
    Asset.objects.bulk_create(assets, batch_size=2000)
    exifs = [
        AssetExif(asset=asset, make="Canon", model="EOS R6", city="Lyon", country="France", latitude=45.76,
                  longitude=4.83, date_time_original=asset.file_created_at, exif_image_width=4000,
                  exif_image_height=3000, file_size_in_byte=4_000_000, f_number=2.8, iso=200)
        for asset in assets
    ]  # fmt: skip
    AssetExif.objects.bulk_create(exifs, batch_size=2000)
    return assets


def _analyze() -> None:
    """As autovacuum would soon after an import: without statistics the planner takes 100,000 rows for 100."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset, assets_assetexif")


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _database_cpu_seconds() -> float | None:
    """CPU time of this process's PostgreSQL backend, when the server runs on this machine (else None)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak (VmHWM) starts again from the current size


def _login(user: User) -> APIClient:
    login = APIClient(HTTP_HOST="localhost").post(
        "/api/auth/login", {"email": user.email, "password": "password123"}, format="json"
    )
    phone = APIClient(HTTP_HOST="localhost")
    phone.credentials(HTTP_X_IMMICH_USER_TOKEN=login.json()["accessToken"])
    return phone


def _stream(phone: APIClient) -> list[dict]:
    """Reads the body line by line as it comes, keeping only the last line of each type (what the app acks), so that
    the bench's own memory does not grow with the library; only those are parsed, so that the bench's own work stays
    out of the server's rate."""
    response = phone.post("/api/sync/stream", {"types": TYPES}, format="json", HTTP_ACCEPT="application/jsonlines+json")
    assert response.status_code == 200, response.status_code
    last_of_type: dict[str, str] = {}
    count = 0
    for chunk in response.streaming_content:
        for line in chunk.decode().splitlines():
            entity_type = line[9 : line.index('"', 9)]  # {"type":"AssetV2",...
            last_of_type[entity_type] = line
            count += entity_type == "AssetV2"
    return [{"count": count}, *(json.loads(line) for line in last_of_type.values())]


def _raw_read(user: User) -> int:
    """The reference: the asset and EXIF rows the stream reads, bare, by a server-side cursor."""
    rows = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(
            "SELECT a.*, e.* FROM assets_asset a JOIN assets_assetexif e ON e.asset_id = a.id "
            "WHERE a.owner_id = %s ORDER BY a.sync_xid, a.sync_seq",
            [user.id],
        )
        while batch := cursor.fetchmany(2000):
            rows += len(batch)
    return rows


def _rendered_read(user: User) -> int:
    """The second reference: the stream's asset and EXIF lines as PostgreSQL writes them, read by a server-side
    cursor; returns the assets read."""
    bound = selectors._window_bound()
    scope = selectors.StreamScope(user.id, "00000000", frozenset(TYPES), {}, *bound)
    params = selectors._params(scope, after=FROM_THE_START)
    for entity in (entities.ASSET_V2, entities.ASSET_EXIF):
        query = Query(entity.type, entity.sql, entity.shape, params, row_ack_parts(entity.type, "0"))
        count = sum(1 for _ in row_lines(query))
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = User.objects.filter(email=EMAIL).first()
    if user is None or user.assets.count() != args.assets:  # else the library of an earlier run is measured again
        User.objects.filter(email=EMAIL).delete()
        user = account_services.user_create(email=EMAIL, password="password123", name="bench")
        started = time.perf_counter()
        _assets(user, args.assets)
        _analyze()
        print(f"seeded {args.assets} assets with EXIF in {time.perf_counter() - started:.0f} s")
    phone = _login(user)

    started = time.perf_counter()
    read = _raw_read(user)
    reference_rate = read / (time.perf_counter() - started)
    started = time.perf_counter()
    rendered = _rendered_read(user)
    rendered_rate = rendered / (time.perf_counter() - started)
    _reset_peak_rss()
    before = _peak_rss_mib()
    started, cpu_started, database_cpu_started = time.perf_counter(), time.process_time(), _database_cpu_seconds()
    [counted, *last_lines] = _stream(phone)
    database_cpu_ended = _database_cpu_seconds()
    stream_rate = counted["count"] / (time.perf_counter() - started)
    cpu_per_100k = (time.process_time() - cpu_started) * 100_000 / counted["count"]
    growth = _peak_rss_mib() - before
    assert counted["count"] == args.assets == read == rendered, (counted, read, rendered)
    print(f"first full sync, {args.assets} assets with EXIF:")
    print(f"  streamed:            {stream_rate:,.0f} assets/s (target 20,000)")
    print(
        f"  bare cursor read:    {reference_rate:,.0f} rows/s  -> stream/read ratio {stream_rate / reference_rate:.2f}"
    )
    print(
        f"  SQL-rendered read:   {rendered_rate:,.0f} assets/s -> stream/rendered ratio {stream_rate / rendered_rate:.2f}"
    )
    print(f"  API process CPU:     {cpu_per_100k:.2f} s per 100,000 assets")
    if database_cpu_started is not None and database_cpu_ended is not None:
        database_cpu = (database_cpu_ended - database_cpu_started) * 100_000 / counted["count"]
        print(f"  its database backend CPU: {database_cpu:.2f} s per 100,000 assets")
    print(f"  peak memory growth:  {growth:.1f} MiB (target < 64)")

    acks = [line["ack"] for line in last_lines]
    assert phone.post("/api/sync/ack", {"acks": acks}, format="json").status_code == 204

    def incremental() -> tuple[float, float, float]:
        """One more asset (not timed), then the sync that brings it and its ack (timed): milliseconds of the stream
        with its ack, of the stream alone, and of the process's CPU."""
        _assets(user, 1, first=args.assets + int(time.time_ns() % 10**9), folder="/bench/incremental")
        started, cpu_started = time.perf_counter(), time.process_time()
        [counted, *lines] = _stream(phone)
        streamed = time.perf_counter()
        assert phone.post("/api/sync/ack", {"acks": [line["ack"] for line in lines]}, format="json").status_code == 204
        ended, cpu_ended = time.perf_counter(), time.process_time()
        assert counted["count"] == 1, counted
        return (ended - started) * 1000, (streamed - started) * 1000, (cpu_ended - cpu_started) * 1000

    def ping() -> None:
        assert phone.get("/api/server/ping").status_code == 200

    incremental()  # warm up
    runs = [incremental() for _ in range(args.repeat)]
    incremental_ms, stream_ms, cpu_ms = (statistics.median(run[index] for run in runs) for index in range(3))
    ping_ms = median_ms(ping, args.repeat)
    print(f"incremental sync after one new asset ({args.assets} acked), median of {args.repeat}:")
    print(f"  stream + ack:        {incremental_ms:.1f} ms (target < 50); the stream alone {stream_ms:.1f} ms")
    print(f"  API process CPU:     {cpu_ms:.1f} ms")
    print(f"  GET /api/server/ping {ping_ms:.1f} ms  -> ratio {incremental_ms / ping_ms:.1f}")
    Asset.objects.filter(owner=user, original_path__startswith="/bench/incremental/").delete()


if __name__ == "__main__":
    main()

"""Timeline bucket benchmark: `GET /api/timeline/bucket` for one month holding many assets, each with EXIF.

Run from the repository root, with a database of your own (it is migrated, and the bench user's assets are
replaced):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/timeline_bucket.py [--assets 5000]

Prints the median of several requests (query plus serialisation, through the whole API stack) and of the
serialisation alone."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The repository root, in place of this folder (whose queue.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from assets import selectors  # noqa: E402
from assets.models import Asset, AssetExif  # noqa: E402
from assets.responses import TimeBucketAssetResponseDto  # noqa: E402
from bench.timing import median_ms  # noqa: E402

EMAIL = "bench-timeline@example.com"
MONTH = datetime(2021, 6, 1, tzinfo=timezone.utc)


def _seed(count: int) -> User:
    User.objects.filter(email=EMAIL).delete()
    user = account_services.user_create(email=EMAIL, password="password123", name="bench")
    assets = []
    for index in range(count):
        taken = MONTH + timedelta(seconds=index * 500)
        assets.append(Asset(
            owner=user, type="IMAGE", original_path=f"/bench/{index}.jpg", original_file_name=f"{index}.jpg",
            checksum=uuid.uuid4().bytes[:20], file_created_at=taken, file_modified_at=taken,
            local_date_time=taken + timedelta(hours=2), width=4000, height=3000, thumbhash=b"\x01" * 25,
        ))  # fmt: skip
    Asset.objects.bulk_create(assets, batch_size=1000)
    exifs = [AssetExif(asset=asset, city="Lyon", country="France", date_time_original=asset.file_created_at)
             for asset in assets]  # fmt: skip
    AssetExif.objects.bulk_create(exifs, batch_size=1000)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = _seed(args.assets)
    _, secret = account_services.api_key_create(user=user, name="bench", permissions=["all"])
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_X_API_KEY=secret)

    def request():
        response = client.get("/api/timeline/bucket?timeBucket=2021-06-01")
        assert response.status_code == 200 and len(response.json()["id"]) == args.assets, response.status_code

    rows = list(selectors.bucket_assets(user=user, bucket_start=MONTH, bucket_end=MONTH + timedelta(days=30)))
    request()  # warm up
    print(f"{args.assets} assets, median of {args.repeat}:")
    print(f"  GET /api/timeline/bucket: {median_ms(request, args.repeat):.0f} ms")
    print(f"  serialisation alone:     {median_ms(lambda: TimeBucketAssetResponseDto(rows).data, args.repeat):.1f} ms")
    User.objects.filter(email=EMAIL).delete()


if __name__ == "__main__":
    main()

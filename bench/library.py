"""The bench user and its library, for the benchmarks that measure one user's large library (import after
`django.setup()`): the database migrated, the library seeded once and kept for the next run of the same size."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.core.management import call_command
from django.test.utils import setup_test_environment
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from assets.models import Asset

BARE_TAKEN = datetime(2020, 1, 1, tzinfo=UTC)


def bench_client(email: str, assets: int, seed: Callable[[User, int], None]) -> tuple[User, APIClient]:
    """The user `email` with `assets` assets (made by `seed` unless an earlier run left exactly that many), and an
    API client holding a key of theirs with every permission."""
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = User.objects.filter(email=email).first()
    if user is None or user.assets.count() != assets:
        User.objects.filter(email=email).delete()
        user = account_services.user_create(email=email, password="password123", name="bench")
        started = time.perf_counter()
        seed(user, assets)
        print(f"seeded {assets} assets in {time.perf_counter() - started:.0f} s")
    _, secret = account_services.api_key_create(user=user, name="bench", permissions=["all"])
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_X_API_KEY=secret)
    return user, client


def seed_bare_images(user: User, count: int) -> None:
    """`count` image rows of `user` with no file, EXIF or generated files: for benches of what the rows alone cost."""
    Asset.objects.bulk_create(
        (Asset(owner=user, type="IMAGE", original_path=f"/bench/{index}.jpg", original_file_name=f"{index}.jpg",
               checksum=uuid.uuid4().bytes[:20], file_created_at=BARE_TAKEN, file_modified_at=BARE_TAKEN,
               local_date_time=BARE_TAKEN) for index in range(count)),
        batch_size=2000,
    )  # fmt: skip

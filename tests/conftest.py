"""Fixtures: real PostgreSQL (pytest-django), real Redis, a temporary media location, users and API clients."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts import services as account_services


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering, which it keeps within each file
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (bin/test: --dist loadfile --no-loadscope-reorder) the files are handed out in the order
    of their first test. The files that start real processes (marked e2e) and the few other slow ones (marked slow:
    a file of two tests that takes minutes would otherwise come last, by its count) go first, and then the rest from
    the file with the most tests down, so that the run ends on small files rather than with one process still in a
    long file while the other waits."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    tests_in = Counter(item.nodeid.split("::")[0] for item in items)
    long_files = {
        item.nodeid.split("::")[0]
        for item in items
        if item.get_closest_marker("e2e") or item.get_closest_marker("slow")
    }

    def file_order(item: pytest.Item) -> tuple[bool, int, str]:
        file = item.nodeid.split("::")[0]
        return file not in long_files, -tests_in[file], file

    items.sort(key=file_order)


@pytest.fixture(autouse=True)
def fresh_config_cache():
    """Workers cache the system config for two seconds; a test's rolled-back config must not leak into the next."""
    from jobs.system_config import config_cache_clear

    config_cache_clear()
    yield
    config_cache_clear()


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_LOCATION = root
    return root


@pytest.fixture
def broker() -> redis.Redis:
    """The real Redis the Celery app publishes to, emptied of the queues before the test."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    from jobs.broker import lane_keys
    from jobs.queues import Queue

    # Every lane of every queue: a message another test left in a priority lane would be counted here.
    keys = [key for queue in Queue for key in lane_keys(queue.value)]
    client.delete(*keys)
    yield client
    client.delete(*keys)


def _user(email: str, *, is_admin: bool = False):
    return account_services.user_create(
        email=email, password="password123", name=email.split("@")[0], is_admin=is_admin
    )


@pytest.fixture
def user(db):
    return _user("alice@example.com")


@pytest.fixture
def other_user(db):
    return _user("bob@example.com")


@pytest.fixture
def admin(db):
    return _user("admin@example.com", is_admin=True)


@pytest.fixture
def staff(admin) -> Client:
    """A browser session of the admin, for the Django admin's pages."""
    client = Client()
    client.force_login(admin)
    return client


def client_for(user, permissions: list[str] | None = None) -> APIClient:
    _, secret = account_services.api_key_create(user=user, name="test", permissions=permissions or ["all"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    return client


@pytest.fixture
def api(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def admin_api(admin) -> APIClient:
    return client_for(admin)


def invalid_fields(response) -> list:
    """The fields (first step of each issue's path) of Immich's 400 "Validation failed"."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["message"], body["statusCode"]) == ("Validation failed", 400), body
    return [issue["path"][0] if issue["path"] else None for issue in body["errors"]]


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


from tests.disk import small_disk  # noqa: E402,F401  (a tmpfs to fill up, for the disk-full tests)
from tests.live import (  # noqa: E402,F401  (fixtures shared by the end-to-end tests)
    live_server_for_module,
    live_server_processes,
    module_media_root,
    server,
)
from tests.s3 import moto_server, s3, s3_bucket  # noqa: E402,F401  (a real S3 API, a bucket per test)

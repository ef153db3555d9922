"""Test settings: real PostgreSQL and Redis (see tests/conftest.py), fast password hashing."""

import os
from urllib.parse import urlsplit, urlunsplit


def _redis_url_of_xdist_worker(url: str, worker: str) -> str:
    """pytest-xdist worker gwN uses Redis db (base + N): tests empty their queues, so workers must not share one.

    pytest-django gives each worker its own database the same way (test_<name>_gwN)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker and "IMMICH_TEST_XDIST_REDIS_URL" not in os.environ:
    # Before immich.env reads it, and so that the processes the tests start inherit it. They inherit
    # PYTEST_XDIST_WORKER and the marker too, so they keep the REDIS_URL they are given (this one, or a test's own).
    derived = _redis_url_of_xdist_worker(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), worker)
    os.environ["REDIS_URL"] = os.environ["IMMICH_TEST_XDIST_REDIS_URL"] = derived

from immich.env import ENV  # noqa: E402
from immich.settings.base import *  # noqa: E402,F401,F403
from immich.settings.base import database_config  # noqa: E402

SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests always run on PostgreSQL: without DATABASE_URL they use the local server the test command ensures.
if ENV.uses_embedded_database:
    DATABASES = {"default": database_config("postgres://postgres@127.0.0.1:5432/immich")}

"""Test settings: real PostgreSQL and Redis (see tests/conftest.py), fast password hashing."""

from immich.env import ENV
from immich.settings.base import *  # noqa: F401,F403
from immich.settings.base import database_config

SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests always run on PostgreSQL: without DATABASE_URL they use the local server the test command ensures.
if ENV.uses_embedded_database:
    DATABASES = {"default": database_config("postgres://postgres@127.0.0.1:5432/immich")}

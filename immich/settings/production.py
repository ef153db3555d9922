"""Deployed settings: secrets have no default."""

from django.core.exceptions import ImproperlyConfigured

from immich.env import ENV
from immich.settings.base import *  # noqa: F401,F403

if not ENV.secret_key:
    raise ImproperlyConfigured("SECRET_KEY must be set for production settings (for example `openssl rand -hex 32`).")

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True

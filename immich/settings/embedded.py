"""One machine, no external services: SQLite in the media location and a broker started by `manage.py serve`.

Without SECRET_KEY a random key is made once and kept in the media location, so sessions survive restarts.
"""

from __future__ import annotations

import secrets

from immich.env import ENV
from immich.settings.base import *  # noqa: F401,F403


def _persistent_secret_key() -> str:
    key_file = ENV.media_location / ".secret_key"
    if not key_file.exists():
        ENV.media_location.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = ENV.secret_key or _persistent_secret_key()

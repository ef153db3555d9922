"""The versions this server has run, each recorded when it first started (Immich's version history)."""

from __future__ import annotations

from django.db import connections

from immich.version import VERSION_NUMBER
from jobs.models import ServerVersion


def server_version_record(*, version: str = VERSION_NUMBER, using: str = "default") -> bool:
    """Record `version` unless it is the latest recorded already. Returns whether it was recorded. Does nothing
    while the table does not exist (the jobs migrations rolled back)."""
    if ServerVersion._meta.db_table not in connections[using].introspection.table_names():
        return False
    latest = ServerVersion.objects.using(using).values_list("version", flat=True).first()
    if latest == version:
        return False
    ServerVersion.objects.using(using).create(version=version)
    return True


def server_versions() -> list[ServerVersion]:
    """Newest first."""
    return list(ServerVersion.objects.all())

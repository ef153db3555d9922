"""Every cluster-wide lock's key, in one registry, so that two features never share a key by accident."""

from __future__ import annotations

from enum import IntEnum


class AdvisoryLock(IntEnum):
    """PostgreSQL advisory lock keys (the first key where a lock takes two)."""

    FILE_MOVES = 420  # Immich's id for the storage template's moves: one mover at a time in the cluster
    USER_NOTICES = 421  # a user's notifications (second key: the user), so two workers never make two notices
    USER_DUPLICATES = 422  # a user's duplicate groups (second key: the user): one asset settled at a time


# Redis keys of redis-py locks.
LIBRARY_WATCHER_LOCK = "immich:library-watcher"  # one library watcher in the cluster

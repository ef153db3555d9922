"""Who may read, dismiss and resolve a duplicate group: its owner only (registered with `immich.access`)."""

from __future__ import annotations

from immich import access


def owned_groups(actor: access.Actor, ids: set) -> list:
    from duplicates.selectors import owned_groups as groups_of

    return groups_of(owner=actor.user, ids=ids)


def register() -> None:
    for permission in ("duplicate.read", "duplicate.delete"):
        access.register(permission, owned_groups)

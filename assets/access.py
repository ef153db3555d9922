"""What an owner may do with their assets, registered with `immich.access` (albums and sharing add the other ways
of reaching an asset: membership, partners, links)."""

from __future__ import annotations

from immich import access

OWNER_PERMISSIONS = ("asset.read", "asset.view", "asset.download", "asset.update", "asset.delete")


def owned_assets(actor: access.Actor, ids: set) -> list:
    """The owner's assets; those in the locked folder only for a session unlocked by the PIN."""
    from assets.models import Asset, AssetStatus, Visibility

    owned = Asset.objects.filter(owner=actor.user, pk__in=ids).exclude(status=AssetStatus.DELETED)
    if not actor.elevated:
        owned = owned.exclude(visibility=Visibility.LOCKED)
    return list(owned.values_list("id", flat=True))


def shareable_assets(actor: access.Actor, ids: set) -> list:
    """The owner's assets that may go into an album or a link: never those in the locked folder, unlocked or not
    (as Immich checks `asset.share`)."""
    return owned_assets(access.Actor(user=actor.user, link=actor.link), ids)


def own_timeline(actor: access.Actor, ids: set) -> list:
    return [actor.user.id] if actor.user.id in ids else []


def register() -> None:
    for permission in OWNER_PERMISSIONS:
        access.register(permission, owned_assets)
    access.register("asset.share", shareable_assets)
    access.register("timeline.read", own_timeline)
    access.register("timeline.download", own_timeline)

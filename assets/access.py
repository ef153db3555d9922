"""What an owner may do with their assets, registered with `immich.access` (albums and sharing add the other ways
of reaching an asset: membership, partners, links)."""

from __future__ import annotations

from immich import access

OWNER_PERMISSIONS = ("asset.read", "asset.view", "asset.download", "asset.update", "asset.delete", "asset.share")


def owned_assets(actor: access.Actor, ids: set) -> list:
    from assets.models import Asset, AssetStatus

    owned = Asset.objects.filter(owner=actor.user, pk__in=ids).exclude(status=AssetStatus.DELETED)
    return list(owned.values_list("id", flat=True))


def own_timeline(actor: access.Actor, ids: set) -> list:
    return [actor.user.id] if actor.user.id in ids else []


def register() -> None:
    for permission in OWNER_PERMISSIONS:
        access.register(permission, owned_assets)
    access.register("timeline.read", own_timeline)
    access.register("timeline.download", own_timeline)

"""What partners and link holders may do, registered with `immich.access`: a partner reads, views and downloads the
assets on the timeline of whoever shares with them (never archived, locked or trashed ones), may add them to albums,
reads that timeline, and sees it in their own when they chose `inTimeline`; nothing of it can they change."""

from __future__ import annotations

from immich import access

PARTNER_ASSET = ("asset.read", "asset.view", "asset.download", "asset.share")
SHARED_VISIBILITY = ("timeline", "hidden")  # hidden: the video half of a live photo


def _sharing_with(user):
    from sharing.models import Partner

    return Partner.objects.filter(shared_with=user, shared_by__deleted_at__isnull=True)


def partner_assets(actor: access.Actor, ids: set) -> list:
    from assets.models import Asset, AssetStatus

    shared = Asset.objects.filter(
        pk__in=ids,
        owner__in=_sharing_with(actor.user).values("shared_by"),
        visibility__in=SHARED_VISIBILITY,
        deleted_at__isnull=True,
    ).exclude(status=AssetStatus.DELETED)
    return list(shared.values_list("id", flat=True))


def partner_timelines(actor: access.Actor, ids: set) -> list:
    return list(_sharing_with(actor.user).filter(shared_by__in=ids).values_list("shared_by_id", flat=True))


def timeline_partners(user) -> list:
    """The users whose assets join `user`'s timeline: the partners they chose to show."""
    return list(_sharing_with(user).filter(in_timeline=True).values_list("shared_by_id", flat=True))


def register() -> None:
    for permission in PARTNER_ASSET:
        access.register(permission, partner_assets)
    access.register("timeline.read", partner_timelines)
    access.register_scope("timeline.partners", timeline_partners)

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


def _link_upload_received(actor: access.Actor, asset_id) -> None:
    from sharing.link_services import link_upload_received

    link_upload_received(actor=actor, asset_id=asset_id)


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


def _link_reach(actor: access.Actor, ids: set) -> set:
    """The link's assets (an album link: its album's), with the video halves of their live photos."""
    from assets.models import Asset, AssetStatus

    link = actor.link
    if link is None or not link.unlocked:
        return set()
    from assets.selectors import shown_to

    shown = Asset.objects.filter(deleted_at__isnull=True).exclude(status=AssetStatus.DELETED)
    shown = shown_to(shown, viewer=actor.user)  # the link's owner: what they hide, their links do not show
    shown = shown.filter(albums__id=link.album_id) if link.album_id else shown.filter(shared_links__id=link.id)
    found = set(shown.filter(pk__in=ids).values_list("id", flat=True))
    return found | set(shown.filter(live_photo_video_id__in=ids).values_list("live_photo_video_id", flat=True))


def _link_download(actor: access.Actor, ids: set) -> set:
    return _link_reach(actor, ids) if actor.link and actor.link.allow_download else set()


def _link_album(condition: str | None = None):
    def grant(actor: access.Actor, ids: set) -> list:
        link = actor.link
        if link is None or not link.unlocked or (condition and not getattr(link, condition)):
            return []
        return [link.album_id] if link.album_id in ids else []

    return grant


def register() -> None:
    for permission in ("asset.read", "asset.view"):
        access.register(permission, _link_reach, actor=access.LINK)
    access.register("asset.download", _link_download, actor=access.LINK)
    access.register("album.read", _link_album(), actor=access.LINK)
    access.register("album.download", _link_album("allow_download"), actor=access.LINK)
    access.register("albumAsset.create", _link_album("allow_upload"), actor=access.LINK)
    access.register_upload_hook(_link_upload_received)
    for permission in PARTNER_ASSET:
        access.register(permission, partner_assets)
    access.register("timeline.read", partner_timelines)
    access.register_scope("timeline.partners", timeline_partners)

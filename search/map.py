"""The map (`/api/map`): the markers of the assets with coordinates that the caller may see, and the place of a
point. Immich 3.1's MapService: the caller's own assets on the timeline (and the archive with `isArchived`),
with `withPartners` those of the partners who share with them, with `withSharedAlbums` those of the albums they own
or are a member of; never trashed, hidden or locked ones, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from albums.models import AlbumAsset
from albums.selectors import readable_album_ids
from assets.models import Asset, AssetStatus, Visibility
from assets.selectors import shown_to
from sharing.selectors import SHARED_WITH, partners_of


def map_markers(
    *,
    user: User,
    is_archived: bool | None = None,
    is_favorite: bool | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    with_partners: bool = False,
    with_shared_albums: bool = False,
) -> list[dict[str, Any]]:
    reach = Q(owner=user)
    if with_partners:
        # A partner's archive stays theirs (sharing.access): only their timeline joins the map.
        partners = partners_of(user=user, direction=SHARED_WITH).values("shared_by")
        reach |= Q(owner__in=partners, visibility=Visibility.TIMELINE)
    if with_shared_albums:
        in_albums = AlbumAsset.objects.filter(asset_id=OuterRef("pk"), album_id__in=readable_album_ids(user=user))
        reach |= Q(Exists(in_albums))
    visible = [Visibility.TIMELINE, Visibility.ARCHIVE] if is_archived else [Visibility.TIMELINE]
    assets = shown_to(
        Asset.objects.filter(reach, visibility__in=visible, deleted_at__isnull=True)
        .exclude(status=AssetStatus.DELETED)
        .filter(exif__latitude__isnull=False, exif__longitude__isnull=False),
        viewer=user,
    )
    optional = {
        "is_favorite": is_favorite,
        "file_created_at__gte": created_after,
        "file_created_at__lte": created_before,
    }
    assets = assets.filter(**{lookup: value for lookup, value in optional.items() if value is not None})
    rows = assets.order_by("-file_created_at", "id").values_list(
        "id", "exif__latitude", "exif__longitude", "exif__city", "exif__state", "exif__country"
    )
    return [
        {"id": str(pk), "lat": lat, "lon": lon, "city": city, "state": state, "country": country}
        for pk, lat, lon, city, state, country in rows
    ]

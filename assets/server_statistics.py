"""`GET /api/server/statistics` (admin): every user's photos, videos and storage use, and their totals.

As Immich counts them: assets in the trash and hidden ones (the video half of a live photo) are left out; usage is
the size of the originals that count against the quota, the uploaded ones (an external library's files are the
owner's own disks)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from accounts.models import User
from assets.models import Asset, AssetStatus, AssetType, Visibility

_UPLOADED = Q(library__isnull=True)


def server_statistics() -> dict:
    counted = (
        Asset.objects.filter(deleted_at__isnull=True)
        .exclude(status=AssetStatus.DELETED)
        .exclude(visibility=Visibility.HIDDEN)
    )
    per_owner = {
        row.pop("owner_id"): row
        for row in counted.values("owner_id").annotate(
            photos=Count("id", filter=Q(type=AssetType.IMAGE)),
            videos=Count("id", filter=Q(type=AssetType.VIDEO)),
            usage=Sum("file_size", filter=_UPLOADED, default=0),
            usagePhotos=Sum("file_size", filter=_UPLOADED & Q(type=AssetType.IMAGE), default=0),
            usageVideos=Sum("file_size", filter=_UPLOADED & Q(type=AssetType.VIDEO), default=0),
        )
    }
    empty = {"photos": 0, "videos": 0, "usage": 0, "usagePhotos": 0, "usageVideos": 0}
    users = User.objects.filter(deleted_at__isnull=True).order_by("created_at")
    by_user = [
        {
            "userId": user.id,
            "userName": user.name,
            "quotaSizeInBytes": user.quota_size_in_bytes,
            **per_owner.get(user.id, empty),
        }
        for user in users
    ]
    totals = {key: sum(row[key] for row in by_user) for key in empty}
    return {**totals, "usageByUser": by_user}

"""Reads on libraries: listing, statistics, and the preview of what new exclusion patterns would take offline."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from assets.models import Asset, AssetStatus, AssetType
from libraries.matcher import Matcher
from libraries.models import Library, LibraryFile

PREVIEW_SAMPLES = 20


def libraries_all() -> QuerySet[Library]:
    return (
        Library.objects.filter(deleted_at__isnull=True)
        .annotate(asset_count=Count("assets", filter=~Q(assets__status=AssetStatus.DELETED)))
        .order_by("created_at")
    )


def library_get(*, library_id) -> Library | None:
    return libraries_all().filter(pk=library_id).first()


def library_statistics(*, library: Library) -> dict:
    assets = Asset.objects.filter(library=library).exclude(status=AssetStatus.DELETED)
    counts = assets.aggregate(
        photos=Count("id", filter=Q(type=AssetType.IMAGE)),
        videos=Count("id", filter=Q(type=AssetType.VIDEO)),
        total=Count("id"),
        offline=Count("id", filter=Q(is_offline=True)),
        usage=Sum("file_size"),
    )
    counts["usage"] = counts["usage"] or 0
    return counts


def exclusion_preview(*, library: Library, exclusion_patterns: list[str]) -> dict:
    """How many of the library's online files the patterns would take offline at the next scan, with examples."""
    matcher = Matcher(tuple(exclusion_patterns))
    count, samples = 0, []
    paths = (
        LibraryFile.objects.filter(library=library, asset__is_offline=False)
        .values_list("path", flat=True)
        .order_by("path")
        .iterator(chunk_size=5000)
    )
    for path in paths:
        if matcher.is_excluded(path):
            count += 1
            if len(samples) < PREVIEW_SAMPLES:
                samples.append(path)
    return {"count": count, "samples": samples}

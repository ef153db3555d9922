"""A list of assets read as rows (`QuerySet.values()`: only the columns their response bodies need, no model
instances), for the answers that list a thousand assets at a time (a metadata search page). Making a model for each
asset, its EXIF, video and verdict, then reading them back, was most of such a page's CPU time.

The tags and stacks of the rows are read in one query each, through the relations the tags and stacks apps add to
assets (assets import neither app). `assets.row_bodies` makes the response bodies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from assets.hooks import asset_row_columns
from assets.models import Asset
from immich.fields import ExifDateText, ImmichDateText

# The asset's own columns and its one-to-one rows' columns that every body reads. A field read from a column is
# one more name here (or in an app's registered row columns) and one line in assets.row_bodies.
ASSET_COLUMNS = (
    "id", "device_asset_id", "device_id", "owner_id", "library_id", "type", "original_path", "original_file_name",
    "thumbhash", "is_favorite", "visibility", "deleted_at", "is_offline", "duration_ms", "live_photo_video_id", "checksum", "width", "height",
    "exif__asset_id", "exif__exif_image_width", "video__decision", "video__reason",
    "duplicate_link__duplicate_id",
)  # fmt: skip
# The EXIF body's columns, read only when the answer has `exifInfo` (the description can be long).
EXIF_COLUMNS = (
    "exif__make", "exif__model", "exif__exif_image_height", "exif__file_size_in_byte", "exif__orientation",
    "exif__time_zone", "exif__lens_model", "exif__f_number",
    "exif__focal_length", "exif__iso", "exif__exposure_time", "exif__latitude", "exif__longitude", "exif__city",
    "exif__state", "exif__country", "exif__description", "exif__projection_type", "exif__rating",
)  # fmt: skip
# Dates, as their bodies' text made by the database (immich.fields), under their bodies' keys.
ASSET_DATES = {
    "fileCreatedAt": ImmichDateText("file_created_at"), "fileModifiedAt": ImmichDateText("file_modified_at"),
    "localDateTime": ImmichDateText("local_date_time"), "createdAt": ImmichDateText("created_at"),
    "updatedAt": ImmichDateText("updated_at"),
}  # fmt: skip
EXIF_DATES = {
    "dateTimeOriginal": ExifDateText("exif__date_time_original"), "modifyDate": ExifDateText("exif__modify_date"),
}  # fmt: skip
STACK_COLUMNS = ("stack_link__stack_id", "stack_link__stack__primary_asset_id")
TAG_COLUMNS = ("tag__id", "tag__value", "tag__color", "tag__parent_id")
TAG_DATES = {"tagCreatedAt": ImmichDateText("tag__created_at"), "tagUpdatedAt": ImmichDateText("tag__updated_at")}


@dataclass(frozen=True)
class AssetRows:
    """The rows of a list of assets, in its order, with what the bodies ask for beyond them: each asset's tags
    (rows of TAG_COLUMNS; only when read) and the asset count of each stack met (only when read)."""

    rows: list[dict[str, Any]]
    with_exif: bool
    tags: dict[Any, list[dict[str, Any]]] | None = None
    stack_counts: dict[Any, int] | None = field(default=None)


def asset_rows(queryset: QuerySet[Asset], *, with_exif: bool, with_tags: bool, with_stack: bool) -> AssetRows:
    """The rows of `queryset` (filtered and ordered by the caller), read in one query, and their tags and stacks'
    counts in one more each when asked."""
    columns, dates = ASSET_COLUMNS + asset_row_columns(), ASSET_DATES
    if with_exif:
        columns, dates = columns + EXIF_COLUMNS, dates | EXIF_DATES
    if with_stack:
        columns += STACK_COLUMNS
    rows = list(queryset.values(*columns, **dates))
    ids = [row["id"] for row in rows]
    tags = _tags_of(ids) if with_tags else None
    stack_counts = None
    if with_stack:
        stacks = {row["stack_link__stack_id"] for row in rows} - {None}
        members = Asset.objects.filter(stack_link__stack_id__in=stacks).values("stack_link__stack_id")
        stack_counts = dict(members.annotate(count=Count("id")).values_list("stack_link__stack_id", "count"))
    return AssetRows(rows=rows, with_exif=with_exif, tags=tags, stack_counts=stack_counts)


def _tags_of(asset_ids: list) -> dict[Any, list[dict[str, Any]]]:
    """Each asset's tags, by value (the order of the bodies' `tags`: sorted here, as Python compares strings, not
    in the database's collation)."""
    tags: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for link in Asset.tags.through.objects.filter(asset_id__in=asset_ids).values("asset_id", *TAG_COLUMNS, **TAG_DATES):
        tags[link["asset_id"]].append(link)
    for links in tags.values():
        links.sort(key=lambda link: link["tag__value"])
    return tags

"""Reads of `/api/search`: the caller's assets narrowed by Immich's search filters, always scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from albums.models import AlbumAsset
from assets.models import Asset, AssetExif, AssetFile, AssetFileType, AssetStatus, AssetType, Visibility
from assets.row_json import JsonPage, page_json
from assets.rows import AssetRows, asset_rows
from assets.selectors import LARGE_EXIF_COLUMNS, decode_checksum, shown_to, with_duplicate_group
from immich import access
from nsfw.selectors import nsfw_verdict
from people.models import AssetFace, Person
from people.selectors import people_of
from stacks.models import Stack
from tags.models import SEPARATOR, Tag, TagAsset
from workers.media.geocoding import gazetteer

# Filter name -> (column, lookup) for the date bounds, inclusive as Immich's.
_DATE_BOUNDS = {
    "takenBefore": ("file_created_at", "lte"),
    "takenAfter": ("file_created_at", "gte"),
    "createdBefore": ("created_at", "lte"),
    "createdAfter": ("created_at", "gte"),
    "updatedBefore": ("updated_at", "lte"),
    "updatedAfter": ("updated_at", "gte"),
    "trashedBefore": ("deleted_at", "lte"),
    "trashedAfter": ("deleted_at", "gte"),
}
# EXIF filters where an explicit null asks for assets without the value.
_EXIF_EQUALS = {
    "city": "city", "state": "state", "country": "country", "make": "make", "model": "model",
    "lensModel": "lens_model", "rating": "rating",
}  # fmt: skip
_FILE_PATHS = {
    "previewPath": AssetFileType.PREVIEW,
    "thumbnailPath": AssetFileType.THUMBNAIL,
    "encodedVideoPath": AssetFileType.ENCODED_VIDEO,
}
_CONTAINS = {
    "originalFileName": "original_file_name",
    "originalPath": "original_path",
    "description": "exif__description",
}


@dataclass(frozen=True)
class SearchPage:
    """A page of assets: models (with people, or a random pick), rows (assets.rows) for the bodies made from them, or
    the bodies written by PostgreSQL (assets.row_json)."""

    assets: list[Asset] | AssetRows | JsonPage
    number: int
    has_next: bool
    with_exif: bool
    with_people: bool
    with_stacked: bool = False


def searched_assets(*, user: User, filters: dict) -> QuerySet[Asset]:
    """The caller's assets matching every filter given (Immich's search semantics: one visibility, `timeline`
    unless asked; trashed assets only with `withDeleted` or a trash date bound; ids of other users' albums or
    people match nothing). The partners the user shows in their timeline are searched too, their timeline only."""
    partners = access.scope("timeline.partners", user)
    shared = Q(owner__in=partners, visibility=Visibility.TIMELINE, deleted_at__isnull=True)
    queryset = Asset.objects.filter(Q(owner=user) | shared).exclude(status=AssetStatus.DELETED)
    queryset = queryset.filter(visibility=filters.get("visibility") or Visibility.TIMELINE)
    with_trashed = filters.get("withDeleted") or "trashedBefore" in filters or "trashedAfter" in filters
    if not with_trashed and not filters.get("isOffline"):
        queryset = queryset.filter(deleted_at__isnull=True)
    for name, (column, lookup) in _DATE_BOUNDS.items():
        if filters.get(name) is not None:
            queryset = queryset.filter(**{f"{column}__{lookup}": filters[name]})
    for name, column in _EXIF_EQUALS.items():
        if name in filters:
            value = filters[name]
            condition = {f"exif__{column}__isnull": True} if value is None else {f"exif__{column}": value}
            queryset = queryset.filter(exif__isnull=False, **condition)
    for name, column in _CONTAINS.items():
        if filters.get(name):
            queryset = queryset.filter(**{f"{column}__icontains": filters[name]})
    for name, kind in _FILE_PATHS.items():
        if filters.get(name):
            queryset = queryset.filter(
                Exists(AssetFile.objects.filter(asset=OuterRef("pk"), type=kind, path=filters[name]))
            )
    queryset = _narrowed_by_flags(_narrowed_by_relations(queryset, user=user, filters=filters), filters)
    if "isNsfw" in filters:
        queryset = queryset.filter(nsfw_verdict(flagged=filters["isNsfw"]))
    return shown_to(queryset, viewer=user)


def _narrowed_by_flags(queryset: QuerySet[Asset], filters: dict) -> QuerySet[Asset]:
    equals = {"id": "pk", "type": "type", "isFavorite": "is_favorite", "isOffline": "is_offline",
              "deviceId": "device_id", "deviceAssetId": "device_asset_id"}  # fmt: skip
    for name, column in equals.items():
        if filters.get(name) not in (None, ""):
            queryset = queryset.filter(**{column: filters[name]})
    if filters.get("libraryId"):
        queryset = queryset.filter(library_id=filters["libraryId"])
    if filters.get("checksum"):
        queryset = queryset.filter(checksum=decode_checksum(filters["checksum"]) or b"")
    if "isMotion" in filters:
        queryset = queryset.filter(live_photo_video__isnull=not filters["isMotion"])
    if "isEncoded" in filters:
        encoded = AssetFile.objects.filter(asset=OuterRef("pk"), type=AssetFileType.ENCODED_VIDEO)
        queryset = queryset.filter(Exists(encoded) if filters["isEncoded"] else ~Exists(encoded))
    if filters.get("withStacked") is False:  # Immich: only assets in no stack
        queryset = queryset.filter(stack_link__isnull=True)
    if filters.get("ocr") or filters.get("transcript"):
        return queryset.none()  # no asset has recognised text or a transcript on this server yet
    return queryset


def _narrowed_by_relations(queryset: QuerySet[Asset], *, user: User, filters: dict) -> QuerySet[Asset]:
    """Albums and people: an asset must be in every album and show every person named (Immich's "all")."""
    for album_id in filters.get("albumIds") or []:
        membership = AlbumAsset.objects.filter(asset=OuterRef("pk"), album_id=album_id, album__owner=user)
        queryset = queryset.filter(Exists(membership))
    if filters.get("isNotInAlbum") and not filters.get("albumIds"):
        queryset = queryset.filter(~Exists(AlbumAsset.objects.filter(asset=OuterRef("pk"))))
    for person_id in filters.get("personIds") or []:
        faces = AssetFace.objects.filter(asset=OuterRef("pk"), person_id=person_id, person__owner=user)
        queryset = queryset.filter(Exists(faces))
    if "tagIds" in filters:
        queryset = _narrowed_by_tags(queryset, user=user, tag_ids=filters["tagIds"])
    return queryset


def _narrowed_by_tags(queryset: QuerySet[Asset], *, user: User, tag_ids: list | None) -> QuerySet[Asset]:
    """Every tag named, each by itself or a tag below it (Immich's closure); `null` asks for untagged assets."""
    if tag_ids is None:
        return queryset.filter(~Exists(TagAsset.objects.filter(asset=OuterRef("pk"))))
    tags = list(Tag.objects.filter(owner=user, pk__in=tag_ids))
    if len(tags) < len(set(tag_ids)):
        return queryset.none()  # another user's or an unknown tag matches nothing
    for tag in tags:
        below = Q(tag=tag) | Q(tag__owner=user, tag__value__startswith=tag.value + SEPARATOR)
        queryset = queryset.filter(Exists(TagAsset.objects.filter(below, asset=OuterRef("pk"))))
    return queryset


def search_metadata(*, user: User, filters: dict) -> SearchPage:
    """One page of the search, in taken order (file_created_at, then id so pages never overlap). Written as JSON by
    PostgreSQL (assets.row_json), or read as rows (assets.rows) on SQLite; from models when the page asks for each
    asset's people (a query per asset)."""
    number, size = filters["page"], filters["size"]
    direction = "" if filters["order"] == "asc" else "-"
    order = (f"{direction}file_created_at", f"{direction}id")
    start = (number - 1) * size
    with_exif, with_stacked = filters["withExif"], bool(filters.get("withStacked"))
    searched = searched_assets(user=user, filters=filters).order_by(*order)
    if connection.vendor == "postgresql" and not filters["withPeople"]:
        written = page_json(
            searched, start=start, size=size, with_exif=with_exif, with_tags=with_exif, with_stack=with_stacked
        )
        return SearchPage(
            assets=written, number=number, has_next=written.has_next, with_exif=with_exif, with_people=False,
            with_stacked=with_stacked,
        )  # fmt: skip
    # The page's ids first, from the index alone, then only those rows with their EXIF: joined before the OFFSET,
    # PostgreSQL would join every skipped row too (page 80 of a 100,000-asset library: 80,000 joins).
    page_ids = list(searched.values_list("id", flat=True)[start : start + size + 1])
    queryset = Asset.objects.filter(pk__in=page_ids[:size]).order_by(*order)
    assets: list[Asset] | AssetRows
    if filters["withPeople"]:
        assets = list(_page_models(queryset, with_exif=with_exif, with_stacked=with_stacked))
    else:
        assets = asset_rows(queryset, with_exif=with_exif, with_tags=with_exif, with_stack=with_stacked)
    return SearchPage(
        assets=assets, number=number, has_next=len(page_ids) > size, with_exif=with_exif,
        with_people=filters["withPeople"], with_stacked=with_stacked,
    )  # fmt: skip


def _page_models(queryset: QuerySet[Asset], *, with_exif: bool, with_stacked: bool) -> QuerySet[Asset]:
    queryset = with_duplicate_group(queryset.select_related("exif", "video", "nsfw"))
    if with_exif:
        queryset = queryset.prefetch_related(Prefetch("tags", to_attr="tag_list"))
    else:
        queryset = queryset.defer(*LARGE_EXIF_COLUMNS)  # the answer has no exifInfo: the description stays unread
    if with_stacked:
        stacks = Stack.objects.annotate(asset_count=Count("members"))
        queryset = queryset.prefetch_related(Prefetch("stack_link__stack", queryset=stacks))
    return queryset


def search_random(*, user: User, filters: dict) -> SearchPage:
    """Up to `size` of the matching assets, picked at random."""
    queryset = with_duplicate_group(searched_assets(user=user, filters=filters).select_related("exif", "video", "nsfw"))
    queryset = queryset.order_by("?")
    if filters["withExif"]:
        queryset = queryset.prefetch_related(Prefetch("tags", to_attr="tag_list"))
    return SearchPage(
        assets=list(queryset[: filters["size"]]), number=1, has_next=False, with_exif=filters["withExif"],
        with_people=filters["withPeople"], with_stacked=bool(filters.get("withStacked")),
    )  # fmt: skip


def assets_by_city(*, user: User, min_assets: int = 1, limit: int | None = None) -> list[Asset]:
    """One photo per city of the caller's timeline (the newest), cities in alphabetical order; `min_assets`: only
    cities with that many photos. Picked in Python rather than with DISTINCT ON, which SQLite lacks."""
    photos = (
        Asset.objects.filter(owner=user, visibility=Visibility.TIMELINE, deleted_at__isnull=True, type=AssetType.IMAGE)
        .exclude(status=AssetStatus.DELETED)
        .filter(exif__city__isnull=False)
        .exclude(exif__city="")
    )
    chosen: dict[str | None, object] = {}
    counts: dict[str | None, int] = {}
    for city, asset_id in photos.order_by("exif__city", "-file_created_at", "id").values_list("exif__city", "id"):
        chosen.setdefault(city, asset_id)
        counts[city] = counts.get(city, 0) + 1
    cities = [city for city in chosen if counts[city] >= min_assets][:limit]
    by_id = with_duplicate_group(Asset.objects.select_related("exif", "video", "nsfw")).in_bulk(
        [chosen[city] for city in cities]
    )
    return [by_id[chosen[city]] for city in cities]


# Immich's explore page: cities with at least 5 photos, at most 12 of them.
EXPLORE_MIN_ASSETS, EXPLORE_MAX_FIELDS = 5, 12


def explore_cities(*, user: User) -> list[Asset]:
    return assets_by_city(user=user, min_assets=EXPLORE_MIN_ASSETS, limit=EXPLORE_MAX_FIELDS)


def places(*, name: str, limit: int = 20) -> list[dict]:
    """Places of the world named like `name` (Immich's search of its GeoNames places): exact names first, then those
    it begins, then those containing it, the most populous first; each with its state and county when known."""
    return [
        {"name": place.name, "latitude": place.latitude, "longitude": place.longitude,
         **({"admin1name": place.admin1_name} if place.admin1_name else {}),
         **({"admin2name": place.admin2_name} if place.admin2_name else {})}
        for place in gazetteer().named(name, limit=limit)
    ]  # fmt: skip


def people_named(*, user: User, name: str, with_hidden: bool) -> QuerySet[Person]:
    """The caller's people one of whose names starts with `name` (Immich: "Ann" finds "Ann Lee" and "Mary Ann")."""
    people = people_of(user=user, with_hidden=with_hidden)
    return people.filter(Q(name__istartswith=name) | Q(name__icontains=f" {name}"))


def search_statistics(*, user: User, filters: dict) -> dict:
    return {"total": searched_assets(user=user, filters=filters).count()}


# Suggestion type -> (EXIF column, {query parameter: the column it narrows by}).
SUGGESTIONS = {
    "country": ("country", {}),
    "state": ("state", {"country": "country"}),
    "city": ("city", {"country": "country", "state": "state"}),
    "camera-make": ("make", {"model": "model", "lensModel": "lens_model"}),
    "camera-model": ("model", {"make": "make", "lensModel": "lens_model"}),
    "camera-lens-model": ("lens_model", {"make": "make", "model": "model"}),
}


def search_suggestions(*, user: User, kind: str, narrowing: dict) -> list[str]:
    """The distinct values of one EXIF column over the caller's timeline (not trashed), narrowed by the others."""
    column, narrowed_by = SUGGESTIONS[kind]
    exifs = AssetExif.objects.filter(
        asset__owner=user, asset__visibility=Visibility.TIMELINE, asset__deleted_at__isnull=True,
        **{f"{column}__isnull": False},
    ).exclude(**{column: ""})  # fmt: skip
    for name, other in narrowed_by.items():
        if narrowing.get(name):
            exifs = exifs.filter(**{other: narrowing[name]})
    return list(exifs.order_by(column).values_list(column, flat=True).distinct())

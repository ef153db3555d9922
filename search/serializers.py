"""Input and output of `/api/search`, named and shaped as Immich 3.1's DTOs (`@immich/sdk` 3.1.0)."""

from __future__ import annotations

import orjson
from rest_framework import serializers

from albums.serializers import AlbumResponseDto
from assets.models import AssetType, Visibility
from assets.responses import AssetResponseDto
from assets.row_bodies import asset_bodies
from assets.row_json import JsonPage
from assets.rows import AssetRows
from immich.limits import NAME_MAX_LENGTH, PATH_MAX_LENGTH, TEXT_MAX_LENGTH

# Immich's limit on a page of search results.
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 250


def _nullable_text():
    """A filter where null means "has no value" and absence means "any value"."""
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=TEXT_MAX_LENGTH)


class RejectUnknownFieldsMixin:
    """Immich's DTOs name every filter; one this server does not know is a mistake to report, not a filter to drop
    silently (the answer would look filtered while it is not)."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            # zod's words for a strict object's unknown keys (an issue of the whole body: its path is empty)
            keys = ", ".join(f'"{key}"' for key in unknown)
            raise serializers.ValidationError(f"Unrecognized key{'s' if len(unknown) > 1 else ''}: {keys}")
        return attrs


class StatisticsSearchDto(RejectUnknownFieldsMixin, serializers.Serializer):
    """The filters shared by the metadata search and the statistics (Immich's BaseSearchDto with a description)."""

    libraryId = serializers.UUIDField(required=False, allow_null=True)
    type = serializers.ChoiceField(choices=AssetType.values, required=False)
    isEncoded = serializers.BooleanField(required=False)
    isFavorite = serializers.BooleanField(required=False)
    isMotion = serializers.BooleanField(required=False)
    isOffline = serializers.BooleanField(required=False)
    isNotInAlbum = serializers.BooleanField(required=False)
    isNsfw = serializers.BooleanField(required=False, help_text="Beyond Immich (issue 25): flagged NSFW, or not")
    visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
    createdBefore = serializers.DateTimeField(required=False)
    createdAfter = serializers.DateTimeField(required=False)
    updatedBefore = serializers.DateTimeField(required=False)
    updatedAfter = serializers.DateTimeField(required=False)
    trashedBefore = serializers.DateTimeField(required=False)
    trashedAfter = serializers.DateTimeField(required=False)
    takenBefore = serializers.DateTimeField(required=False)
    takenAfter = serializers.DateTimeField(required=False)
    city = _nullable_text()
    state = _nullable_text()
    country = _nullable_text()
    make = _nullable_text()
    model = _nullable_text()
    lensModel = _nullable_text()
    personIds = serializers.ListField(child=serializers.UUIDField(), required=False)
    tagIds = serializers.ListField(child=serializers.UUIDField(), required=False, allow_null=True)
    albumIds = serializers.ListField(child=serializers.UUIDField(), required=False)
    rating = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    ocr = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    transcript = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)


class MetadataSearchDto(StatisticsSearchDto):
    id = serializers.UUIDField(required=False)
    checksum = serializers.CharField(
        required=False, allow_blank=True, help_text="base64 (28 characters) or hex SHA-1", max_length=TEXT_MAX_LENGTH
    )
    originalFileName = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    originalPath = serializers.CharField(required=False, allow_blank=True, max_length=PATH_MAX_LENGTH)
    previewPath = serializers.CharField(required=False, allow_blank=True, max_length=PATH_MAX_LENGTH)
    thumbnailPath = serializers.CharField(required=False, allow_blank=True, max_length=PATH_MAX_LENGTH)
    encodedVideoPath = serializers.CharField(required=False, allow_blank=True, max_length=PATH_MAX_LENGTH)
    # Dropped from Immich 3.0's DTO; this server still records both, and older clients send them.
    deviceId = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    deviceAssetId = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    withDeleted = serializers.BooleanField(required=False, default=False)
    withExif = serializers.BooleanField(required=False, default=False)
    withPeople = serializers.BooleanField(required=False, default=False)
    withStacked = serializers.BooleanField(
        required=False, help_text="false: only assets in no stack; true: each asset with its stack"
    )
    order = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="desc")
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    size = serializers.IntegerField(required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE)


class SearchFacetCountResponseDto(serializers.Serializer):
    count = serializers.IntegerField()
    value = serializers.CharField()


class SearchFacetResponseDto(serializers.Serializer):
    fieldName = serializers.CharField()
    counts = SearchFacetCountResponseDto(many=True)


class SearchAlbumResponseDto(serializers.Serializer):
    total = serializers.IntegerField()
    count = serializers.IntegerField()
    items = AlbumResponseDto(many=True)
    facets = SearchFacetResponseDto(many=True)


def asset_items(page) -> list[dict]:
    """The assets of a search answer: `exifInfo` and `tags` only with `withExif` (Immich leaves the keys out unless
    asked: `exifInfo?` in the SDK), people with `withPeople`, each asset's stack with `withStacked`. A page read as
    rows is made into bodies straight from them (assets.row_bodies), the same bodies."""
    if isinstance(page.assets, AssetRows):
        return asset_bodies(page.assets)
    context = {
        "with_people": page.with_people, "with_exif": page.with_exif, "with_tags": page.with_exif,
        "with_stack": page.with_stacked,
    }  # fmt: skip
    items: list[dict] = list(AssetResponseDto(page.assets, many=True, context=context).data)
    if not page.with_exif:
        for item in items:
            del item["exifInfo"]
    return items


class SearchAssetResponseDto(serializers.Serializer):
    """A page of assets. `total` is the page's count, as Immich (deprecated there in 3.0); `nextPage` is the next
    page's number as a string, or null on the last page (immich-go decodes it with `json:",string"`)."""

    total = serializers.IntegerField()
    count = serializers.IntegerField()
    items = AssetResponseDto(many=True)
    facets = SearchFacetResponseDto(many=True)
    nextPage = serializers.CharField(allow_null=True)

    def to_representation(self, page) -> dict:
        if isinstance(page.assets, JsonPage):  # passed on as PostgreSQL wrote it (immich.renderers.PlainJSONRenderer)
            items: list[dict] | orjson.Fragment = orjson.Fragment(page.assets.items)
            count = page.assets.count
        else:
            items = asset_items(page)
            count = len(items)
        return {
            "total": count,
            "count": count,
            "items": items,
            "facets": [],
            "nextPage": str(page.number + 1) if page.has_next else None,
        }


class SearchResponseDto(serializers.Serializer):
    """Metadata search finds assets only; `albums` is always empty, as Immich answers it."""

    albums = SearchAlbumResponseDto()
    assets = SearchAssetResponseDto()

    def to_representation(self, page) -> dict:
        return {
            "albums": {"total": 0, "count": 0, "items": [], "facets": []},
            "assets": SearchAssetResponseDto(page).data,
        }


class SearchStatisticsResponseDto(serializers.Serializer):
    total = serializers.IntegerField()


class SearchSuggestionRequestDto(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["country", "state", "city", "camera-make", "camera-model", "camera-lens-model"]
    )
    country = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    state = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    make = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    model = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    lensModel = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    includeNull = serializers.BooleanField(
        required=False, default=False, help_text="Add null to the list (a choice of none)"
    )


class RandomSearchDto(StatisticsSearchDto):
    size = serializers.IntegerField(required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE)
    withDeleted = serializers.BooleanField(required=False, default=False)
    withExif = serializers.BooleanField(required=False, default=False)
    withPeople = serializers.BooleanField(required=False, default=False)
    withStacked = serializers.BooleanField(required=False)


class RandomSearchResponseDto(serializers.ListSerializer):
    child = AssetResponseDto()

    def to_representation(self, page) -> list[dict]:
        return asset_items(page)


class SmartSearchDto(serializers.Serializer):
    """Accepted as any body: smart search answers the same 400 whatever is asked while no model runs."""


class SearchExploreItem(serializers.Serializer):
    value = serializers.CharField()
    data = AssetResponseDto()  # type: ignore[assignment]  # Immich names the field `data`, as Serializer's property


class SearchExploreResponseDto(serializers.Serializer):
    fieldName = serializers.CharField()
    items = SearchExploreItem(many=True)

    def to_representation(self, instance) -> dict:
        field_name, assets = instance
        items = AssetResponseDto(assets, many=True).data
        return {"fieldName": field_name, "items": [{"value": a.exif.city, "data": d} for a, d in zip(assets, items)]}


class PlacesResponseDto(serializers.Serializer):
    name = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    admin1name = serializers.CharField(required=False)
    admin2name = serializers.CharField(required=False)


class SearchPlacesQuery(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)


class SearchPersonQuery(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    withHidden = serializers.BooleanField(required=False, default=False)

"""`/api/search`: the caller's assets found by their metadata, and how many match."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from assets.models import Visibility
from assets.responses import AssetResponseDto
from immich.api import validated
from immich.errors import BadRequest
from immich.renderers import PlainJSONRenderer
from people.serializers import PersonResponseDto
from search import selectors
from search.serializers import (
    MetadataSearchDto,
    PlacesResponseDto,
    RandomSearchDto,
    RandomSearchResponseDto,
    SearchExploreResponseDto,
    SearchPersonQuery,
    SearchPlacesQuery,
    SearchResponseDto,
    SearchStatisticsResponseDto,
    SearchSuggestionRequestDto,
    SmartSearchDto,
    StatisticsSearchDto,
)


def _search_filters(serializer_class, request) -> dict:
    filters = validated(serializer_class, request.data)
    if filters.get("visibility") == Visibility.LOCKED:
        pin.elevation_required(request.auth)  # the locked folder opens only to a session unlocked by the PIN
    return filters


class SearchMetadataApi(APIView):
    required_permission = "asset.read"
    renderer_classes = [PlainJSONRenderer]  # a page is a thousand asset bodies of plain values

    @extend_schema(request=MetadataSearchDto, responses={200: SearchResponseDto})
    def post(self, request):
        page = selectors.search_metadata(user=request.user, filters=_search_filters(MetadataSearchDto, request))
        return Response(SearchResponseDto(page).data)


class SearchStatisticsApi(APIView):
    required_permission = "asset.statistics"

    @extend_schema(request=StatisticsSearchDto, responses={200: SearchStatisticsResponseDto})
    def post(self, request):
        counts = selectors.search_statistics(user=request.user, filters=_search_filters(StatisticsSearchDto, request))
        return Response(SearchStatisticsResponseDto(counts).data)


class SearchSuggestionsApi(APIView):
    required_permission = "asset.read"

    @extend_schema(
        parameters=[SearchSuggestionRequestDto],
        responses={200: {"type": "array", "items": {"type": "string", "nullable": True}}},
    )
    def get(self, request):
        query = validated(SearchSuggestionRequestDto, request.query_params)
        values: list[str | None] = selectors.search_suggestions(user=request.user, kind=query["type"], narrowing=query)
        return Response(values + [None] if query["includeNull"] else values)


class SearchRandomApi(APIView):
    required_permission = "asset.read"

    @extend_schema(request=RandomSearchDto, responses={200: AssetResponseDto(many=True)})
    def post(self, request):
        page = selectors.search_random(user=request.user, filters=_search_filters(RandomSearchDto, request))
        return Response(RandomSearchResponseDto(page).data)


class SearchSmartApi(APIView):
    required_permission = "asset.read"
    error_responses = {"POST": (400,)}  # always, while no model runs

    @extend_schema(request=SmartSearchDto, responses={200: SearchResponseDto})
    def post(self, request):
        # Immich's answer while machine learning is off; this server runs no CLIP model.
        raise BadRequest("Smart search is not enabled")


class SearchCitiesApi(APIView):
    required_permission = "asset.read"

    @extend_schema(responses={200: AssetResponseDto(many=True)})
    def get(self, request):
        return Response(AssetResponseDto(selectors.assets_by_city(user=request.user), many=True).data)


class SearchExploreApi(APIView):
    required_permission = "asset.read"

    @extend_schema(responses={200: SearchExploreResponseDto(many=True)})
    def get(self, request):
        cities = selectors.explore_cities(user=request.user)
        return Response([SearchExploreResponseDto(("exifInfo.city", cities)).data])


class SearchPlacesApi(APIView):
    required_permission = "asset.read"

    @extend_schema(parameters=[SearchPlacesQuery], responses={200: PlacesResponseDto(many=True)})
    def get(self, request):
        name = validated(SearchPlacesQuery, request.query_params)["name"]
        return Response(PlacesResponseDto(selectors.places(name=name), many=True).data)


class SearchPersonApi(APIView):
    required_permission = "person.read"

    @extend_schema(parameters=[SearchPersonQuery], responses={200: PersonResponseDto(many=True)})
    def get(self, request):
        query = validated(SearchPersonQuery, request.query_params)
        people = selectors.people_named(user=request.user, name=query["name"], with_hidden=query["withHidden"])
        return Response(PersonResponseDto(people, many=True).data)

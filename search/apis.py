"""`/api/search`: the caller's assets found by their metadata, and how many match."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from assets.models import Visibility
from immich.api import validated
from search import selectors
from search.serializers import (
    MetadataSearchDto,
    SearchResponseDto,
    SearchStatisticsResponseDto,
    SearchSuggestionRequestDto,
    StatisticsSearchDto,
)


def _search_filters(serializer_class, request) -> dict:
    filters = validated(serializer_class, request.data)
    if filters.get("visibility") == Visibility.LOCKED:
        pin.elevation_required(request.auth)  # the locked folder opens only to a session unlocked by the PIN
    return filters


class SearchMetadataApi(APIView):
    required_permission = "asset.read"

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

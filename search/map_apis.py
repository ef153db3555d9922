"""`/api/map`: markers and reverse geocoding, named and shaped as Immich 3.1's MapController."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from immich.api import validated
from search import map as map_selectors
from search.places import place_of


class MapMarkerDto(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, allow_null=True, default=None)
    isFavorite = serializers.BooleanField(required=False, allow_null=True, default=None)
    fileCreatedAfter = serializers.DateTimeField(required=False)
    fileCreatedBefore = serializers.DateTimeField(required=False)
    withPartners = serializers.BooleanField(required=False, default=False)
    withSharedAlbums = serializers.BooleanField(required=False, default=False)


class MapReverseGeocodeResponseDto(serializers.Serializer):
    city = serializers.CharField(allow_null=True)
    state = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)


class MapMarkerResponseDto(MapReverseGeocodeResponseDto):
    id = serializers.UUIDField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class MapReverseGeocodeDto(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)  # not finite (NaN, Infinity): refused
    lon = serializers.FloatField(min_value=-180, max_value=180)


class MapMarkersApi(APIView):
    required_permission = "map.read"

    @extend_schema(parameters=[MapMarkerDto], responses={200: MapMarkerResponseDto(many=True)})
    def get(self, request):
        query = validated(MapMarkerDto, request.query_params)
        markers = map_selectors.map_markers(
            user=request.user,
            is_archived=query["isArchived"],
            is_favorite=query["isFavorite"],
            created_after=query.get("fileCreatedAfter"),
            created_before=query.get("fileCreatedBefore"),
            with_partners=query["withPartners"],
            with_shared_albums=query["withSharedAlbums"],
        )
        return Response(markers)  # already in MapMarkerResponseDto's shape: a long list, not serialized again


class MapReverseGeocodeApi(APIView):
    required_permission = "map.search"

    @extend_schema(parameters=[MapReverseGeocodeDto], responses={200: MapReverseGeocodeResponseDto(many=True)})
    def get(self, request):
        query = validated(MapReverseGeocodeDto, request.query_params)
        place = place_of(latitude=query["lat"], longitude=query["lon"])
        return Response([MapReverseGeocodeResponseDto(place).data])  # one answer, as Immich's

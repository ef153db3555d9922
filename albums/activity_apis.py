"""`/api/activities`: comments and likes on the albums the caller may read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from albums import activity_services
from albums.activity_serializers import (
    ActivityCreateSerializer,
    ActivityQuerySerializer,
    ActivityResponseDto,
    ActivityStatisticsQuerySerializer,
    ActivityStatisticsResponseDto,
)
from immich import access
from immich.api import validated


class ActivitiesApi(APIView):
    required_permission = {"GET": "activity.read", "POST": "activity.create"}
    error_responses = {"GET": (404,), "POST": (404,)}  # an album the caller may not read, or comment on

    @extend_schema(parameters=[ActivityQuerySerializer], responses={200: ActivityResponseDto(many=True)})
    def get(self, request):
        query = validated(ActivityQuerySerializer, request.query_params)
        access.require(access.actor_of(request), "album.read", [query["albumId"]])
        activities = activity_services.activities_of(
            album_id=query["albumId"],
            asset_id=query.get("assetId"),
            level=query.get("level"),
            kind=query.get("type"),
            user_id=query.get("userId"),
        )
        return Response(ActivityResponseDto(activities, many=True).data)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivityResponseDto, 200: ActivityResponseDto})
    def post(self, request):
        data = validated(ActivityCreateSerializer, request.data)
        activity, created = activity_services.activity_create(
            actor=access.actor_of(request),
            album_id=data["albumId"],
            asset_id=data.get("assetId"),
            kind=data["type"],
            comment=data.get("comment"),
        )
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ActivityResponseDto(activity).data, status=answer)


class ActivityStatisticsApi(APIView):
    required_permission = "activity.statistics"
    error_responses = {"GET": (404,)}

    @extend_schema(parameters=[ActivityStatisticsQuerySerializer], responses={200: ActivityStatisticsResponseDto})
    def get(self, request):
        query = validated(ActivityStatisticsQuerySerializer, request.query_params)
        access.require(access.actor_of(request), "album.read", [query["albumId"]])
        counts = activity_services.activity_statistics(album_id=query["albumId"], asset_id=query.get("assetId"))
        return Response(ActivityStatisticsResponseDto(counts).data)


class ActivityDetailApi(APIView):
    required_permission = "activity.delete"

    @extend_schema(responses={204: None})
    def delete(self, request, activity_id):
        activity_services.activity_delete(actor=access.actor_of(request), activity_id=activity_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""The timeline (its months and one month's assets) and the asset counts, of the caller or (for an admin) of a user."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from accounts.models import User
from assets import selectors
from assets.models import Visibility
from assets.responses import (
    AssetStatsResponseDto,
    TimeBucketAssetResponseDto,
    TimeBucketsResponseDto,
)
from assets.serializers import (
    TimelineQuerySerializer,
)
from immich import access
from immich.api import validated
from immich.errors import BadRequest


def _locked_checked(request, query: dict) -> dict:
    """Asking for the locked folder needs a session unlocked by the PIN (401 otherwise, as Immich answers)."""
    if query.get("visibility") == Visibility.LOCKED:
        pin.elevation_required(request.auth)
    return query


def _timeline_filters(request) -> dict:
    query = _locked_checked(request, validated(TimelineQuerySerializer, request.query_params))
    return {
        "actor": access.actor_of(request),
        "user_id": query.get("userId"),
        "visibility": query.get("visibility"),
        "is_favorite": query.get("isFavorite"),
        "is_trashed": query.get("isTrashed"),
        "album_id": query.get("albumId"),
        "person_id": query.get("personId"),
        "tag_id": query.get("tagId"),
        "order": query["order"],
        "time_bucket": query.get("timeBucket"),
        "with_partners": query["withPartners"],
        "with_stacked": query["withStacked"],
    }


class TimeBucketsApi(APIView):
    required_permission = "timeline.read"
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimeBucketsResponseDto(many=True)})
    def get(self, request):
        filters = _timeline_filters(request)
        filters.pop("time_bucket")
        return Response(TimeBucketsResponseDto(selectors.time_buckets(user=request.user, **filters), many=True).data)


class TimeBucketApi(APIView):
    required_permission = "timeline.read"
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimeBucketAssetResponseDto})
    def get(self, request):
        filters = _timeline_filters(request)
        bucket = filters.pop("time_bucket")
        try:
            start = datetime.fromisoformat(bucket.replace("Z", "+00:00")) if bucket else None
        except ValueError:
            start = None
        if start is None:
            raise BadRequest("timeBucket must be an ISO date such as 2024-01-01")
        start = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=start.tzinfo or timezone.utc)
        try:
            end = (start + timedelta(days=32)).replace(day=1)
        except OverflowError:
            raise BadRequest("timeBucket is past the last month a date can name") from None
        assets = list(selectors.bucket_assets(user=request.user, bucket_start=start, bucket_end=end, **filters))
        stacks = selectors.stack_counts(asset_ids=[asset.id for asset in assets]) if filters["with_stacked"] else None
        return Response(TimeBucketAssetResponseDto(assets, context={"stacks": stacks}).data)


class AssetStatisticsApi(APIView):
    required_permission = "asset.statistics"

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: AssetStatsResponseDto})
    def get(self, request):
        query = _locked_checked(request, validated(TimelineQuerySerializer, request.query_params))
        counts = selectors.asset_statistics(
            user=request.user,
            visibility=query.get("visibility"),
            is_favorite=query.get("isFavorite"),
            is_trashed=query.get("isTrashed"),
        )
        return Response(AssetStatsResponseDto(counts).data)


class AdminUserStatisticsApi(APIView):
    """`GET /api/admin/users/{id}/statistics`: a user's asset counts, with the filters of the caller's own."""

    admin_only = True
    required_permission = "adminUser.read"

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: AssetStatsResponseDto})
    def get(self, request, user_id):
        query = validated(TimelineQuerySerializer, request.query_params)
        counts = selectors.asset_statistics(
            user=get_object_or_404(User, pk=user_id),
            visibility=query.get("visibility"),
            is_favorite=query.get("isFavorite"),
            is_trashed=query.get("isTrashed"),
        )
        return Response(AssetStatsResponseDto(counts).data)

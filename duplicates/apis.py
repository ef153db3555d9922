"""`/api/duplicates`: a user's groups of duplicate assets, dismissed or resolved (Immich's API)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.responses import BulkIdResponseDto
from assets.serializers import AssetIdsSerializer
from duplicates import resolution, selectors, services
from duplicates.serializers import DuplicateResolveDto, DuplicateResponseDto
from immich.access import actor_of
from immich.api import validated


class DuplicatesApi(APIView):
    required_permission = {"GET": "duplicate.read", "DELETE": "duplicate.delete"}

    @extend_schema(responses={200: DuplicateResponseDto(many=True)})
    def get(self, request):
        groups = selectors.duplicate_groups(owner=request.user)
        return Response(
            [DuplicateResponseDto((group, assets, selectors.suggested_keep(assets))).data for group, assets in groups]
        )

    @extend_schema(request=AssetIdsSerializer, responses={204: None})
    def delete(self, request):
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        services.duplicates_dismiss(actor=actor_of(request), ids=ids)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DuplicateDetailApi(APIView):
    required_permission = "duplicate.delete"

    @extend_schema(responses={204: None})
    def delete(self, request, duplicate_id):
        services.duplicates_dismiss(actor=actor_of(request), ids=[duplicate_id])
        return Response(status=status.HTTP_204_NO_CONTENT)


class DuplicateResolveApi(APIView):
    required_permission = "duplicate.delete"

    @extend_schema(request=DuplicateResolveDto, responses={200: BulkIdResponseDto(many=True)})
    def post(self, request):
        groups = validated(DuplicateResolveDto, request.data)["groups"]
        return Response(resolution.duplicates_resolve(actor=actor_of(request), groups=groups))

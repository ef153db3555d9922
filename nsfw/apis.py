"""`PUT /api/admin/nsfw/assets`: the administrator's verdict on assets, whatever their score (beyond Immich)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from immich.api import validated
from nsfw import services
from nsfw.serializers import NsfwOverrideDto, NsfwOverrideResponseDto


class NsfwOverrideApi(APIView):
    admin_only = True
    required_permission = "asset.update"

    @extend_schema(request=NsfwOverrideDto, responses={200: NsfwOverrideResponseDto})
    def put(self, request):
        data = validated(NsfwOverrideDto, request.data)
        count = services.verdicts_override(asset_ids=data["assetIds"], verdict=data["verdict"], by=request.user)
        return Response(NsfwOverrideResponseDto({"count": count}).data)

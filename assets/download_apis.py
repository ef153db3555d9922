"""`/api/download`: what a download is made of, and one archive of originals streamed as a zip. Link holders call
both with the link's key or slug, when the link allows downloads."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import downloads
from immich import access
from immich.api import LINK_PARAMETERS, validated


class DownloadInfoSerializer(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False)
    albumId = serializers.UUIDField(required=False)
    userId = serializers.UUIDField(required=False)
    archiveSize = serializers.IntegerField(required=False, min_value=1)


class DownloadArchiveSerializer(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    edited = serializers.BooleanField(required=False, default=False)


class DownloadArchiveInfo(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField())
    size = serializers.IntegerField()


class DownloadResponseDto(serializers.Serializer):
    totalSize = serializers.IntegerField()
    archives = DownloadArchiveInfo(many=True)


class DownloadInfoApi(APIView):
    required_permission = "asset.download"
    error_responses = {"POST": (404,)}  # ids the caller may not download
    shared_link_methods = ("POST",)

    @extend_schema(parameters=LINK_PARAMETERS, request=DownloadInfoSerializer, responses={201: DownloadResponseDto})
    def post(self, request):
        data = validated(DownloadInfoSerializer, request.data)
        info = downloads.download_info(
            actor=access.actor_of(request),
            asset_ids=data.get("assetIds"),
            album_id=data.get("albumId"),
            user_id=data.get("userId"),
            archive_size=data.get("archiveSize"),
        )
        return Response(DownloadResponseDto(info).data, status=201)


class DownloadArchiveApi(APIView):
    required_permission = "asset.download"
    error_responses = {"POST": (404,)}
    shared_link_methods = ("POST",)

    @extend_schema(
        parameters=LINK_PARAMETERS,
        request=DownloadArchiveSerializer,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},  # a zip of the originals
    )
    def post(self, request):
        ids = validated(DownloadArchiveSerializer, request.data)["assetIds"]
        assets = downloads.archive_assets(actor=access.actor_of(request), asset_ids=ids)
        response = StreamingHttpResponse(downloads.zip_stream(assets), content_type="application/octet-stream")
        response["Content-Disposition"] = 'attachment; filename="immich.zip"'
        return response

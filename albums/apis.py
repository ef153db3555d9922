"""`/api/albums`: a user's albums, their details and their assets."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from albums import selectors, services
from albums.models import Album
from albums.serializers import (
    AlbumCreateSerializer,
    AlbumListQuerySerializer,
    AlbumResponseDto,
    AlbumUpdateSerializer,
)
from assets.responses import BulkIdResponseDto
from assets.serializers import AssetIdsSerializer
from immich.api import validated


def _owned_album(request, album_id) -> Album:
    album = selectors.album_for(user=request.user, album_id=album_id)
    if album is None:
        raise Http404("Album not found")
    return album


class AlbumsApi(APIView):
    required_permission = {"GET": "album.read", "POST": "album.create"}

    @extend_schema(parameters=[AlbumListQuerySerializer], responses={200: AlbumResponseDto(many=True)})
    def get(self, request):
        asset_id = validated(AlbumListQuerySerializer, request.query_params).get("assetId")
        return Response(AlbumResponseDto(selectors.albums_of(user=request.user, asset_id=asset_id), many=True).data)

    @extend_schema(request=AlbumCreateSerializer, responses={201: AlbumResponseDto})
    def post(self, request):
        data = validated(AlbumCreateSerializer, request.data)
        album = services.album_create(
            owner=request.user, name=data["albumName"], description=data["description"], asset_ids=data["assetIds"]
        )
        return Response(AlbumResponseDto(_owned_album(request, album.id)).data, status=status.HTTP_201_CREATED)


class AlbumDetailApi(APIView):
    required_permission = {"GET": "album.read", "PATCH": "album.update", "DELETE": "album.delete"}

    @extend_schema(parameters=[OpenApiParameter("withoutAssets", bool)], responses={200: AlbumResponseDto})
    def get(self, request, album_id):
        album = _owned_album(request, album_id)
        without_assets = request.query_params.get("withoutAssets") == "true"
        assets = [] if without_assets else list(selectors.album_assets(album=album))
        return Response(AlbumResponseDto(album, context={"assets": assets}).data)

    @extend_schema(request=AlbumUpdateSerializer, responses={200: AlbumResponseDto})
    def patch(self, request, album_id):
        album = _owned_album(request, album_id)
        data = validated(AlbumUpdateSerializer, request.data)
        services.album_update(owner=request.user, album=album, changes=data)
        return Response(AlbumResponseDto(_owned_album(request, album_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, album_id):
        _owned_album(request, album_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlbumAssetsApi(APIView):
    required_permission = {"PUT": "albumAsset.create", "DELETE": "albumAsset.delete"}

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def put(self, request, album_id):
        album = _owned_album(request, album_id)
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        results = services.album_add_assets(owner=request.user, album=album, ids=ids)
        return Response(BulkIdResponseDto(results, many=True).data)

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def delete(self, request, album_id):
        album = _owned_album(request, album_id)
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        return Response(BulkIdResponseDto(services.album_remove_assets(album=album, ids=ids), many=True).data)

"""`/api/albums`: the albums a user owns or that are shared with them, their details, assets and members. What the
caller may do with an album is asked of `immich.access` (owner, editor, viewer, link holder)."""

from __future__ import annotations

import uuid

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
    AlbumStatisticsResponseDto,
    AlbumUpdateSerializer,
    AlbumUsersAddSerializer,
    AlbumUserUpdateSerializer,
)
from assets.responses import BulkIdResponseDto
from assets.serializers import AssetIdsSerializer
from immich import access
from immich.api import validated
from immich.errors import BadRequest, NoAccess


def album_with(request, album_id, permission: str) -> Album:
    """The album, when the caller may act on it with `permission`; NoAccess otherwise (an unknown id answers the
    same)."""
    actor = access.actor_of(request)
    access.require(actor, permission, [album_id])
    album = selectors.album_by_id(album_id=album_id)
    if album is None:  # removed since the check
        raise NoAccess(permission)
    return album


def _response(album_id) -> dict:
    return AlbumResponseDto(selectors.album_by_id(album_id=album_id)).data


class AlbumsApi(APIView):
    required_permission = {"GET": "album.read", "POST": "album.create"}

    @extend_schema(parameters=[AlbumListQuerySerializer], responses={200: AlbumResponseDto(many=True)})
    def get(self, request):
        query = validated(AlbumListQuerySerializer, request.query_params)
        albums = selectors.albums_of(
            user=request.user,
            asset_id=query.get("assetId"),
            is_owned=query["isOwned"],
            is_shared=query["isShared"],
            album_id=query.get("id"),
            name=query.get("name"),
        )
        return Response(AlbumResponseDto(albums, many=True).data)

    @extend_schema(request=AlbumCreateSerializer, responses={201: AlbumResponseDto})
    def post(self, request):
        data = validated(AlbumCreateSerializer, request.data)
        album = services.album_create(
            actor=access.actor_of(request),
            name=data["albumName"],
            description=data["description"],
            asset_ids=data["assetIds"],
            members=data["albumUsers"],
        )
        return Response(_response(album.id), status=status.HTTP_201_CREATED)


class AlbumStatisticsApi(APIView):
    required_permission = "album.statistics"

    @extend_schema(responses={200: AlbumStatisticsResponseDto})
    def get(self, request):
        return Response(AlbumStatisticsResponseDto(selectors.album_statistics(user=request.user)).data)


class AlbumDetailApi(APIView):
    required_permission = {"GET": "album.read", "PATCH": "album.update", "DELETE": "album.delete"}
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[OpenApiParameter("withoutAssets", bool)], responses={200: AlbumResponseDto})
    def get(self, request, album_id):
        album = album_with(request, album_id, "album.read")
        without_assets = request.query_params.get("withoutAssets") == "true"
        assets = [] if without_assets else list(selectors.album_assets(album=album))
        actor = access.actor_of(request)
        without_metadata = actor.link is not None and not actor.link.show_exif
        context = {"assets": assets, "without_metadata": without_metadata}
        context["contributor_counts"] = selectors.album_contributor_counts(album=album)
        return Response(AlbumResponseDto(album, context=context).data)

    @extend_schema(request=AlbumUpdateSerializer, responses={200: AlbumResponseDto})
    def patch(self, request, album_id):
        album = album_with(request, album_id, "album.update")
        services.album_update(album=album, changes=validated(AlbumUpdateSerializer, request.data))
        return Response(_response(album_id))

    @extend_schema(responses={204: None})
    def delete(self, request, album_id):
        album_with(request, album_id, "album.delete").delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlbumAssetsApi(APIView):
    required_permission = {"PUT": "albumAsset.create", "DELETE": "albumAsset.delete"}

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def put(self, request, album_id):
        album = album_with(request, album_id, "albumAsset.create")
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        results = services.album_add_assets(actor=access.actor_of(request), album=album, ids=ids)
        return Response(BulkIdResponseDto(results, many=True).data)

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def delete(self, request, album_id):
        album = album_with(request, album_id, "albumAsset.delete")
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        results = services.album_remove_assets(actor=access.actor_of(request), album=album, ids=ids)
        return Response(BulkIdResponseDto(results, many=True).data)


class AlbumUsersApi(APIView):
    required_permission = "albumUser.create"

    @extend_schema(request=AlbumUsersAddSerializer, responses={200: AlbumResponseDto})
    def put(self, request, album_id):
        album = album_with(request, album_id, "album.share")
        services.album_add_users(album=album, members=validated(AlbumUsersAddSerializer, request.data)["albumUsers"])
        return Response(_response(album_id))


def _user_id(request, user_id: str):
    """The path's user: an id, or `me` for the caller."""
    if user_id == "me":
        return request.user.id
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise BadRequest("userId must be a UUID or me") from None


class AlbumUserApi(APIView):
    required_permission = {"PUT": "albumUser.update", "DELETE": "albumUser.delete"}
    error_responses = {"DELETE": (400,)}  # not a member, or the owner

    @extend_schema(request=AlbumUserUpdateSerializer, responses={200: None})
    def put(self, request, album_id, user_id):
        album = album_with(request, album_id, "album.share")
        role = validated(AlbumUserUpdateSerializer, request.data)["role"]
        services.album_user_update(album=album, user_id=_user_id(request, user_id), role=role)
        return Response(status=status.HTTP_200_OK)

    @extend_schema(responses={200: None})
    def delete(self, request, album_id, user_id):
        album = album_with(request, album_id, "album.read")
        services.album_user_remove(actor=access.actor_of(request), album=album, user_id=_user_id(request, user_id))
        return Response(status=status.HTTP_200_OK)

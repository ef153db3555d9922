"""`/api/shared-links`: a user's links (create, list, change, remove, their assets), and for a link's holder
`GET /shared-links/me` and `POST /shared-links/login` (which sets the cookie that unlocks a password)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttle import client_address
from immich import access
from immich.api import LINK_PARAMETERS, validated
from immich.errors import BadRequest, Forbidden, Unauthorized
from sharing import link_selectors, link_services
from sharing.authentication import TOKEN_COOKIE, link_token
from sharing.link_serializers import (
    AssetIdsResponseDto,
    AssetIdsSerializer,
    SharedLinkCreateSerializer,
    SharedLinkEditSerializer,
    SharedLinkListQuerySerializer,
    SharedLinkLoginSerializer,
    SharedLinkResponseDto,
)
from sharing.models import SharedLink


def _owned_link(request, link_id) -> SharedLink:
    link = link_selectors.link_of(user=request.user, link_id=link_id)
    if link is None:
        raise BadRequest("Shared link not found")  # Immich's answer; another user's link answers the same
    return link


def _owner_view(link: SharedLink) -> dict:
    return SharedLinkResponseDto(link, context={"owner": True}).data


def _holders_link(request) -> SharedLink:
    credentials = request.auth
    if not getattr(credentials, "is_shared_link", False):
        raise Forbidden()
    return credentials.link


class SharedLinksApi(APIView):
    required_permission = {"GET": "sharedLink.read", "POST": "sharedLink.create"}
    error_responses = {"POST": (404,)}  # an album or asset the caller may not share

    @extend_schema(parameters=[SharedLinkListQuerySerializer], responses={200: SharedLinkResponseDto(many=True)})
    def get(self, request):
        query = validated(SharedLinkListQuerySerializer, request.query_params)
        links = link_selectors.links_of(user=request.user, album_id=query.get("albumId"), link_id=query.get("id"))
        return Response([_owner_view(link) for link in links])

    @extend_schema(request=SharedLinkCreateSerializer, responses={201: SharedLinkResponseDto})
    def post(self, request):
        data = validated(SharedLinkCreateSerializer, request.data)
        link = link_services.link_create(actor=access.actor_of(request), data=data)
        return Response(_owner_view(link), status=status.HTTP_201_CREATED)


class SharedLinkMeApi(APIView):
    shared_link_methods = ("GET",)
    shared_link_locked = True  # answers "Password required" itself
    error_responses = {"GET": (403,)}  # called without a link

    @extend_schema(parameters=LINK_PARAMETERS, responses={200: SharedLinkResponseDto})
    def get(self, request):
        link = _holders_link(request)
        if not request.auth.unlocked:
            raise Unauthorized("Password required")
        return Response(SharedLinkResponseDto(link).data)


class SharedLinkLoginApi(APIView):
    shared_link_methods = ("POST",)
    shared_link_locked = True
    error_responses = {"POST": (403, 429)}  # called without a link; too many wrong passwords

    @extend_schema(parameters=LINK_PARAMETERS, request=SharedLinkLoginSerializer,
                   responses={201: SharedLinkResponseDto})  # fmt: skip
    def post(self, request):
        link = _holders_link(request)
        password = validated(SharedLinkLoginSerializer, request.data)["password"]
        link_services.link_login(link=link, password=password, address=client_address(request))
        response = Response(SharedLinkResponseDto(link).data, status=status.HTTP_201_CREATED)
        response.set_cookie(TOKEN_COOKIE, link_token(link), httponly=True, samesite="Lax", max_age=86400)
        return response


class SharedLinkDetailApi(APIView):
    required_permission = {"GET": "sharedLink.read", "PATCH": "sharedLink.update", "DELETE": "sharedLink.delete"}

    @extend_schema(responses={200: SharedLinkResponseDto})
    def get(self, request, link_id):
        return Response(_owner_view(_owned_link(request, link_id)))

    @extend_schema(request=SharedLinkEditSerializer, responses={200: SharedLinkResponseDto})
    def patch(self, request, link_id):
        link = _owned_link(request, link_id)
        data = validated(SharedLinkEditSerializer, request.data)
        return Response(_owner_view(link_services.link_update(link=link, data=data)))

    @extend_schema(responses={200: None})
    def delete(self, request, link_id):
        _owned_link(request, link_id).delete()
        return Response(status=status.HTTP_200_OK)


class SharedLinkAssetsApi(APIView):
    required_permission = "sharedLink.update"

    @extend_schema(request=AssetIdsSerializer, responses={200: AssetIdsResponseDto(many=True)})
    def put(self, request, link_id):
        link = _owned_link(request, link_id)
        ids = validated(AssetIdsSerializer, request.data)["assetIds"]
        results = link_services.link_add_assets(actor=access.actor_of(request), link=link, ids=ids)
        return Response(AssetIdsResponseDto(results, many=True).data)

    @extend_schema(request=AssetIdsSerializer, responses={200: AssetIdsResponseDto(many=True)})
    def delete(self, request, link_id):
        link = _owned_link(request, link_id)
        ids = validated(AssetIdsSerializer, request.data)["assetIds"]
        return Response(AssetIdsResponseDto(link_services.link_remove_assets(link=link, ids=ids), many=True).data)

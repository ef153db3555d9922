"""`/api/tags`: a user's tags, and the assets they are put on."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.responses import BulkIdResponseDto, TagResponseDto
from assets.serializers import AssetIdsSerializer
from immich.api import validated
from immich.errors import NoAccess
from tags import selectors, services
from tags.models import Tag
from tags.serializers import TagBulkAssetsDto, TagBulkAssetsResponseDto, TagCreateDto, TagUpdateDto, TagUpsertDto


def _owned_tag(request, tag_id, permission: str) -> Tag:
    tag = selectors.tag_for(user=request.user, tag_id=tag_id)
    if tag is None:
        raise NoAccess(permission)  # another user's too: its existence is not revealed
    return tag


class TagsApi(APIView):
    required_permission = {"GET": "tag.read", "POST": "tag.create", "PUT": "tag.create"}

    @extend_schema(responses={200: TagResponseDto(many=True)})
    def get(self, request):
        return Response(TagResponseDto(selectors.tags_of(user=request.user), many=True).data)

    @extend_schema(request=TagCreateDto, responses={201: TagResponseDto})
    def post(self, request):
        data = validated(TagCreateDto, request.data)
        tag = services.tag_create(
            owner=request.user, name=data["name"], parent_id=data["parentId"], color=data["color"]
        )
        return Response(TagResponseDto(tag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TagUpsertDto, responses={200: TagResponseDto(many=True)})
    def put(self, request):
        values = validated(TagUpsertDto, request.data)["tags"]
        return Response(TagResponseDto(services.tags_upsert(owner=request.user, values=values), many=True).data)


class TagDetailApi(APIView):
    required_permission = {"GET": "tag.read", "PUT": "tag.update", "DELETE": "tag.delete"}

    @extend_schema(responses={200: TagResponseDto})
    def get(self, request, tag_id):
        return Response(TagResponseDto(_owned_tag(request, tag_id, "tag.read")).data)

    @extend_schema(request=TagUpdateDto, responses={200: TagResponseDto})
    def put(self, request, tag_id):
        tag = _owned_tag(request, tag_id, "tag.update")
        color = validated(TagUpdateDto, request.data)["color"]
        return Response(TagResponseDto(services.tag_update(tag=tag, color=color)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, tag_id):
        services.tag_delete(tag=_owned_tag(request, tag_id, "tag.delete"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagAssetsApi(APIView):
    required_permission = "tag.asset"

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def put(self, request, tag_id):
        tag = _owned_tag(request, tag_id, "tag.asset")
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        return Response(
            BulkIdResponseDto(services.tag_add_assets(owner=request.user, tag=tag, ids=ids), many=True).data
        )

    @extend_schema(request=AssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def delete(self, request, tag_id):
        tag = _owned_tag(request, tag_id, "tag.asset")
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        return Response(BulkIdResponseDto(services.tag_remove_assets(tag=tag, ids=ids), many=True).data)


class TagBulkAssetsApi(APIView):
    required_permission = "tag.asset"

    @extend_schema(request=TagBulkAssetsDto, responses={200: TagBulkAssetsResponseDto})
    def put(self, request):
        data = validated(TagBulkAssetsDto, request.data)
        count = services.tags_bulk_add_assets(owner=request.user, tag_ids=data["tagIds"], asset_ids=data["assetIds"])
        return Response(TagBulkAssetsResponseDto({"count": count}).data)

"""`/api/memories`: the caller's own memories only (another user's is a 404, like one that does not exist)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.responses import BulkIdResponseDto
from immich.api import validated
from immich.errors import NoAccess
from memories import selectors, services
from memories.models import Memory
from memories.serializers import (
    MemoryAssetIdsSerializer,
    MemoryCreateSerializer,
    MemoryResponseDto,
    MemorySearchSerializer,
    MemoryStatisticsResponseDto,
    MemoryUpdateSerializer,
)


def _responses(memories: list[Memory], *, many: bool = True):
    assets = {memory.id: list(selectors.memory_assets(memory=memory)) for memory in memories}
    return MemoryResponseDto(memories if many else memories[0], many=many, context={"assets": assets}).data


def _search(request):
    query = validated(MemorySearchSerializer, request.query_params.dict())
    found = selectors.memories_of(
        user=request.user,
        at=query.get("for"),
        is_saved=query["isSaved"],
        is_trashed=query["isTrashed"],
        type=query.get("type"),
    )
    return found, query


class MemoriesApi(APIView):
    required_permission = {"GET": "memory.read", "POST": "memory.create"}

    @extend_schema(parameters=[MemorySearchSerializer], responses={200: MemoryResponseDto(many=True)})
    def get(self, request):
        found, query = _search(request)
        return Response(_responses(selectors.memories_ordered(found, order=query.get("order"), size=query.get("size"))))

    @extend_schema(request=MemoryCreateSerializer, responses={201: MemoryResponseDto})
    def post(self, request):
        data = validated(MemoryCreateSerializer, request.data)
        memory = services.memory_create(
            user=request.user,
            type=data["type"],
            data=dict(data["data"]),
            memory_at=data["memoryAt"],
            is_saved=data["isSaved"],
            seen_at=data.get("seenAt"),
            show_at=data.get("showAt"),
            hide_at=data.get("hideAt"),
            asset_ids=data["assetIds"],
        )
        return Response(_responses([memory], many=False), status=201)


class MemoryStatisticsApi(APIView):
    required_permission = "memory.statistics"

    @extend_schema(parameters=[MemorySearchSerializer], responses={200: MemoryStatisticsResponseDto})
    def get(self, request):
        found, _ = _search(request)
        return Response(MemoryStatisticsResponseDto({"total": found.count()}).data)


class _OwnedMemoryApi(APIView):
    # Immich's access check per method: adding assets needs only read access to the memory
    access_permission = {"GET": "memory.read", "PUT": "memory.update", "DELETE": "memory.delete"}

    def owned(self, request, memory_id) -> Memory:
        memory = selectors.memory_for(user=request.user, memory_id=memory_id)
        if memory is None:
            raise NoAccess(self.access_permission[request.method])
        return memory


class MemoryDetailApi(_OwnedMemoryApi):
    required_permission = {"GET": "memory.read", "PUT": "memory.update", "DELETE": "memory.delete"}

    @extend_schema(responses={200: MemoryResponseDto})
    def get(self, request, memory_id):
        return Response(_responses([self.owned(request, memory_id)], many=False))

    @extend_schema(request=MemoryUpdateSerializer, responses={200: MemoryResponseDto})
    def put(self, request, memory_id):
        memory = self.owned(request, memory_id)
        memory = services.memory_update(memory=memory, changes=validated(MemoryUpdateSerializer, request.data))
        return Response(_responses([memory], many=False))

    @extend_schema(responses={204: None})
    def delete(self, request, memory_id):
        services.memory_delete(memory=self.owned(request, memory_id))
        return Response(status=204)


class MemoryAssetsApi(_OwnedMemoryApi):
    required_permission = {"PUT": "memoryAsset.create", "DELETE": "memoryAsset.delete"}
    access_permission = {"PUT": "memory.read", "DELETE": "memory.update"}

    @extend_schema(request=MemoryAssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def put(self, request, memory_id):
        memory = self.owned(request, memory_id)
        ids = validated(MemoryAssetIdsSerializer, request.data)["ids"]
        return Response(BulkIdResponseDto(services.memory_assets_add(memory=memory, asset_ids=ids), many=True).data)

    @extend_schema(request=MemoryAssetIdsSerializer, responses={200: BulkIdResponseDto(many=True)})
    def delete(self, request, memory_id):
        memory = self.owned(request, memory_id)
        ids = validated(MemoryAssetIdsSerializer, request.data)["ids"]
        results = services.memory_assets_remove(memory=memory, asset_ids=ids)
        return Response(BulkIdResponseDto(results, many=True).data)

"""The request and response shapes of `/api/memories`, named and typed as `@immich/sdk` 3.1.0 names them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.responses import AssetResponseDto
from immich.fields import ImmichDateTimeField, immich_date
from memories.models import Memory, MemoryType

ORDERS = ["asc", "desc", "random"]


class OnThisDayDto(serializers.Serializer):
    year = serializers.IntegerField(min_value=1, max_value=9999)


class MemorySearchSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {  # "for" is a Python keyword
            "for": serializers.DateTimeField(required=False),
            "isSaved": serializers.BooleanField(required=False, allow_null=True, default=None),
            "isTrashed": serializers.BooleanField(required=False, default=False),
            "type": serializers.ChoiceField(choices=MemoryType.choices, required=False),
            "order": serializers.ChoiceField(choices=ORDERS, required=False),
            "size": serializers.IntegerField(required=False, min_value=1),
        }


def _with_data(fields: dict) -> dict:
    """A serializer's fields with `data` (a name Serializer itself uses, so no class attribute may bear it)."""
    return {**fields, "data": OnThisDayDto()}


class MemoryCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=MemoryType.choices)
    memoryAt = serializers.DateTimeField()
    isSaved = serializers.BooleanField(required=False, default=False)
    seenAt = serializers.DateTimeField(required=False)
    showAt = serializers.DateTimeField(required=False)
    hideAt = serializers.DateTimeField(required=False)
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)

    def get_fields(self) -> dict:
        return _with_data(super().get_fields())


class MemoryUpdateSerializer(serializers.Serializer):
    isSaved = serializers.BooleanField(required=False, source="is_saved")
    memoryAt = serializers.DateTimeField(required=False, source="memory_at")
    seenAt = serializers.DateTimeField(required=False, source="seen_at")


class MemoryAssetIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField())


class MemoryResponseDto(serializers.Serializer):
    """Made from a memory, with `context={"assets": {memory id: its assets}}`. Dates that are not set are left out,
    as in the reference."""

    id = serializers.UUIDField()
    ownerId = serializers.UUIDField()
    type = serializers.ChoiceField(choices=MemoryType.choices)
    isSaved = serializers.BooleanField()
    memoryAt = ImmichDateTimeField()
    createdAt = ImmichDateTimeField()
    updatedAt = ImmichDateTimeField()
    seenAt = ImmichDateTimeField(required=False)
    showAt = ImmichDateTimeField(required=False)
    hideAt = ImmichDateTimeField(required=False)
    deletedAt = ImmichDateTimeField(required=False)
    assets = serializers.SerializerMethodField()

    def get_fields(self) -> dict:
        return _with_data(super().get_fields())

    @extend_schema_field(AssetResponseDto(many=True))
    def get_assets(self, memory: Memory) -> Any:
        return AssetResponseDto(self.context.get("assets", {}).get(memory.id, []), many=True).data

    def to_representation(self, memory: Memory) -> dict:
        body = {
            "id": str(memory.id),
            "ownerId": str(memory.owner_id),
            "type": memory.type,
            "data": memory.data,
            "isSaved": memory.is_saved,
            "memoryAt": immich_date(memory.memory_at),
            "createdAt": immich_date(memory.created_at),
            "updatedAt": immich_date(memory.updated_at),
            "assets": self.get_assets(memory),
        }
        for key, value in (
            ("seenAt", memory.seen_at),
            ("showAt", memory.show_at),
            ("hideAt", memory.hide_at),
            ("deletedAt", memory.deleted_at),
        ):
            if value is not None:
                body[key] = immich_date(value)
        return body


class MemoryStatisticsResponseDto(serializers.Serializer):
    total = serializers.IntegerField()

"""Input and output of `/api/stacks`, named and shaped as Immich 3.1's DTOs (`@immich/sdk` 3.1.0)."""

from __future__ import annotations

from rest_framework import serializers

from assets.responses import AssetResponseDto


class StackCreateDto(serializers.Serializer):
    assetIds = serializers.ListField(
        child=serializers.UUIDField(), help_text="The first becomes the primary; 2 or more"
    )


class StackUpdateDto(serializers.Serializer):
    primaryAssetId = serializers.UUIDField(required=False, allow_null=True, default=None)


class StackSearchDto(serializers.Serializer):
    primaryAssetId = serializers.UUIDField(required=False)


class StackResponseDto(serializers.Serializer):
    """A stack with its assets (the primary first); built from `(stack, assets)`."""

    id = serializers.UUIDField()
    primaryAssetId = serializers.UUIDField()
    assets = AssetResponseDto(many=True)

    def to_representation(self, instance) -> dict:
        stack, assets = instance
        return {
            "id": str(stack.id),
            "primaryAssetId": str(stack.primary_asset_id),
            "assets": AssetResponseDto(assets, many=True, context={"with_stack": True}).data,
        }

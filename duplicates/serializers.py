"""Input and output of `/api/duplicates`, named and shaped as Immich 3.1's DTOs (`@immich/sdk` 3.1.0)."""

from __future__ import annotations

from rest_framework import serializers

from assets.responses import AssetResponseDto


class DuplicateResponseDto(serializers.Serializer):
    """A group with its assets; built from `(group id, assets, suggested ids)`."""

    duplicateId = serializers.UUIDField()
    assets = AssetResponseDto(many=True)
    suggestedKeepAssetIds = serializers.ListField(child=serializers.UUIDField())

    def to_representation(self, instance) -> dict:
        group_id, assets, suggested = instance
        return {
            "duplicateId": str(group_id),
            "assets": AssetResponseDto(assets, many=True).data,
            "suggestedKeepAssetIds": suggested,
        }


class DuplicateResolveGroupDto(serializers.Serializer):
    duplicateId = serializers.UUIDField()
    keepAssetIds = serializers.ListField(child=serializers.UUIDField(), help_text="Asset IDs to keep")
    trashAssetIds = serializers.ListField(child=serializers.UUIDField(), help_text="Asset IDs to trash or delete")


class DuplicateResolveDto(serializers.Serializer):
    groups = DuplicateResolveGroupDto(many=True, allow_empty=False)

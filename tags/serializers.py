"""Input and output of `/api/tags`, named and shaped as Immich 3.1's DTOs (`@immich/sdk` 3.1.0). A tag's response
is assets' TagResponseDto, the one asset responses carry."""

from __future__ import annotations

from rest_framework import serializers

from immich.limits import NAME_MAX_LENGTH, PATH_MAX_LENGTH

COLOR_MAX_LENGTH = 32  # "#rrggbb" or a CSS colour name


class TagCreateDto(serializers.Serializer):
    name = serializers.CharField(trim_whitespace=False, max_length=NAME_MAX_LENGTH)
    parentId = serializers.UUIDField(required=False, allow_null=True, default=None)
    color = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=COLOR_MAX_LENGTH
    )


class TagUpdateDto(serializers.Serializer):
    color = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=COLOR_MAX_LENGTH
    )


class TagUpsertDto(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(trim_whitespace=False, max_length=PATH_MAX_LENGTH))


class TagBulkAssetsDto(serializers.Serializer):
    tagIds = serializers.ListField(child=serializers.UUIDField())
    assetIds = serializers.ListField(child=serializers.UUIDField())


class TagBulkAssetsResponseDto(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many (tag, asset) links were added")

"""Input validation and the response shapes of Immich's activity DTOs."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import UserResponseDto
from albums.models import Activity
from immich.fields import ImmichDateTimeField

REACTION_TYPES = ["comment", "like"]
REACTION_LEVELS = ["album", "asset"]


class ActivityResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    createdAt = ImmichDateTimeField(source="created_at")
    type = serializers.ChoiceField(choices=REACTION_TYPES)
    user = UserResponseDto()
    assetId = serializers.UUIDField(source="asset_id", allow_null=True)
    comment = serializers.CharField(required=False, allow_null=True)

    def to_representation(self, activity: Activity) -> dict:
        body = super().to_representation(activity)
        if activity.is_liked:
            body.pop("comment", None)
        return body


class ActivityStatisticsResponseDto(serializers.Serializer):
    comments = serializers.IntegerField()
    likes = serializers.IntegerField()


class ActivityQuerySerializer(serializers.Serializer):
    albumId = serializers.UUIDField()
    assetId = serializers.UUIDField(required=False)
    level = serializers.ChoiceField(choices=REACTION_LEVELS, required=False)
    type = serializers.ChoiceField(choices=REACTION_TYPES, required=False)
    userId = serializers.UUIDField(required=False)


class ActivityStatisticsQuerySerializer(serializers.Serializer):
    albumId = serializers.UUIDField()
    assetId = serializers.UUIDField(required=False)


class ActivityCreateSerializer(serializers.Serializer):
    albumId = serializers.UUIDField()
    assetId = serializers.UUIDField(required=False)
    type = serializers.ChoiceField(choices=REACTION_TYPES)
    comment = serializers.CharField(required=False, max_length=10000)

"""Input validation and the response shape of Immich's NotificationDto (absent optional fields are left out)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.serializers import OptionalOmitted
from immich.fields import ImmichDateTimeField
from immich.limits import DESCRIPTION_MAX_LENGTH, JSON_MAX_BYTES, json_size
from notifications.models import NotificationLevel, NotificationType


class _TextOrAbsent(serializers.CharField):
    """An empty text is no text: the optional field is left out."""

    def to_representation(self, value) -> Any:  # None: left out of the body
        return value or None


class NotificationDto(OptionalOmitted):
    id = serializers.UUIDField()
    createdAt = ImmichDateTimeField(source="created_at")
    level = serializers.ChoiceField(choices=NotificationLevel.choices)
    type = serializers.ChoiceField(choices=NotificationType.choices)
    title = serializers.CharField()
    description = _TextOrAbsent(required=False)
    data = serializers.JSONField(required=False)
    readAt = ImmichDateTimeField(source="read_at", required=False)


class NotificationSearchSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False)
    level = serializers.ChoiceField(choices=NotificationLevel.choices, required=False)
    type = serializers.ChoiceField(choices=NotificationType.choices, required=False)
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class NotificationUpdateSerializer(serializers.Serializer):
    readAt = serializers.DateTimeField(required=False, allow_null=True)


class NotificationIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1)


class NotificationUpdateAllSerializer(NotificationIdsSerializer, NotificationUpdateSerializer):
    pass


class NotificationCreateSerializer(serializers.Serializer):
    userId = serializers.UUIDField()
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    level = serializers.ChoiceField(choices=NotificationLevel.choices, default=NotificationLevel.INFO)
    type = serializers.ChoiceField(choices=NotificationType.choices, default=NotificationType.CUSTOM)
    data = serializers.JSONField(required=False, allow_null=True)
    readAt = serializers.DateTimeField(required=False, allow_null=True)

    def validate_data(self, value):
        if json_size(value) > JSON_MAX_BYTES:
            raise serializers.ValidationError(f"data must be at most {JSON_MAX_BYTES} bytes of JSON")
        return value

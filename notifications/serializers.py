"""Input validation and the response shape of Immich's NotificationDto (absent optional fields are left out)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import iso
from notifications.models import Notification, NotificationLevel, NotificationType


def notification_dto(notification: Notification) -> dict:
    dto = {
        "id": str(notification.id),
        "createdAt": iso(notification.created_at),
        "level": notification.level,
        "type": notification.type,
        "title": notification.title,
    }
    if notification.description:
        dto["description"] = notification.description
    if notification.data is not None:
        dto["data"] = notification.data
    if notification.read_at is not None:
        dto["readAt"] = iso(notification.read_at)
    return dto


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
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    level = serializers.ChoiceField(choices=NotificationLevel.choices, default=NotificationLevel.INFO)
    type = serializers.ChoiceField(choices=NotificationType.choices, default=NotificationType.CUSTOM)
    data = serializers.JSONField(required=False, allow_null=True)
    readAt = serializers.DateTimeField(required=False, allow_null=True)

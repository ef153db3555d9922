"""`/api/notifications`: the user's own notifications only (another user's is a 404), in the reference's shapes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from immich.api import validated
from immich.errors import NoAccess
from notifications import selectors, services
from notifications.serializers import (
    NotificationCreateSerializer,
    NotificationDto,
    NotificationIdsSerializer,
    NotificationSearchSerializer,
    NotificationUpdateAllSerializer,
    NotificationUpdateSerializer,
)


class NotificationsApi(APIView):
    required_permission = {"GET": "notification.read", "PUT": "notification.update", "DELETE": "notification.delete"}

    @extend_schema(parameters=[NotificationSearchSerializer], responses={200: NotificationDto(many=True)})
    def get(self, request):
        query = validated(NotificationSearchSerializer, request.query_params.dict())
        found = selectors.notifications_of(
            user=request.user,
            notification_id=query.get("id"),
            level=query.get("level"),
            type=query.get("type"),
            unread=query["unread"],
        )
        return Response(NotificationDto(found, many=True).data)

    @extend_schema(request=NotificationUpdateAllSerializer, responses={204: None})
    def put(self, request):
        update = validated(NotificationUpdateAllSerializer, request.data)
        if "readAt" in update:
            services.notifications_mark_read(user=request.user, ids=update["ids"], read_at=update["readAt"])
        return Response(status=204)

    @extend_schema(request=NotificationIdsSerializer, responses={204: None})
    def delete(self, request):
        services.notifications_delete(user=request.user, ids=validated(NotificationIdsSerializer, request.data)["ids"])
        return Response(status=204)


class NotificationDetailApi(APIView):
    required_permission = {"GET": "notification.read", "PUT": "notification.update", "DELETE": "notification.delete"}

    def _owned(self, request, notification_id):
        notification = selectors.notification_for(user=request.user, notification_id=notification_id)
        if notification is None:
            raise NoAccess(self.required_permission[request.method])
        return notification

    @extend_schema(responses={200: NotificationDto})
    def get(self, request, notification_id):
        return Response(NotificationDto(self._owned(request, notification_id)).data)

    @extend_schema(request=NotificationUpdateSerializer, responses={200: NotificationDto})
    def put(self, request, notification_id):
        notification = self._owned(request, notification_id)
        update = validated(NotificationUpdateSerializer, request.data)
        if "readAt" in update:
            notification = services.notification_mark_read(notification=notification, read_at=update["readAt"])
        return Response(NotificationDto(notification).data)

    @extend_schema(responses={204: None})
    def delete(self, request, notification_id):
        services.notifications_delete(user=request.user, ids=[self._owned(request, notification_id).pk])
        return Response(status=204)


class AdminNotificationsApi(APIView):
    admin_only = True
    required_permission = "notification.create"

    @extend_schema(request=NotificationCreateSerializer, responses={201: NotificationDto})
    def post(self, request):
        data = validated(NotificationCreateSerializer, request.data)
        notification = services.notification_create(
            user_id=data["userId"],
            title=data["title"],
            description=data.get("description"),
            level=data["level"],
            type=data["type"],
            data=data.get("data"),
            read_at=data.get("readAt"),
        )
        return Response(NotificationDto(notification).data, status=201)

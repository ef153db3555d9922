"""`/api/sessions`: the caller's login sessions (listed, made for a cast device, updated, ended) and an admin's list
of a user's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, sessions
from accounts.models import Session
from immich.api import validated
from immich.errors import NoAccess
from immich.fields import ImmichDateTimeField


class SessionResponseDto(serializers.Serializer):
    """`context["current"]`: the caller's own session, if the caller is one."""

    id = serializers.UUIDField()
    createdAt = ImmichDateTimeField(source="created_at")
    updatedAt = ImmichDateTimeField(source="updated_at")
    expiresAt = ImmichDateTimeField(source="expires_at", required=False)
    current = serializers.SerializerMethodField()
    deviceType = serializers.CharField(source="device_type")
    deviceOS = serializers.CharField(source="device_os")
    appVersion = serializers.CharField(source="app_version", allow_null=True)
    isPendingSyncReset = serializers.BooleanField(source="is_pending_sync_reset")

    def get_current(self, session: Session) -> bool:
        current = self.context.get("current")
        return isinstance(current, Session) and current.pk == session.pk

    def to_representation(self, instance) -> dict:
        body = super().to_representation(instance)
        if body.get("expiresAt") is None:
            body.pop("expiresAt", None)  # optional in Immich's DTO: absent, never null
        return body


class SessionCreateResponseDto(SessionResponseDto):
    token = serializers.CharField()


class SessionCreateDto(serializers.Serializer):
    deviceOS = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    deviceType = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    duration = serializers.IntegerField(required=False, min_value=1, max_value=10 * 365 * 86400)


class SessionUpdateDto(serializers.Serializer):
    isPendingSyncReset = serializers.BooleanField(required=False)


def device_fields(request) -> dict:
    """The `login` arguments naming the device of a request."""
    device = sessions.device_of(
        request.headers.get("User-Agent", ""),
        device_model=request.headers.get("deviceModel", ""),
        device_type=request.headers.get("deviceType", ""),
    )
    return {"device_type": device.device_type, "device_os": device.device_os, "app_version": device.app_version}


class SessionListApi(APIView):
    required_permission = {"GET": "session.read", "POST": "session.create", "DELETE": "session.delete"}
    error_responses = {"POST": (400,)}  # called with an API key

    @extend_schema(responses={200: SessionResponseDto(many=True)})
    def get(self, request):
        listed = sessions.sessions_of(user=request.user)
        return Response(SessionResponseDto(listed, many=True, context={"current": request.auth}).data)

    @extend_schema(request=SessionCreateDto, responses={201: SessionCreateResponseDto})
    def post(self, request):
        data = validated(SessionCreateDto, request.data)
        session, token = sessions.session_create_child(
            parent=request.auth,
            device_type=data["deviceType"],
            device_os=data["deviceOS"],
            duration=data.get("duration"),
        )
        body = {**SessionResponseDto(session).data, "token": token}  # SessionCreateResponseDto; `current`: no
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        sessions.sessions_end_others(user=request.user, keep=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionDetailApi(APIView):
    required_permission = {"PUT": "session.update", "DELETE": "session.delete"}

    def _session(self, request, session_id) -> Session:
        session = sessions.sessions_of(user=request.user).filter(pk=session_id).first()
        if session is None:
            raise NoAccess(self.required_permission[request.method])
        return session

    @extend_schema(request=SessionUpdateDto, responses={200: SessionResponseDto})
    def put(self, request, session_id):
        data = validated(SessionUpdateDto, request.data)
        session = sessions.session_update(
            session=self._session(request, session_id), is_pending_sync_reset=data.get("isPendingSyncReset")
        )
        return Response(SessionResponseDto(session, context={"current": request.auth}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, session_id):
        sessions.session_delete(session=self._session(request, session_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminUserSessionsApi(APIView):
    admin_only = True
    required_permission = "adminSession.read"

    @extend_schema(responses={200: SessionResponseDto(many=True)})
    def get(self, request, user_id):
        listed = sessions.sessions_of(user=selectors.user_for_admin(user_id=user_id))
        return Response(SessionResponseDto(listed, many=True, context={"current": request.auth}).data)

"""`/api/auth/pin-code`, `/api/auth/session/unlock|lock` and `/api/auth/status`: the locked folder's PIN."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from accounts.pin_serializers import (
    AuthStatusResponseDto,
    PinCodeChangeDto,
    PinCodeResetDto,
    PinCodeSetupDto,
    SessionUnlockDto,
)
from accounts.throttle import client_address
from immich.api import validated


def _proof(request, data: dict) -> dict:
    """What proves the user to the PIN services: the PIN or the password, and where the attempt came from."""
    return {"pin_code": data.get("pinCode"), "password": data.get("password"), "address": client_address(request)}


class PinCodeApi(APIView):
    required_permission = {"POST": "pinCode.create", "PUT": "pinCode.update", "DELETE": "pinCode.delete"}
    # a PIN already set, a wrong PIN or password, none set; too many wrong ones
    error_responses = {"POST": (400,), "PUT": (400, 429), "DELETE": (400, 429)}

    @extend_schema(request=PinCodeSetupDto, responses={204: None})
    def post(self, request):
        data = validated(PinCodeSetupDto, request.data)
        pin.pin_code_setup(user=request.user, pin_code=data["pinCode"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PinCodeChangeDto, responses={204: None})
    def put(self, request):
        data = validated(PinCodeChangeDto, request.data)
        pin.pin_code_change(user=request.user, new_pin_code=data["newPinCode"], **_proof(request, data))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PinCodeResetDto, responses={204: None})
    def delete(self, request):
        pin.pin_code_reset(user=request.user, **_proof(request, validated(PinCodeResetDto, request.data)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionUnlockApi(APIView):
    required_permission = "all"  # Immich's @Authenticated() without a permission: a key needs `all`
    error_responses = {"POST": (400, 429)}  # an API key, no PIN set, a wrong PIN; too many wrong ones

    @extend_schema(request=SessionUnlockDto, responses={204: None})
    def post(self, request):
        data = validated(SessionUnlockDto, request.data)
        pin.session_unlock(
            user=request.user, credential=request.auth, pin_code=data.get("pinCode"), address=client_address(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionLockApi(APIView):
    required_permission = "all"
    error_responses = {"POST": (400,)}  # an API key

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        pin.session_lock(credential=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthStatusApi(APIView):
    required_permission = "all"

    @extend_schema(responses={200: AuthStatusResponseDto})
    def get(self, request):
        return Response(AuthStatusResponseDto(pin.auth_status(user=request.user, credential=request.auth)).data)

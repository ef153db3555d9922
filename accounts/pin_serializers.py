"""Requests and responses of the PIN endpoints, as `@immich/sdk` 3.1.0 names them."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import OptionalOmitted
from immich.fields import ImmichDateTimeField
from immich.limits import TEXT_MAX_LENGTH

PIN_CODE = r"^\d{6}$"
_PIN_ERROR = {"invalid": "pinCode must be a string of 6 digits"}


class PinCodeField(serializers.RegexField):
    """Six digits, sent as a string (a JSON number is refused, as Immich's validation refuses it)."""

    def __init__(self, **options):
        super().__init__(PIN_CODE, max_length=6, error_messages=_PIN_ERROR, **options)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PinCodeSetupDto(serializers.Serializer):
    pinCode = PinCodeField()


class PinCodeResetDto(serializers.Serializer):
    pinCode = PinCodeField(required=False)
    password = serializers.CharField(required=False, max_length=TEXT_MAX_LENGTH)


class SessionUnlockDto(PinCodeResetDto):
    pass


class PinCodeChangeDto(PinCodeResetDto):
    newPinCode = PinCodeField()


class AuthStatusResponseDto(OptionalOmitted):
    """Made from an `accounts.pin.AuthStatus`."""

    pinCode = serializers.BooleanField()
    password = serializers.BooleanField()
    isElevated = serializers.BooleanField()
    expiresAt = ImmichDateTimeField(required=False)
    pinExpiresAt = ImmichDateTimeField(required=False)

"""`/api/system-metadata/...` (the admin's onboarding, the reverse geocoding state) and `/api/users/me/onboarding`."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import onboarding, selectors
from immich.api import validated
from immich.fields import ImmichDateTimeField


class OnboardingDto(serializers.Serializer):
    """Immich's AdminOnboardingUpdateDto, OnboardingDto and OnboardingResponseDto: one shape."""

    isOnboarded = serializers.BooleanField()


class ReverseGeocodingStateResponseDto(serializers.Serializer):
    lastUpdate = ImmichDateTimeField(allow_null=True)
    lastImportFileName = serializers.CharField(allow_null=True)


class AdminOnboardingApi(APIView):
    admin_only = True
    required_permission = {"GET": "systemMetadata.read", "POST": "systemMetadata.update"}

    @extend_schema(responses={200: OnboardingDto})
    def get(self, request):
        return Response(OnboardingDto({"isOnboarded": selectors.admin_onboarded()}).data)

    @extend_schema(request=OnboardingDto, responses={204: None})
    def post(self, request):
        onboarding.admin_onboarding_set(is_onboarded=validated(OnboardingDto, request.data)["isOnboarded"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReverseGeocodingStateApi(APIView):
    """When the places of the assets were last computed from the place data, and from which file (recorded by the
    refresh of places, search.places); nulls before the first."""

    admin_only = True
    required_permission = "systemMetadata.read"

    @extend_schema(responses={200: ReverseGeocodingStateResponseDto})
    def get(self, request):
        state = selectors.system_metadata(selectors.REVERSE_GEOCODING_STATE)
        return Response(
            ReverseGeocodingStateResponseDto(
                {
                    "lastUpdate": datetime.fromisoformat(state["lastUpdate"]) if state.get("lastUpdate") else None,
                    "lastImportFileName": state.get("lastImportFileName"),
                }
            ).data
        )


class MyOnboardingApi(APIView):
    required_permission = {
        "GET": "userOnboarding.read",
        "PUT": "userOnboarding.update",
        "DELETE": "userOnboarding.delete",
    }

    @extend_schema(responses={200: OnboardingDto})
    def get(self, request):
        return Response(OnboardingDto({"isOnboarded": request.user.is_onboarded}).data)

    @extend_schema(request=OnboardingDto, responses={200: OnboardingDto})
    def put(self, request):
        data = validated(OnboardingDto, request.data)
        user = onboarding.user_onboarding_set(user=request.user, is_onboarded=data["isOnboarded"])
        return Response(OnboardingDto({"isOnboarded": user.is_onboarded}).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        onboarding.user_onboarding_set(user=request.user, is_onboarded=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import preferences, selectors
from accounts.preferences_serializers import UserPreferencesResponseDto, UserPreferencesUpdateDto
from immich.api import validated


class MyPreferencesApi(APIView):
    required_permission = {"GET": "userPreference.read", "PUT": "userPreference.update"}

    @extend_schema(responses={200: UserPreferencesResponseDto})
    def get(self, request):
        return Response(preferences.preferences_of(user=request.user))

    @extend_schema(request=UserPreferencesUpdateDto, responses={200: UserPreferencesResponseDto})
    def put(self, request):
        changes = validated(UserPreferencesUpdateDto, request.data)
        return Response(preferences.preferences_update(user=request.user, changes=changes))


class AdminUserPreferencesApi(APIView):
    admin_only = True
    required_permission = {"GET": "adminUser.read", "PUT": "adminUser.update"}

    @extend_schema(responses={200: UserPreferencesResponseDto})
    def get(self, request, user_id):
        return Response(preferences.preferences_of(user=selectors.user_for_admin(user_id=user_id)))

    @extend_schema(request=UserPreferencesUpdateDto, responses={200: UserPreferencesResponseDto})
    def put(self, request, user_id):
        changes = validated(UserPreferencesUpdateDto, request.data)
        user = selectors.user_for_admin(user_id=user_id)
        return Response(preferences.preferences_update(user=user, changes=changes))

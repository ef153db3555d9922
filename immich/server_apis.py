"""Server discovery and information endpoints that clients call before and after login."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import admin_exists, admin_onboarded
from assets import media_types
from immich.server_responses import (
    ServerAboutResponseDto,
    ServerConfigDto,
    ServerFeaturesDto,
    ServerMediaTypesResponseDto,
    ServerPingResponse,
    ServerVersionResponseDto,
    WellKnownResponseDto,
)

VERSION = {"major": 3, "minor": 1, "patch": 0, "prerelease": None}
VERSION_TEXT = "v3.1.0"


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class WellKnownApi(PublicApi):
    @extend_schema(responses={200: WellKnownResponseDto})
    def get(self, request):
        return Response(WellKnownResponseDto({"api": {"endpoint": "/api"}}).data)


class PingApi(PublicApi):
    @extend_schema(responses={200: ServerPingResponse})
    def get(self, request):
        return Response(ServerPingResponse({"res": "pong"}).data)


class VersionApi(PublicApi):
    @extend_schema(responses={200: ServerVersionResponseDto})
    def get(self, request):
        return Response(ServerVersionResponseDto(VERSION).data)


class MediaTypesApi(PublicApi):
    @extend_schema(responses={200: ServerMediaTypesResponseDto})
    def get(self, request):
        return Response(
            ServerMediaTypesResponseDto(
                {
                    "image": list(media_types.IMAGE_EXTENSIONS),
                    "video": list(media_types.VIDEO_EXTENSIONS),
                    "sidecar": list(media_types.SIDECAR_EXTENSIONS),
                }
            ).data
        )


class FeaturesApi(PublicApi):
    @extend_schema(responses={200: ServerFeaturesDto})
    def get(self, request):
        return Response(
            ServerFeaturesDto(
                {
                    "smartSearch": False,
                    "facialRecognition": False,
                    "duplicateDetection": False,
                    "map": False,
                    "reverseGeocoding": False,
                    "importFaces": False,
                    "sidecar": True,
                    "search": False,
                    "trash": True,
                    "oauth": False,
                    "oauthAutoLaunch": False,
                    "passwordLogin": True,
                    "configFile": False,
                    "email": False,
                    "ocr": False,
                    "realtimeTranscoding": False,
                }
            ).data
        )


class ConfigApi(PublicApi):
    @extend_schema(responses={200: ServerConfigDto})
    def get(self, request):
        return Response(
            ServerConfigDto(
                {
                    "loginPageMessage": "",
                    "trashDays": 30,
                    "userDeleteDelay": 7,
                    "oauthButtonText": "Login with OAuth",
                    "isInitialized": admin_exists(),
                    "isOnboarded": admin_onboarded(),
                    "externalDomain": "",
                    "publicUsers": True,
                    "mapDarkStyleUrl": "",
                    "mapLightStyleUrl": "",
                    "maintenanceMode": False,
                    "minFaces": 3,  # Immich's default; the web app hides people with fewer faces
                }
            ).data
        )


class AboutApi(APIView):
    required_permission = "server.about"

    @extend_schema(responses={200: ServerAboutResponseDto})
    def get(self, request):
        return Response(
            ServerAboutResponseDto(
                {"version": VERSION_TEXT, "versionUrl": "", "licensed": False, "database": connection.vendor}
            ).data
        )

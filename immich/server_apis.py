"""Server discovery and information endpoints that clients call before and after login."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import admin_exists
from assets import media_types

VERSION = {"major": 3, "minor": 1, "patch": 0, "prerelease": None}
VERSION_TEXT = "v3.1.0"


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class WellKnownApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"api": {"endpoint": "/api"}})


class PingApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"res": "pong"})


class VersionApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(VERSION)


class MediaTypesApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {
                "image": list(media_types.IMAGE_EXTENSIONS),
                "video": list(media_types.VIDEO_EXTENSIONS),
                "sidecar": list(media_types.SIDECAR_EXTENSIONS),
            }
        )


class FeaturesApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {
                "smartSearch": False, "facialRecognition": False, "duplicateDetection": False, "map": False,
                "reverseGeocoding": False, "importFaces": False, "sidecar": True, "search": False, "trash": True,
                "oauth": False, "oauthAutoLaunch": False, "passwordLogin": True, "configFile": False, "email": False,
                "ocr": False,
            }
        )


class ConfigApi(PublicApi):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {
                "loginPageMessage": "",
                "trashDays": 30,
                "userDeleteDelay": 7,
                "oauthButtonText": "Login with OAuth",
                "isInitialized": admin_exists(),
                "isOnboarded": True,
                "externalDomain": "",
                "publicUsers": True,
                "mapDarkStyleUrl": "",
                "mapLightStyleUrl": "",
                "maintenanceMode": False,
            }
        )


class AboutApi(APIView):
    required_permission = "server.about"

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {
                "version": VERSION_TEXT,
                "versionUrl": "",
                "licensed": False,
                "build": None,
                "nodejs": None,
                "ffmpeg": None,
                "imagemagick": None,
                "libvips": None,
                "exiftool": None,
                "database": connection.vendor,
            }
        )

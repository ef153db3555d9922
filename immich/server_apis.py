"""Server discovery and information endpoints that clients call before and after login."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import admin_exists, admin_onboarded
from assets import media_types
from assets.server_statistics import server_statistics
from immich.env import ENV
from immich.server_info import disk_usage, media_library_versions
from immich.server_responses import (
    ServerAboutResponseDto,
    ServerConfigDto,
    ServerFeaturesDto,
    ServerMediaTypesResponseDto,
    ServerPingResponse,
    ServerStatsResponseDto,
    ServerStorageResponseDto,
    ServerThemeDto,
    ServerVersionHistoryResponseDto,
    ServerVersionResponseDto,
    VersionCheckStateResponseDto,
    WellKnownResponseDto,
)
from immich.version import VERSION, VERSION_TEXT
from jobs.server_versions import server_versions
from jobs.system_config import config_cached


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
    """What this server runs, from its system config: features it does not have (machine learning, OAuth, e-mail,
    real-time transcoding) are off, as the config says (jobs/config_defaults.py)."""

    @extend_schema(responses={200: ServerFeaturesDto})
    def get(self, request):
        config = config_cached()
        ml = config["machineLearning"]
        return Response(
            ServerFeaturesDto(
                {
                    "smartSearch": ml["enabled"] and ml["clip"]["enabled"],
                    "facialRecognition": ml["enabled"] and ml["facialRecognition"]["enabled"],
                    "duplicateDetection": ml["duplicateDetection"]["enabled"],  # no machine learning needed here
                    "ocr": ml["enabled"] and ml["ocr"]["enabled"],
                    "map": config["map"]["enabled"],
                    "reverseGeocoding": config["reverseGeocoding"]["enabled"],
                    "importFaces": config["metadata"]["faces"]["import"],
                    "sidecar": True,
                    "search": True,  # the metadata search (/api/search/metadata)
                    "trash": config["trash"]["enabled"],
                    "oauth": config["oauth"]["enabled"],
                    "oauthAutoLaunch": config["oauth"]["enabled"] and config["oauth"]["autoLaunch"],
                    "passwordLogin": config["passwordLogin"]["enabled"],
                    "configFile": False,
                    "email": config["notifications"]["smtp"]["enabled"],
                    "realtimeTranscoding": config["ffmpeg"]["realtime"]["enabled"],
                }
            ).data
        )


class ConfigApi(PublicApi):
    @extend_schema(responses={200: ServerConfigDto})
    def get(self, request):
        config = config_cached()
        map_on = config["map"]["enabled"]
        return Response(
            ServerConfigDto(
                {
                    "loginPageMessage": config["server"]["loginPageMessage"],
                    "trashDays": config["trash"]["days"],
                    "userDeleteDelay": config["user"]["deleteDelay"],
                    "oauthButtonText": config["oauth"]["buttonText"],
                    "isInitialized": admin_exists(),
                    "isOnboarded": admin_onboarded(),
                    "externalDomain": config["server"]["externalDomain"],
                    "publicUsers": config["server"]["publicUsers"],
                    # The style URLs only while the map is on: off, there is no map to draw.
                    "mapDarkStyleUrl": config["map"]["darkStyle"] if map_on else "",
                    "mapLightStyleUrl": config["map"]["lightStyle"] if map_on else "",
                    "maintenanceMode": False,
                    "minFaces": config["machineLearning"]["facialRecognition"]["minFaces"],
                }
            ).data
        )


class ThemeApi(PublicApi):
    @extend_schema(responses={200: ServerThemeDto})
    def get(self, request):
        return Response(ServerThemeDto({"customCss": config_cached()["theme"]["customCss"]}).data)


class AboutApi(APIView):
    required_permission = "server.about"

    @extend_schema(responses={200: ServerAboutResponseDto})
    def get(self, request):
        about = {
            "version": VERSION_TEXT,
            "versionUrl": "",
            "licensed": False,
            "database": connection.vendor,
            **media_library_versions(),
            **ENV.build_metadata,
        }
        return Response(ServerAboutResponseDto(about).data)


class StatisticsApi(APIView):
    admin_only = True
    required_permission = "server.statistics"

    @extend_schema(responses={200: ServerStatsResponseDto})
    def get(self, request):
        return Response(ServerStatsResponseDto(server_statistics()).data)


class StorageApi(APIView):
    required_permission = "server.storage"

    @extend_schema(responses={200: ServerStorageResponseDto})
    def get(self, request):
        return Response(ServerStorageResponseDto(disk_usage(str(settings.MEDIA_LOCATION))).data)


class VersionCheckApi(APIView):
    """This server does not look for new releases (`newVersionCheck` stays off): never checked, none known."""

    required_permission = "server.versionCheck"

    @extend_schema(responses={200: VersionCheckStateResponseDto})
    def get(self, request):
        return Response(VersionCheckStateResponseDto({"checkedAt": None, "releaseVersion": None}).data)


class VersionHistoryApi(APIView):
    required_permission = "server.versionCheck"

    @extend_schema(responses={200: ServerVersionHistoryResponseDto(many=True)})
    def get(self, request):
        return Response(ServerVersionHistoryResponseDto(server_versions(), many=True).data)

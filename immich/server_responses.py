"""The response bodies of the server information endpoints, named and shaped as Immich 3.1's DTOs."""

from __future__ import annotations

from rest_framework import serializers


class WellKnownApiDto(serializers.Serializer):
    endpoint = serializers.CharField(help_text="The API's base path")


class WellKnownResponseDto(serializers.Serializer):
    api = WellKnownApiDto()


class ServerPingResponse(serializers.Serializer):
    res = serializers.CharField()


class ServerVersionResponseDto(serializers.Serializer):
    major = serializers.IntegerField()
    minor = serializers.IntegerField()
    patch = serializers.IntegerField()
    prerelease = serializers.IntegerField(allow_null=True)


class ServerMediaTypesResponseDto(serializers.Serializer):
    """File name extensions, with their leading dot."""

    image = serializers.ListField(child=serializers.CharField())
    video = serializers.ListField(child=serializers.CharField())
    sidecar = serializers.ListField(child=serializers.CharField())


class ServerFeaturesDto(serializers.Serializer):
    smartSearch = serializers.BooleanField()
    facialRecognition = serializers.BooleanField()
    duplicateDetection = serializers.BooleanField()
    map = serializers.BooleanField()
    reverseGeocoding = serializers.BooleanField()
    importFaces = serializers.BooleanField()
    sidecar = serializers.BooleanField()
    search = serializers.BooleanField()
    trash = serializers.BooleanField()
    oauth = serializers.BooleanField()
    oauthAutoLaunch = serializers.BooleanField()
    passwordLogin = serializers.BooleanField()
    configFile = serializers.BooleanField()
    email = serializers.BooleanField()
    ocr = serializers.BooleanField()
    realtimeTranscoding = serializers.BooleanField()


class ServerConfigDto(serializers.Serializer):
    loginPageMessage = serializers.CharField(allow_blank=True)
    trashDays = serializers.IntegerField()
    userDeleteDelay = serializers.IntegerField()
    oauthButtonText = serializers.CharField()
    isInitialized = serializers.BooleanField()
    isOnboarded = serializers.BooleanField()
    externalDomain = serializers.CharField(allow_blank=True)
    publicUsers = serializers.BooleanField()
    mapDarkStyleUrl = serializers.CharField(allow_blank=True)
    mapLightStyleUrl = serializers.CharField(allow_blank=True)
    maintenanceMode = serializers.BooleanField()
    minFaces = serializers.IntegerField()


class ServerAboutResponseDto(serializers.Serializer):
    """Immich's optional build and tool versions are left out: this server does not know them (Immich omits the
    unknown ones too)."""

    version = serializers.CharField()
    versionUrl = serializers.CharField(allow_blank=True)
    licensed = serializers.BooleanField()
    database = serializers.CharField(help_text="The database engine (beyond Immich's DTO)")

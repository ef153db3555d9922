"""The response bodies of the server information endpoints, named and shaped as Immich 3.1's DTOs."""

from __future__ import annotations

from rest_framework import serializers

from immich.fields import ImmichDateTimeField


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
    """Immich's optional fields are there when known: the build metadata that was set (IMMICH_BUILD...,
    IMMICH_REPOSITORY..., IMMICH_SOURCE...) and the media libraries' versions; Node.js, ImageMagick and ExifTool,
    which this server does not use, are left out."""

    version = serializers.CharField()
    versionUrl = serializers.CharField(allow_blank=True)
    licensed = serializers.BooleanField()
    database = serializers.CharField(help_text="The database engine (beyond Immich's DTO)")
    ffmpeg = serializers.CharField(required=False)
    libvips = serializers.CharField(required=False)
    build = serializers.CharField(required=False)
    buildUrl = serializers.CharField(required=False)
    buildImage = serializers.CharField(required=False)
    buildImageUrl = serializers.CharField(required=False)
    repository = serializers.CharField(required=False)
    repositoryUrl = serializers.CharField(required=False)
    sourceRef = serializers.CharField(required=False)
    sourceCommit = serializers.CharField(required=False)
    sourceUrl = serializers.CharField(required=False)


class UsageByUserDto(serializers.Serializer):
    userId = serializers.UUIDField()
    userName = serializers.CharField(allow_blank=True)
    photos = serializers.IntegerField()
    videos = serializers.IntegerField()
    usage = serializers.IntegerField()
    usagePhotos = serializers.IntegerField()
    usageVideos = serializers.IntegerField()
    quotaSizeInBytes = serializers.IntegerField(allow_null=True)


class ServerStatsResponseDto(serializers.Serializer):
    photos = serializers.IntegerField()
    videos = serializers.IntegerField()
    usage = serializers.IntegerField()
    usagePhotos = serializers.IntegerField()
    usageVideos = serializers.IntegerField()
    usageByUser = UsageByUserDto(many=True)


class ServerStorageResponseDto(serializers.Serializer):
    diskSize = serializers.CharField()
    diskUse = serializers.CharField()
    diskAvailable = serializers.CharField()
    diskSizeRaw = serializers.IntegerField()
    diskUseRaw = serializers.IntegerField()
    diskAvailableRaw = serializers.IntegerField()
    diskUsagePercentage = serializers.FloatField()


class ServerThemeDto(serializers.Serializer):
    customCss = serializers.CharField(allow_blank=True)


class VersionCheckStateResponseDto(serializers.Serializer):
    checkedAt = serializers.CharField(allow_null=True)
    releaseVersion = serializers.CharField(allow_null=True)


class ServerVersionHistoryResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.CharField()
    createdAt = ImmichDateTimeField(source="created_at")

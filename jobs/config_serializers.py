"""The system config's shape, one serializer per section, named and typed as `@immich/sdk` 3.1.0 names them (the
defaults are in jobs/config_defaults.py). Made from the config dict."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from immich.limits import TEXT_MAX_LENGTH
from jobs import config_defaults as defaults

Fields = dict[str, serializers.Field[Any, Any, Any, Any]]


def _enabled() -> serializers.BooleanField:
    return serializers.BooleanField()


class DatabaseBackupConfig(serializers.Serializer[Any]):
    enabled = _enabled()
    cronExpression = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    keepLastAmount = serializers.IntegerField()


class SystemConfigBackupsDto(serializers.Serializer[Any]):
    database = DatabaseBackupConfig()


class SystemConfigFFmpegRealtimeDto(serializers.Serializer[Any]):
    enabled = _enabled()
    resolutions = serializers.ListField(child=serializers.ChoiceField(choices=defaults.HLS_RESOLUTIONS))
    videoCodecs = serializers.ListField(child=serializers.ChoiceField(choices=defaults.VIDEO_CODECS))


class SystemConfigFFmpegDto(serializers.Serializer[Any]):
    crf = serializers.IntegerField()
    threads = serializers.IntegerField()
    preset = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    targetVideoCodec = serializers.ChoiceField(choices=defaults.VIDEO_CODECS)
    acceptedVideoCodecs = serializers.ListField(child=serializers.ChoiceField(choices=defaults.VIDEO_CODECS))
    targetAudioCodec = serializers.ChoiceField(choices=defaults.AUDIO_CODECS)
    acceptedAudioCodecs = serializers.ListField(child=serializers.ChoiceField(choices=defaults.AUDIO_CODECS))
    acceptedContainers = serializers.ListField(child=serializers.ChoiceField(choices=defaults.VIDEO_CONTAINERS))
    targetResolution = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    maxBitrate = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    bframes = serializers.IntegerField()
    refs = serializers.IntegerField()
    gopSize = serializers.IntegerField()
    temporalAQ = serializers.BooleanField()
    cqMode = serializers.ChoiceField(choices=defaults.CQ_MODES)
    twoPass = serializers.BooleanField()
    preferredHwDevice = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    transcode = serializers.ChoiceField(choices=defaults.TRANSCODE_POLICIES)
    tonemap = serializers.ChoiceField(choices=defaults.TONE_MAPPINGS)
    accel = serializers.ChoiceField(choices=defaults.HW_ACCELERATIONS)
    accelDecode = serializers.BooleanField()
    realtime = SystemConfigFFmpegRealtimeDto()


class SystemConfigGeneratedImageDto(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=defaults.IMAGE_FORMATS)
    size = serializers.IntegerField()
    quality = serializers.IntegerField()
    progressive = serializers.BooleanField(required=False)


class SystemConfigGeneratedFullsizeImageDto(serializers.Serializer[Any]):
    enabled = _enabled()
    format = serializers.ChoiceField(choices=defaults.IMAGE_FORMATS)
    quality = serializers.IntegerField()
    progressive = serializers.BooleanField(required=False)


class SystemConfigImageDto(serializers.Serializer[Any]):
    thumbnail = SystemConfigGeneratedImageDto()
    preview = SystemConfigGeneratedImageDto()
    colorspace = serializers.ChoiceField(choices=defaults.COLORSPACES)
    extractEmbedded = serializers.BooleanField()
    fullsize = SystemConfigGeneratedFullsizeImageDto()


class SystemConfigIntegrityJob(serializers.Serializer[Any]):
    enabled = _enabled()
    cronExpression = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class SystemConfigIntegrityChecksumJob(SystemConfigIntegrityJob):
    timeLimit = serializers.IntegerField()
    percentageLimit = serializers.FloatField()


class SystemConfigIntegrityChecks(serializers.Serializer[Any]):
    missingFiles = SystemConfigIntegrityJob()
    untrackedFiles = SystemConfigIntegrityJob()
    checksumFiles = SystemConfigIntegrityChecksumJob()


class JobSettingsDto(serializers.Serializer[Any]):
    concurrency = serializers.IntegerField()


class SystemConfigJobDto(serializers.Serializer[Any]):
    """The concurrency of each queue that has a setting."""

    def get_fields(self) -> Fields:
        return {queue: JobSettingsDto() for queue in defaults.DEFAULTS["job"]}


class SystemConfigLibraryScanDto(serializers.Serializer[Any]):
    enabled = _enabled()
    cronExpression = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class SystemConfigLibraryWatchDto(serializers.Serializer[Any]):
    enabled = _enabled()


class SystemConfigLibraryDto(serializers.Serializer[Any]):
    scan = SystemConfigLibraryScanDto()
    watch = SystemConfigLibraryWatchDto()


class SystemConfigLoggingDto(serializers.Serializer[Any]):
    enabled = _enabled()
    level = serializers.ChoiceField(choices=defaults.LOG_LEVELS)


class MachineLearningAvailabilityChecksDto(serializers.Serializer[Any]):
    enabled = _enabled()
    timeout = serializers.IntegerField()
    interval = serializers.IntegerField()


class ClipConfig(serializers.Serializer[Any]):
    enabled = _enabled()
    modelName = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class DuplicateDetectionConfig(serializers.Serializer[Any]):
    enabled = _enabled()
    maxDistance = serializers.FloatField()
    maxHammingDistance = serializers.IntegerField(
        required=False, help_text="Beyond the reference: differing bits of 64 within which thumbnails are duplicates"
    )


class FacialRecognitionConfig(serializers.Serializer[Any]):
    enabled = _enabled()
    modelName = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    minScore = serializers.FloatField()
    maxDistance = serializers.FloatField()
    minFaces = serializers.IntegerField()


class OcrConfig(serializers.Serializer[Any]):
    enabled = _enabled()
    modelName = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    minDetectionScore = serializers.FloatField()
    minRecognitionScore = serializers.FloatField()
    maxResolution = serializers.IntegerField()


class SystemConfigMachineLearningDto(serializers.Serializer[Any]):
    enabled = _enabled()
    urls = serializers.ListField(child=serializers.CharField(max_length=TEXT_MAX_LENGTH))
    availabilityChecks = MachineLearningAvailabilityChecksDto()
    clip = ClipConfig()
    duplicateDetection = DuplicateDetectionConfig()
    facialRecognition = FacialRecognitionConfig()
    ocr = OcrConfig()


class SystemConfigMapDto(serializers.Serializer[Any]):
    enabled = _enabled()
    lightStyle = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    darkStyle = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class SystemConfigFacesDto(serializers.Serializer[Any]):
    def get_fields(self) -> Fields:
        return {"import": serializers.BooleanField()}  # a Python keyword: no class attribute can bear the name


class SystemConfigMetadataDto(serializers.Serializer[Any]):
    defaultTimeZone = serializers.CharField(max_length=TEXT_MAX_LENGTH)  # beyond the reference
    faces = SystemConfigFacesDto()


class SystemConfigNewVersionCheckDto(serializers.Serializer[Any]):
    enabled = _enabled()
    channel = serializers.ChoiceField(choices=defaults.RELEASE_CHANNELS)


class SystemConfigNightlyTasksDto(serializers.Serializer[Any]):
    startTime = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    databaseCleanup = serializers.BooleanField()
    missingThumbnails = serializers.BooleanField()
    clusterNewFaces = serializers.BooleanField()
    generateMemories = serializers.BooleanField()
    syncQuotaUsage = serializers.BooleanField()


class SystemConfigSmtpTransportDto(serializers.Serializer[Any]):
    ignoreCert = serializers.BooleanField()
    host = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    port = serializers.IntegerField()
    secure = serializers.BooleanField()
    username = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    password = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)


class SystemConfigSmtpDto(serializers.Serializer[Any]):
    def get_fields(self) -> Fields:
        return {  # "from" is a Python keyword
            "enabled": _enabled(),
            "from": serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True),
            "replyTo": serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True),
            "transport": SystemConfigSmtpTransportDto(),
        }


class SystemConfigNotificationsDto(serializers.Serializer[Any]):
    smtp = SystemConfigSmtpDto()


class SystemConfigNsfwDto(serializers.Serializer[Any]):
    """Beyond the reference: NSFW detection (issue 25)."""

    enabled = _enabled()
    threshold = serializers.FloatField(min_value=0, max_value=1)
    action = serializers.ChoiceField(choices=defaults.NSFW_ACTIONS)


class SystemConfigOAuthDto(serializers.Serializer[Any]):
    enabled = _enabled()
    allowInsecureRequests = serializers.BooleanField()
    autoLaunch = serializers.BooleanField()
    autoRegister = serializers.BooleanField()
    buttonText = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    clientId = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    clientSecret = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    defaultStorageQuota = serializers.IntegerField(allow_null=True)
    endSessionEndpoint = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    issuerUrl = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    mobileOverrideEnabled = serializers.BooleanField()
    mobileRedirectUri = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    profileSigningAlgorithm = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    prompt = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    roleClaim = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    scope = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    signingAlgorithm = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    storageLabelClaim = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    storageQuotaClaim = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    timeout = serializers.IntegerField()
    tokenEndpointAuthMethod = serializers.ChoiceField(choices=defaults.TOKEN_AUTH_METHODS)


class SystemConfigPasswordLoginDto(serializers.Serializer[Any]):
    enabled = _enabled()


class SystemConfigReverseGeocodingDto(serializers.Serializer[Any]):
    enabled = _enabled()


class SystemConfigServerDto(serializers.Serializer[Any]):
    externalDomain = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    loginPageMessage = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    publicUsers = serializers.BooleanField()


class SystemConfigStorageTemplateDto(serializers.Serializer[Any]):
    enabled = _enabled()
    hashVerificationEnabled = serializers.BooleanField()
    template = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    timeZone = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True
    )  # beyond the reference, with skipLowConfidenceDates
    skipLowConfidenceDates = serializers.BooleanField()


class SystemConfigTemplateEmailsDto(serializers.Serializer[Any]):
    albumInviteTemplate = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    albumUpdateTemplate = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    welcomeTemplate = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)


class SystemConfigTemplatesDto(serializers.Serializer[Any]):
    email = SystemConfigTemplateEmailsDto()


class SystemConfigThemeDto(serializers.Serializer[Any]):
    customCss = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)


class SystemConfigTrashDto(serializers.Serializer[Any]):
    enabled = _enabled()
    days = serializers.IntegerField()


class SystemConfigUserDto(serializers.Serializer[Any]):
    deleteDelay = serializers.IntegerField()


class SystemConfigDto(serializers.Serializer[Any]):
    backup = SystemConfigBackupsDto()
    ffmpeg = SystemConfigFFmpegDto()
    image = SystemConfigImageDto()
    integrityChecks = SystemConfigIntegrityChecks()
    job = SystemConfigJobDto()
    library = SystemConfigLibraryDto()
    logging = SystemConfigLoggingDto()
    machineLearning = SystemConfigMachineLearningDto()
    map = SystemConfigMapDto()
    metadata = SystemConfigMetadataDto()
    newVersionCheck = SystemConfigNewVersionCheckDto()
    nightlyTasks = SystemConfigNightlyTasksDto()
    notifications = SystemConfigNotificationsDto()
    nsfw = SystemConfigNsfwDto(required=False)
    oauth = SystemConfigOAuthDto()
    passwordLogin = SystemConfigPasswordLoginDto()
    reverseGeocoding = SystemConfigReverseGeocodingDto()
    server = SystemConfigServerDto()
    storageTemplate = SystemConfigStorageTemplateDto()
    templates = SystemConfigTemplatesDto()
    theme = SystemConfigThemeDto()
    trash = SystemConfigTrashDto()
    user = SystemConfigUserDto()

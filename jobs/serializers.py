"""The response shapes of the jobs, queues and system-config endpoints, named and typed as `@immich/sdk` 3.1.0 names
them. The queue shapes are made from the dicts of `jobs.selectors`; the config shape from the config dict."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from immich.limits import TEXT_MAX_LENGTH
from jobs import system_config
from jobs.queues import Queue

QUEUE_NAMES = tuple(queue.value for queue in Queue)


class QueueStatisticsDto(serializers.Serializer[Any]):
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    delayed = serializers.IntegerField()
    waiting = serializers.IntegerField()
    paused = serializers.IntegerField()


class QueueStatusLegacyDto(serializers.Serializer[Any]):
    isActive = serializers.BooleanField()
    isPaused = serializers.BooleanField()


class QueueResponseLegacyDto(serializers.Serializer[Any]):
    jobCounts = QueueStatisticsDto()
    queueStatus = QueueStatusLegacyDto()


class QueuesResponseLegacyDto(serializers.Serializer[Any]):
    """Every queue of this server by name (Immich's has more: the machine-learning ones and others it lacks)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {queue.value: QueueResponseLegacyDto() for queue in Queue}


class QueueResponseDto(serializers.Serializer[Any]):
    name = serializers.ChoiceField(choices=QUEUE_NAMES)
    isPaused = serializers.BooleanField()
    statistics = QueueStatisticsDto()


class QueueJobResponseDto(serializers.Serializer[Any]):
    """One recorded step of a queue. Beyond the reference: the asset, its file name, the attempts and the reason of a
    failure. `name` is the step's label (Immich's is a job name)."""

    id = serializers.CharField()
    name = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, leaving Serializer.data alone: the stubs cannot say so.
    data = serializers.DictField()  # type: ignore[assignment]
    timestamp = serializers.IntegerField(allow_null=True)
    assetId = serializers.UUIDField()
    originalFileName = serializers.CharField()
    attempts = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)


class QueueRetryResponseDto(serializers.Serializer[Any]):
    count = serializers.IntegerField()


class SystemConfigTemplateStorageOptionDto(serializers.Serializer[Any]):
    yearOptions = serializers.ListField(child=serializers.CharField())
    monthOptions = serializers.ListField(child=serializers.CharField())
    weekOptions = serializers.ListField(child=serializers.CharField())
    dayOptions = serializers.ListField(child=serializers.CharField())
    hourOptions = serializers.ListField(child=serializers.CharField())
    minuteOptions = serializers.ListField(child=serializers.CharField())
    secondOptions = serializers.ListField(child=serializers.CharField())
    presetOptions = serializers.ListField(child=serializers.CharField())


# -- the system config: one shape per section this server carries (jobs/system_config.py has the defaults) ------


class DatabaseBackupConfig(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    cronExpression = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    keepLastAmount = serializers.IntegerField()


class SystemConfigBackupsDto(serializers.Serializer[Any]):
    database = DatabaseBackupConfig()


class SystemConfigFFmpegDto(serializers.Serializer[Any]):
    crf = serializers.IntegerField()
    threads = serializers.IntegerField()
    preset = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    targetVideoCodec = serializers.ChoiceField(choices=system_config.VIDEO_CODECS)
    acceptedVideoCodecs = serializers.ListField(child=serializers.ChoiceField(choices=system_config.VIDEO_CODECS))
    targetAudioCodec = serializers.ChoiceField(choices=system_config.AUDIO_CODECS)
    acceptedAudioCodecs = serializers.ListField(child=serializers.ChoiceField(choices=system_config.AUDIO_CODECS))
    acceptedContainers = serializers.ListField(child=serializers.ChoiceField(choices=system_config.VIDEO_CONTAINERS))
    targetResolution = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    maxBitrate = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    bframes = serializers.IntegerField()
    refs = serializers.IntegerField()
    gopSize = serializers.IntegerField()
    temporalAQ = serializers.BooleanField()
    cqMode = serializers.ChoiceField(choices=system_config.CQ_MODES)
    twoPass = serializers.BooleanField()
    preferredHwDevice = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    transcode = serializers.ChoiceField(choices=system_config.TRANSCODE_POLICIES)
    tonemap = serializers.ChoiceField(choices=system_config.TONE_MAPPINGS)
    accel = serializers.ChoiceField(choices=system_config.HW_ACCELERATIONS)
    accelDecode = serializers.BooleanField()


class SystemConfigGeneratedImageDto(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=system_config.IMAGE_FORMATS)
    size = serializers.IntegerField()
    quality = serializers.IntegerField()
    progressive = serializers.BooleanField(required=False)


class SystemConfigGeneratedFullsizeImageDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    format = serializers.ChoiceField(choices=system_config.IMAGE_FORMATS)
    quality = serializers.IntegerField()
    progressive = serializers.BooleanField(required=False)


class SystemConfigImageDto(serializers.Serializer[Any]):
    thumbnail = SystemConfigGeneratedImageDto()
    preview = SystemConfigGeneratedImageDto()
    colorspace = serializers.ChoiceField(choices=system_config.COLORSPACES)
    extractEmbedded = serializers.BooleanField()
    fullsize = SystemConfigGeneratedFullsizeImageDto()


class JobSettingsDto(serializers.Serializer[Any]):
    concurrency = serializers.IntegerField()


class SystemConfigJobDto(serializers.Serializer[Any]):
    """The concurrency of each queue that has a setting here."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {queue: JobSettingsDto() for queue in system_config.DEFAULTS["job"]}


class SystemConfigLibraryScanDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    cronExpression = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class SystemConfigLibraryWatchDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()


class SystemConfigLibraryDto(serializers.Serializer[Any]):
    scan = SystemConfigLibraryScanDto()
    watch = SystemConfigLibraryWatchDto()


class SystemConfigFacesDto(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {"import": serializers.BooleanField()}  # a Python keyword: no class attribute can bear the name


class SystemConfigMetadataDto(serializers.Serializer[Any]):
    defaultTimeZone = serializers.CharField(max_length=TEXT_MAX_LENGTH)  # beyond the reference
    faces = SystemConfigFacesDto()


class SystemConfigNewVersionCheckDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()


class SystemConfigNightlyTasksDto(serializers.Serializer[Any]):
    startTime = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    databaseCleanup = serializers.BooleanField()
    missingThumbnails = serializers.BooleanField()
    clusterNewFaces = serializers.BooleanField()
    generateMemories = serializers.BooleanField()
    syncQuotaUsage = serializers.BooleanField()


class SystemConfigPasswordLoginDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()


class SystemConfigStorageTemplateDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    hashVerificationEnabled = serializers.BooleanField()
    template = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    timeZone = serializers.CharField(
        allow_blank=True, max_length=TEXT_MAX_LENGTH
    )  # beyond the reference, with skipLowConfidenceDates
    skipLowConfidenceDates = serializers.BooleanField()


class SystemConfigTrashDto(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    days = serializers.IntegerField()


class SystemConfigUserDto(serializers.Serializer[Any]):
    deleteDelay = serializers.IntegerField()


class SystemConfigDto(serializers.Serializer[Any]):
    backup = SystemConfigBackupsDto()
    ffmpeg = SystemConfigFFmpegDto()
    image = SystemConfigImageDto()
    job = SystemConfigJobDto()
    library = SystemConfigLibraryDto()
    metadata = SystemConfigMetadataDto()
    newVersionCheck = SystemConfigNewVersionCheckDto()
    nightlyTasks = SystemConfigNightlyTasksDto()
    passwordLogin = SystemConfigPasswordLoginDto()
    storageTemplate = SystemConfigStorageTemplateDto()
    trash = SystemConfigTrashDto()
    user = SystemConfigUserDto()

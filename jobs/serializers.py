"""The response shapes of the jobs, queues and system-config endpoints, named and typed as `@immich/sdk` 3.1.0 names
them. The queue shapes are made from the dicts of `jobs.selectors`; the config shape from the config dict."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

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

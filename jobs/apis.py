from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.views import APIView

from immich.api import validated
from immich.errors import BadRequest, NotFound
from immich.limits import TEXT_MAX_LENGTH
from jobs import commands, selectors, system_config
from jobs.config_serializers import SystemConfigDto
from jobs.models import StepStatus
from jobs.queues import BEYOND_IMMICH, Queue
from jobs.selectors import QueueStatistics
from jobs.serializers import (
    QueueJobResponseDto,
    QueueResponseDto,
    QueueResponseLegacyDto,
    QueueRetryResponseDto,
    QueuesResponseLegacyDto,
    SystemConfigTemplateStorageOptionDto,
)
from workers.media import template_values


class SystemConfigApi(APIView):
    admin_only = True
    required_permission = {"GET": "systemConfig.read", "PUT": "systemConfig.update"}

    @extend_schema(responses={200: SystemConfigDto})
    def get(self, request: Request) -> Response:
        return Response(SystemConfigDto(system_config.config_get()).data)

    @extend_schema(request=SystemConfigDto, responses={200: SystemConfigDto})
    def put(self, request: Request) -> Response:
        return Response(SystemConfigDto(system_config.config_update(new_config=request.data)).data)


class SystemConfigDefaultsApi(APIView):
    admin_only = True
    required_permission = "systemConfig.read"

    @extend_schema(responses={200: SystemConfigDto})
    def get(self, request: Request) -> Response:
        return Response(SystemConfigDto(system_config.config_defaults()).data)


class StorageTemplateOptionsApi(APIView):
    admin_only = True
    required_permission = "systemConfig.read"

    @extend_schema(responses={200: SystemConfigTemplateStorageOptionDto})
    def get(self, request: Request) -> Response:
        return Response(SystemConfigTemplateStorageOptionDto(template_values.template_options()).data)


QUEUE_NAME = OpenApiParameter("queue_name", str, OpenApiParameter.PATH, enum=[queue.value for queue in Queue])
STATUSES = {"failed": StepStatus.FAILED, "waiting": StepStatus.PENDING, "active": StepStatus.RUNNING,
            "completed": StepStatus.DONE}  # fmt: skip


def _queue(name: str) -> Queue:
    try:
        return Queue(name)
    except ValueError as error:
        raise NotFound(f"Unknown queue {name}") from error


class JobCommandSerializer(serializers.Serializer[Any]):
    command = serializers.ChoiceField(choices=["start", "pause", "resume", "empty", "clear-failed", "retry-failed"])
    force = serializers.BooleanField(required=False, allow_null=True, default=None)


class ManualJobSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class QueueUpdateSerializer(serializers.Serializer[Any]):
    isPaused = serializers.BooleanField(required=False)


class QueueDrainSerializer(serializers.Serializer[Any]):
    failed = serializers.BooleanField(required=False, default=False)


class QueueRetrySerializer(serializers.Serializer[Any]):
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False, allow_null=True, default=None)


def _queue_response(name: str, statistics: QueueStatistics) -> ReturnDict[str, Any]:
    """A queue in the shape of the new queues API, from its legacy statistics."""
    body = {"name": name, "isPaused": statistics["queueStatus"]["isPaused"], "statistics": statistics["jobCounts"]}
    return QueueResponseDto(body).data


class JobsApi(APIView):
    admin_only = True
    required_permission = {"GET": "job.read", "POST": "job.create"}

    @extend_schema(responses={200: QueuesResponseLegacyDto})
    def get(self, request: Request) -> Response:
        return Response(QueuesResponseLegacyDto(selectors.queue_statistics()).data)

    @extend_schema(request=ManualJobSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = validated(ManualJobSerializer, request.data)
        commands.manual_job_run(name=data["name"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobCommandApi(APIView):
    admin_only = True
    required_permission = "job.create"

    @extend_schema(parameters=[QUEUE_NAME], request=JobCommandSerializer, responses={200: QueueResponseLegacyDto})
    def put(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        data = validated(JobCommandSerializer, request.data)
        assert request.user.is_authenticated  # admin_only: the permission check let only admins through
        commands.queue_command(
            queue=queue,
            command=data["command"],
            force=data["force"],
            by=request.user.email,
        )
        return Response(QueueResponseLegacyDto(selectors.queue_statistics()[queue.value]).data)


class QueuesApi(APIView):
    admin_only = True
    required_permission = "queue.read"

    @extend_schema(responses={200: QueueResponseDto(many=True)})
    def get(self, request: Request) -> Response:
        statistics = selectors.queue_statistics().items()
        return Response([_queue_response(name, stats) for name, stats in statistics if name not in BEYOND_IMMICH])


class QueueDetailApi(APIView):
    admin_only = True
    required_permission = {"GET": "queue.read", "PUT": "queue.update"}

    @extend_schema(parameters=[QUEUE_NAME], responses={200: QueueResponseDto})
    def get(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        return Response(_queue_response(queue.value, selectors.queue_statistics()[queue.value]))

    @extend_schema(parameters=[QUEUE_NAME], request=QueueUpdateSerializer, responses={200: QueueResponseDto})
    def put(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        data = validated(QueueUpdateSerializer, request.data)
        if "isPaused" in data:
            command = "pause" if data["isPaused"] else "resume"
            assert request.user.is_authenticated  # admin_only: the permission check let only admins through
            commands.queue_command(queue=queue, command=command, force=None, by=request.user.email)
        return Response(_queue_response(queue.value, selectors.queue_statistics()[queue.value]))


class QueueJobsApi(APIView):
    admin_only = True
    required_permission = {"GET": "queueJob.read", "DELETE": "queueJob.delete"}

    @extend_schema(
        parameters=[QUEUE_NAME, OpenApiParameter("status", str, enum=list(STATUSES), default="failed")],
        responses={200: QueueJobResponseDto(many=True)},
    )
    def get(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        wanted = request.query_params.get("status", "failed")
        if wanted not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
        items = selectors.queue_items(queue=queue, status=STATUSES[wanted])
        return Response(QueueJobResponseDto(items, many=True).data)

    @extend_schema(parameters=[QUEUE_NAME], request=QueueDrainSerializer, responses={204: None})
    def delete(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        data = validated(QueueDrainSerializer, request.data)
        commands.queue_empty(queue=queue)
        if data["failed"]:
            commands.queue_clear_failed(queue=queue)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueRetryApi(APIView):
    admin_only = True
    required_permission = "queueJob.update"

    @extend_schema(parameters=[QUEUE_NAME], request=QueueRetrySerializer, responses={200: QueueRetryResponseDto})
    def post(self, request: Request, queue_name: str) -> Response:
        queue = _queue(queue_name)
        data = validated(QueueRetrySerializer, request.data)
        count = commands.queue_retry_failed(queue=queue, asset_ids=data["assetIds"])
        return Response(QueueRetryResponseDto({"count": count}).data)

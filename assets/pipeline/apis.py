"""`POST /api/system-config/transcode-dry-run`: what a transcoding policy would do before it is saved (issue 5).

Body: `{"ffmpeg": {...}, "probeMissing": false}`; `ffmpeg` holds the settings to try (any subset of the system
config's ffmpeg section, applied over the current one). The answer counts the videos that would be transcoded,
remuxed or lose their transcode, and estimates the bytes written and freed. Nothing is changed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.pipeline import transcode


class TranscodeDryRunSerializer(serializers.Serializer):
    ffmpeg = serializers.DictField(required=False, default=dict)
    probeMissing = serializers.BooleanField(required=False, default=False)


class TranscodeReasonCount(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class TranscodeDryRunResponseDto(serializers.Serializer):
    ffmpeg = serializers.DictField(help_text="The ffmpeg settings tried: the current ones with the body's applied")
    videos = serializers.IntegerField()
    transcode = serializers.IntegerField()
    remux = serializers.IntegerField()
    delete = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    notProbed = serializers.IntegerField()
    unreadable = serializers.IntegerField()
    estimatedOutputBytes = serializers.IntegerField()
    estimatedOutputGB = serializers.FloatField()
    replacedBytes = serializers.IntegerField()
    freedBytes = serializers.IntegerField()
    currentBytes = serializers.IntegerField()
    netChangeBytes = serializers.IntegerField()
    netChangeGB = serializers.FloatField()
    topReasons = TranscodeReasonCount(many=True, help_text="The ten most frequent decisions' reasons")


class TranscodeDryRunApi(APIView):
    admin_only = True
    required_permission = "systemConfig.read"

    @extend_schema(request=TranscodeDryRunSerializer, responses={200: TranscodeDryRunResponseDto})
    def post(self, request):
        serializer = TranscodeDryRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ffmpeg = transcode.ffmpeg_candidate(serializer.validated_data["ffmpeg"])
        report = transcode.transcode_dry_run(ffmpeg=ffmpeg, probe_missing=serializer.validated_data["probeMissing"])
        return Response(TranscodeDryRunResponseDto({"ffmpeg": ffmpeg, **report.to_dict()}).data)

from __future__ import annotations

from rest_framework import serializers

from nsfw.services import VERDICTS


class NsfwOverrideDto(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=10_000)
    verdict = serializers.ChoiceField(
        choices=VERDICTS, help_text="flagged or safe whatever the score; model: the score against the threshold again"
    )


class NsfwOverrideResponseDto(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many of the assets exist and were given the verdict")

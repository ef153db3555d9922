from __future__ import annotations

from rest_framework import serializers

from sync.types import ENTITY_TYPES, REQUEST_TYPES


class SyncStreamDto(serializers.Serializer):
    types = serializers.ListField(child=serializers.ChoiceField(REQUEST_TYPES), allow_empty=True)
    reset = serializers.BooleanField(required=False, default=False)


class SyncAckSetDto(serializers.Serializer):
    acks = serializers.ListField(child=serializers.CharField(max_length=255), max_length=1000)


class SyncAckDeleteDto(serializers.Serializer):
    types = serializers.ListField(child=serializers.ChoiceField(sorted(ENTITY_TYPES)), required=False)


class SyncAckDto(serializers.Serializer):
    type = serializers.ChoiceField(sorted(ENTITY_TYPES))
    ack = serializers.CharField()

"""Input validation and the response shapes of Immich's partner DTOs."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import UserResponseDto
from sharing.selectors import SHARED_BY, SHARED_WITH

PARTNER_DIRECTIONS = [SHARED_BY, SHARED_WITH]


class PartnerResponseDto(UserResponseDto):
    """The other user of a partnership (the one shared with, or the one sharing), and `inTimeline`: whether the
    library shared with the caller shows in the caller's timeline."""

    inTimeline = serializers.BooleanField(required=False)


def partner_response(partner, direction: str) -> dict:
    other = partner.shared_with if direction == SHARED_BY else partner.shared_by
    body = PartnerResponseDto(other).data
    body["inTimeline"] = partner.in_timeline
    return body


class PartnerListQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=PARTNER_DIRECTIONS)


class PartnerCreateSerializer(serializers.Serializer):
    sharedWithId = serializers.UUIDField()


class PartnerUpdateSerializer(serializers.Serializer):
    inTimeline = serializers.BooleanField()
